"""Every write of tools in the inventory: keyword-only, atomic, audited once, change-marked."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inventory.models import Tool, ToolStatus
from inventory.services.changes import mark_changed_tools, snapshot
from productops.access import Actor, require
from productops.audit import audit, diff
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, Workspace

TOOL_FIELDS = (
    "name",
    "vendor",
    "category",
    "description",
    "url",
    "owner",
    "team",
    "status",
    "sso_enabled",
    "data_sensitivity",
    "tags",
    "feedback_source_kinds",
)


def _clean_labels(values: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        label = value.strip().lower()
        if label:
            seen.setdefault(label[:40], None)
    return list(seen)


def _check_owner(workspace: Workspace, owner: Membership | None) -> None:
    if owner is not None and owner.workspace_id != workspace.pk:
        raise ValidationError({"owner": "The owner must be a member of this workspace."})


def _check_name_free(workspace: Workspace, name: str, exclude: int | None = None) -> None:
    taken = Tool.objects.filter(workspace=workspace, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError({"name": f"{name} is already in the inventory."})


@transaction.atomic
def tool_create(
    *,
    actor: Actor,
    name: str,
    category: str,
    vendor: str = "",
    description: str = "",
    url: str = "",
    owner: Membership | None = None,
    team: str = "",
    status: str = ToolStatus.ACTIVE,
    sso_enabled: bool = False,
    data_sensitivity: str = "internal",
    tags: Sequence[str] = (),
    feedback_source_kinds: Sequence[str] = (),
) -> Tool:
    require(actor, Capability.MANAGE_TOOLS)
    workspace = actor.workspace
    name, category = name.strip(), category.strip()
    if not name:
        raise ValidationError({"name": "Give the tool a name."})
    if not category:
        raise ValidationError({"category": "Choose or type a category."})
    _check_owner(workspace, owner)
    _check_name_free(workspace, name)
    tool = Tool.objects.create(
        workspace=workspace,
        name=name,
        vendor=vendor.strip(),
        category=category,
        description=description.strip(),
        url=url.strip(),
        owner=owner,
        team=team.strip(),
        status=status,
        sso_enabled=sso_enabled,
        data_sensitivity=data_sensitivity,
        tags=_clean_labels(tags),
        feedback_source_kinds=_clean_labels(feedback_source_kinds),
    )
    audit(actor, "tool.created", tool, after=snapshot(tool, TOOL_FIELDS))
    mark_changed_tools(workspace, tool.category)
    return tool


@transaction.atomic
def tool_update(*, actor: Actor, tool: Tool, expected_version: int, **changes: Any) -> Tool:
    """Changes the named fields. Raises StaleEdit when the tool changed since `expected_version`
    was read, so two people editing at once never overwrite each other silently."""
    require(actor, Capability.MANAGE_TOOLS)
    unknown = set(changes) - set(TOOL_FIELDS)
    if unknown:
        raise TypeError(f"Not tool fields: {', '.join(sorted(unknown))}")
    workspace = actor.workspace
    tool = (
        Tool.objects.select_for_update(of=("self",))
        .select_related("owner__user")
        .get(pk=tool.pk, workspace=workspace)
    )
    if tool.version != expected_version:
        raise StaleEdit(
            f"{tool.name} was changed by someone else (version {tool.version}, you edited "
            f"version {expected_version}). Reload it and apply your change again.",
            current={"version": tool.version, **snapshot(tool, TOOL_FIELDS)},
        )
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if not changes["name"]:
            raise ValidationError({"name": "Give the tool a name."})
        _check_name_free(workspace, changes["name"], exclude=tool.pk)
    if "category" in changes:
        changes["category"] = changes["category"].strip()
        if not changes["category"]:
            raise ValidationError({"category": "Choose or type a category."})
    if "owner" in changes:
        _check_owner(workspace, changes["owner"])
    for key in ("tags", "feedback_source_kinds"):
        if key in changes:
            changes[key] = _clean_labels(changes[key])
    before = snapshot(tool, TOOL_FIELDS)
    old_category = tool.category
    for key, value in changes.items():
        setattr(tool, key, value.strip() if isinstance(value, str) else value)
    old, new = diff(before, snapshot(tool, TOOL_FIELDS))
    if not new:
        return tool
    tool.version = F("version") + 1
    tool.updated_at = timezone.now()
    tool.save()
    tool.refresh_from_db(fields=["version"])
    audit(actor, "tool.updated", tool, before=old, after=new)
    mark_changed_tools(workspace, old_category, tool.category)
    return tool
