"""Every write of feedback sources: created, found by name for an API call or an upload, edited,
their webhook secrets rotated, and the workspace's public web form opened or closed."""

from typing import Literal, overload

from django.core.exceptions import ValidationError
from django.db import transaction

from feedback.models import Channel, Source
from feedback.selectors import intake as selectors
from feedback.webhooks import DEFAULT_MAPPING, clean_mapping, new_secret
from inventory.models import Tool
from productops.access import Actor, require
from productops.audit import audit, diff
from productops.capabilities import Capability
from productops.locks import advisory_xact_lock


def _source_create(actor: Actor, *, name: str, channel: str, tool: Tool | None = None) -> Source:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the source a name."})
    if len(name) > 100:
        raise ValidationError({"name": "Use at most 100 characters."})
    if channel not in Channel.values:
        raise ValidationError({"channel": f"Choose one of: {', '.join(Channel.values)}."})
    if selectors.source_by_name(workspace=actor.workspace, name=name) is not None:
        raise ValidationError({"name": f"There is a source named {name!r} already."})
    _check_tool(actor, tool)
    source = Source.objects.create(
        workspace=actor.workspace,
        name=name,
        channel=channel,
        tool=tool,
        webhook_secret=new_secret() if channel == Channel.WEBHOOK else "",
        field_mapping=dict(DEFAULT_MAPPING) if channel == Channel.WEBHOOK else {},
    )
    audit(actor, "source.created", source, after={"name": name, "channel": channel})
    return source


@transaction.atomic
def source_for_api(*, actor: Actor, source_id: int | None = None, name: str = "") -> Source:
    """The source an API call names by id, or by name (created with channel "api" if new)."""
    require(actor, Capability.SUBMIT_FEEDBACK)
    if source_id is not None:
        found = Source.objects.filter(workspace=actor.workspace, pk=source_id).first()
        if found is None:
            raise ValidationError({"source": f"There is no source {source_id} in this workspace."})
        return found
    name = (name or "API").strip()
    found = selectors.source_by_name(workspace=actor.workspace, name=name)
    if found is not None:
        return found
    # Two first calls at once: serialise on the name so one creates and the other finds it.
    advisory_xact_lock("source", actor.workspace.pk, name.lower())
    return selectors.source_by_name(workspace=actor.workspace, name=name) or _source_create(
        actor, name=name, channel=Channel.API
    )


@transaction.atomic
def source_for_import(*, actor: Actor, name: str, channel: str = Channel.CSV_IMPORT) -> Source:
    """The source an upload files into: found by name, or created (importing needs no more)."""
    require(actor, Capability.SUBMIT_FEEDBACK)
    found = selectors.source_by_name(workspace=actor.workspace, name=name)
    if found is not None:
        return found
    if channel == Channel.WEB_FORM:
        raise ValidationError({"new_source_channel": "Choose another channel."})
    return _source_create(actor, name=name, channel=channel)


def default_source(actor: Actor, *, channel: str, name: str) -> Source:
    """The workspace's first active source of `channel`, created as `name` if there is none."""
    found = (
        Source.objects.filter(workspace=actor.workspace, channel=channel, is_active=True)
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    advisory_xact_lock("source", actor.workspace.pk, channel)
    taken = selectors.source_by_name(workspace=actor.workspace, name=name)
    if taken is not None and taken.channel == channel:
        return taken  # created meanwhile, or turned off: it still is the one
    if taken is not None:
        name = f"{name} ({Channel(channel).label.lower()})"
    return _source_create(actor, name=name, channel=channel)


def _check_tool(actor: Actor, tool: Tool | None) -> None:
    if tool is not None and tool.workspace_id != actor.workspace.pk:
        raise ValidationError({"tool": "No such tool."})


@transaction.atomic
def source_create(
    *, actor: Actor, name: str, channel: str, tool: Tool | None = None
) -> tuple[Source, str | None]:
    """A new source; for a webhook, also its signing secret (shown to the person once)."""
    require(actor, Capability.MANAGE_SOURCES)
    source = _source_create(actor, name=name, channel=channel, tool=tool)
    return source, source.webhook_secret or None


@transaction.atomic
def source_update(
    *,
    actor: Actor,
    source: Source,
    name: str,
    tool: Tool | None,
    is_active: bool,
    field_mapping: dict[str, str] | None = None,
) -> Source:
    require(actor, Capability.MANAGE_SOURCES)
    source = Source.objects.select_for_update().get(pk=source.pk, workspace=actor.workspace)
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the source a name."})
    other = selectors.source_by_name(workspace=actor.workspace, name=name)
    if other is not None and other.pk != source.pk:
        raise ValidationError({"name": f"There is a source named {name!r} already."})
    _check_tool(actor, tool)
    before = {
        "name": source.name,
        "tool": source.tool_id,
        "is_active": source.is_active,
        "field_mapping": source.field_mapping,
    }
    if field_mapping is not None:
        mapping, errors = clean_mapping(field_mapping)
        if errors:
            raise ValidationError({f"map_{k}": v for k, v in errors.items()})
        source.field_mapping = mapping
    source.name, source.tool, source.is_active = name, tool, is_active
    source.save(update_fields=["name", "tool", "is_active", "field_mapping"])
    after = {
        "name": source.name,
        "tool": source.tool_id,
        "is_active": source.is_active,
        "field_mapping": source.field_mapping,
    }
    changed_before, changed_after = diff(before, after)
    audit(actor, "source.updated", source, before=changed_before, after=changed_after)
    return source


@transaction.atomic
def source_rotate_secret(*, actor: Actor, source: Source) -> str:
    """A new webhook secret; the old one stops working at once."""
    require(actor, Capability.MANAGE_SOURCES)
    source = Source.objects.select_for_update().get(pk=source.pk, workspace=actor.workspace)
    if source.channel != Channel.WEBHOOK:
        raise ValidationError("Only webhook sources have a secret.")
    source.webhook_secret = new_secret()
    source.save(update_fields=["webhook_secret"])
    audit(actor, "source.secret_rotated", source)
    return source.webhook_secret


@overload
def web_form_set(*, actor: Actor, enabled: Literal[True]) -> Source: ...
@overload
def web_form_set(*, actor: Actor, enabled: bool) -> Source | None: ...
@transaction.atomic
def web_form_set(*, actor: Actor, enabled: bool) -> Source | None:
    """Opens or closes the workspace's public feedback form (its web-form source): the source,
    or None when it is closed and never existed."""
    require(actor, Capability.MANAGE_SOURCES)
    source = selectors.web_form_source(workspace=actor.workspace, active_only=False)
    if source is None:
        if not enabled:
            return None
        name = "Web form"
        if selectors.source_by_name(workspace=actor.workspace, name=name) is not None:
            name = "Public feedback form"
        return _source_create(actor, name=name, channel=Channel.WEB_FORM)
    if source.is_active != enabled:
        Source.objects.filter(pk=source.pk).update(is_active=enabled)
        source.is_active = enabled
        audit(
            actor,
            "source.updated",
            source,
            before={"is_active": not enabled},
            after={"is_active": enabled},
        )
    return source
