"""Every write of intake: feedback in from every channel, sources, accounts, and the background
processing (sentiment, contact and account matching, duplicate candidates) after intake.

Intake never waits on Redis: items are committed with processed_at=None and a wake-up call is
sent after commit; if it is lost (Redis down, worker killed) the sweeper finds the rows.
"""

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback import sentiment
from feedback.batch_upsert import (
    CREATED,
    ERROR,
    UNCHANGED,
    UPDATED,
    ItemOutcome,
    Person,
    mark_days,
    resolve_people,
    store_items,
)
from feedback.intake_item import (
    MAX_BODY,
    MAX_EXTERNAL_ID,
    MAX_NAME,
    MAX_TITLE,
    IntakeItem,
    normalise_domain,
    parse_when,
)
from feedback.models import (
    Account,
    Channel,
    DuplicateCandidate,
    FeedbackItem,
    Source,
    Status,
)
from feedback.selectors import intake as selectors
from feedback.webhooks import (
    DEFAULT_MAPPING,
    claim_delivery,
    clean_mapping,
    extract,
    new_secret,
    verify,
)
from inventory.models import Tool
from productops import background, clock
from productops.access import Actor, require
from productops.audit import audit, diff
from productops.capabilities import Capability
from productops.locks import advisory_xact_lock
from productops.models import Workspace
from productops.validation import parse_json

__all__ = ["IntakeItem", "IntakeResult", "ItemOutcome", "feedback_submit"]

log = logging.getLogger(__name__)

PROCESS_BATCH = 200
LOST_AFTER = timedelta(minutes=2)


@dataclass
class IntakeResult:
    source: Source
    outcomes: list[ItemOutcome]

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def failed(self) -> int:
        return self.count(ERROR)


# Waking the worker ----------------------------------------------------------------------------


def wake_processing(workspace_id: int) -> None:
    """Asks a worker to process the workspace's new items once this transaction commits."""
    background.enqueue_on_commit("feedback.tasks.process_feedback", workspace_id)


def unprocessed_workspaces(*, older_than: timedelta = LOST_AFTER) -> list[int]:
    """The sweeper's finder: workspaces with items whose wake-up call was lost."""
    return list(
        FeedbackItem.objects.filter(processed_at=None, created_at__lt=timezone.now() - older_than)
        .order_by()
        .values_list("workspace_id", flat=True)
        .distinct()[:200]
    )


# Intake -----------------------------------------------------------------------------------------


def check_item(item: IntakeItem) -> dict[str, list[str]]:
    """The rules every channel's items meet; errors by field (empty when the item is fine)."""
    errors: dict[str, list[str]] = {}
    limits = [
        ("body", item.body, MAX_BODY),
        ("title", item.title, MAX_TITLE),
        ("name", item.name, MAX_NAME),
        ("external_id", item.external_id, MAX_EXTERNAL_ID),
        ("account_external_id", item.account_external_id, 100),
        ("account_name", item.account_name, 200),
        ("product_area", item.product_area, 80),
    ]
    if not item.body.strip():
        errors["body"] = ["The feedback text is empty."]
    for name, value, limit in limits:
        if len(value) > limit:
            errors[name] = [f"Use at most {limit:,} characters (this has {len(value):,})."]
    if item.email:
        try:
            validate_email(item.email.strip())  # the forms' rule: a real domain, with a dot
        except ValidationError:
            errors["email"] = [f"{item.email!r} is not an email address."]
    for tag in item.tags:
        if len(tag) > 60:
            errors["tags"] = [f"Tag {tag[:20]!r}… is over 60 characters."]
    return errors


def _normalised(item: IntakeItem) -> IntakeItem:
    return IntakeItem(
        body=item.body.strip(),
        title=item.title.strip(),
        email=item.email.strip().lower(),
        name=item.name.strip(),
        external_id=item.external_id.strip(),
        received_at=item.received_at,
        account_external_id=item.account_external_id.strip(),
        account_name=item.account_name.strip(),
        account_domain=normalise_domain(item.account_domain) if item.account_domain else "",
        tags=tuple(dict.fromkeys(t.strip() for t in item.tags if t.strip())),
        product_area=item.product_area.strip(),
        status=item.status,
    )


def _store(
    actor: Actor,
    source: Source,
    items: Sequence[IntakeItem],
    *,
    trusted: bool = True,
    known_errors: dict[int, dict[str, list[str]]] | None = None,
    wake: bool = True,
) -> IntakeResult:
    if source.workspace_id != actor.workspace.pk:
        raise ValidationError({"source": "No such source."})
    if not source.is_active:
        raise ValidationError({"source": f"The source {source.name!r} is turned off."})
    items = [_normalised(i) for i in items]
    outcomes: list[ItemOutcome | None] = [None] * len(items)
    good: list[int] = []
    for index, item in enumerate(items):
        errors = (known_errors or {}).get(index) or check_item(item)
        if errors:
            outcomes[index] = ItemOutcome(index, ERROR, external_id=item.external_id, errors=errors)
        else:
            good.append(index)
    if good:
        stored = store_items(actor.workspace, source, [items[i] for i in good], trusted=trusted)
        for index, outcome in zip(good, stored, strict=True):
            outcome.index = index
            outcomes[index] = outcome
    result = IntakeResult(source=source, outcomes=outcomes)  # type: ignore[arg-type]
    if wake and (result.created or result.updated):
        wake_processing(actor.workspace.pk)
    return result


def _audit_received(actor: Actor, source: Source, result: IntakeResult) -> None:
    """One event per intake call, with what it did to the items."""
    audit(
        actor,
        "feedback.received",
        source,
        after={
            "channel": source.channel,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "failed": result.failed,
        },
    )


@transaction.atomic
def feedback_submit(
    *, actor: Actor, source: Source, items: list[IntakeItem], wake: bool = True
) -> IntakeResult:
    """Stores feedback from any channel; the same (source, external_id) again is the same row.

    Good items are stored even when others in the call are not: each item's outcome says
    created, updated, unchanged or error (with the reasons by field). An import passes
    wake=False and wakes processing once per stretch of batches instead of once per batch, so a
    big file does not fill the queue with wake-up calls that other work would wait behind.
    """
    require(actor, Capability.SUBMIT_FEEDBACK)
    result = _store(actor, source, items, wake=wake)
    _audit_received(actor, source, result)
    return result


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


@transaction.atomic
def feedback_create_manual(
    *,
    actor: Actor,
    body: str,
    title: str = "",
    source: Source | None = None,
    email: str = "",
    name: str = "",
    account: Account | None = None,
    received_at: datetime | None = None,
) -> FeedbackItem:
    """A PM writes down what a customer said (a call, a meeting, a hallway)."""
    require(actor, Capability.SUBMIT_FEEDBACK)
    source = source or default_source(actor, channel=Channel.MANUAL, name="Manual entry")
    item = IntakeItem(
        body=body,
        title=title,
        email=email,
        name=name,
        received_at=received_at,
        account_external_id="",
        account_name=account.name if account else "",
    )
    result = _store(actor, source, [item])
    outcome = result.outcomes[0]
    if outcome.result == ERROR:
        raise ValidationError({k: v for k, v in outcome.errors.items()})
    assert outcome.item_id is not None  # stored: only an ERROR outcome has no item
    created = FeedbackItem.objects.get(pk=outcome.item_id)
    if account is not None and account.workspace_id == actor.workspace.pk:
        # The PM's choice of account wins over what the email's domain suggests.
        FeedbackItem.objects.filter(pk=created.pk).update(account=account)
        created.account = account
    audit(
        actor,
        "feedback.created",
        created,
        after={"source": source.name, "title": created.title, "email": created.submitter_email},
    )
    return created


@transaction.atomic
def feedback_web_form_submit(
    *,
    workspace: Workspace,
    body: str,
    title: str = "",
    email: str = "",
    name: str = "",
    spam_reason: str = "",
) -> FeedbackItem:
    """Feedback from the public form. Caught spam is kept with status spam, not dropped, so a
    false positive can be found and restored; it names no contact or account."""
    source = selectors.web_form_source(workspace=workspace)
    if source is None:
        raise ValidationError("This workspace does not take feedback through its public form.")
    actor = Actor(workspace=workspace)  # no one signed in: audited as "system"
    item = IntakeItem(
        body=body,
        title=title,
        email=email,
        name=name,
        status=Status.SPAM if spam_reason else Status.NEW,
    )
    # The form is untrusted: anyone may type anyone's address, so it never creates accounts.
    result = _store(actor, source, [item], trusted=False)
    outcome = result.outcomes[0]
    if outcome.result == ERROR:
        raise ValidationError({k: v for k, v in outcome.errors.items()})
    assert outcome.item_id is not None  # stored: only an ERROR outcome has no item
    created = FeedbackItem.objects.get(pk=outcome.item_id)
    audit(
        actor,
        "feedback.received",
        source,
        after={"channel": source.channel, "created": 1, "item": created.pk, "spam": spam_reason},
    )
    return created


class Replayed(Exception):
    """This signed delivery was received before."""


def webhook_parse(*, source: Source, timestamp: str | None, signature: str | None, raw: bytes):
    """The delivery's JSON once its signature checks out (raises BadSignature, ValidationError)."""
    verify(secret=source.webhook_secret, timestamp=timestamp, signature=signature, body=raw)
    return parse_json(raw)  # not JSON, nested too deep or holding NUL: ValidationError (400)


def webhook_items(*, source: Source, payload) -> list[dict[str, str]]:
    return extract(payload, source.field_mapping or DEFAULT_MAPPING)


@transaction.atomic
def feedback_webhook_receive(
    *, source: Source, signature: str, values: list[dict[str, str]]
) -> IntakeResult:
    """Stores a signed delivery's items once: a replay of the same signature raises Replayed."""
    if not claim_delivery(
        source_id=source.pk, workspace_id=source.workspace_id, signature=signature
    ):
        raise Replayed("This delivery was received already (same signature).")
    actor = Actor(workspace=source.workspace)
    parsed = [item_from_text(v) for v in values]
    result = _store(
        actor,
        source,
        [item for item, _ in parsed],
        known_errors={i: errors for i, (_, errors) in enumerate(parsed) if errors},
    )
    _audit_received(actor, source, result)
    return result


def item_from_text(values: dict[str, str]) -> tuple[IntakeItem, dict[str, list[str]]]:
    """An item from text values (a webhook's mapped JSON, a CSV row), and its errors by field."""
    errors: dict[str, list[str]] = {}
    received_at = None
    when = values.get("received_at", "").strip()
    if when:
        received_at = parse_when(when)
        if received_at is None:
            errors["received_at"] = [f"Cannot read {when[:40]!r} as a date and time."]
    tags = [t for t in (values.get("tags", "").replace(";", ",").split(",")) if t.strip()]
    item = IntakeItem(
        body=values.get("body", ""),
        title=values.get("title", ""),
        email=values.get("email", ""),
        name=values.get("name", ""),
        external_id=values.get("external_id", ""),
        received_at=received_at,
        account_external_id=values.get("account_external_id", ""),
        account_name=values.get("account_name", ""),
        account_domain=values.get("account_domain", ""),
        tags=tuple(tags),
        product_area=values.get("product_area", ""),
    )
    errors |= check_item(_normalised(item))
    return item, errors


# Sources ----------------------------------------------------------------------------------------


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


@transaction.atomic
def web_form_set(*, actor: Actor, enabled: bool) -> Source | None:
    """Opens or closes the workspace's public feedback form (its web-form source)."""
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


# Accounts ---------------------------------------------------------------------------------------

ACCOUNT_FIELDS = ("name", "domain", "plan", "segment", "annual_revenue")


@transaction.atomic
def account_upsert(
    *,
    actor: Actor,
    external_id: str = "",
    name: str = "",
    domain: str = "",
    plan: str | None = None,
    segment: str | None = None,
    annual_revenue: Decimal | None = None,
) -> tuple[Account, bool]:
    """Creates or updates an account by its external id (else its domain); True when created.

    A domain already held by another account that has no external id is adopted by this one
    (the account was made from an email domain before the CRM knew it).
    """
    require(actor, Capability.SUBMIT_FEEDBACK)
    external_id, domain = external_id.strip(), normalise_domain(domain) if domain else ""
    if not external_id and not domain:
        raise ValidationError({"external_id": "Give the account's external_id (or its domain)."})
    advisory_xact_lock("account", actor.workspace.pk, external_id or domain)
    accounts = Account.objects.select_for_update().filter(workspace=actor.workspace)
    account = accounts.filter(external_id=external_id).first() if external_id else None
    holder = accounts.filter(domain=domain).first() if domain else None
    if account is None and holder is not None:
        if external_id and holder.external_id and holder.external_id != external_id:
            # The message names neither the holder's name nor its CRM id: an intake-only
            # token must not learn them by guessing domains.
            raise ValidationError({"domain": f"{domain} belongs to another account."})
        account = holder
    elif account is not None and holder is not None and holder.pk != account.pk:
        raise ValidationError({"domain": f"{domain} belongs to another account."})
    created = account is None
    if account is None:
        account = Account(workspace=actor.workspace)
    before = {f: str(getattr(account, f)) for f in ACCOUNT_FIELDS} if not created else None
    if external_id:
        account.external_id = external_id
    if domain:
        account.domain = domain
    if name.strip():
        account.name = name.strip()[:200]
    elif created:
        account.name = domain or external_id
    for field, value in (("plan", plan), ("segment", segment), ("annual_revenue", annual_revenue)):
        if value is not None:
            setattr(account, field, value.strip()[:60] if isinstance(value, str) else value)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise ValidationError(
            {"external_id": "Another request changed this account; retry."}
        ) from None
    after = {f: str(getattr(account, f)) for f in ACCOUNT_FIELDS}
    if before is None:
        audit(actor, "account.created", account, after=after)
    else:
        changed_before, changed_after = diff(before, after)
        audit(actor, "account.updated", account, before=changed_before, after=changed_after)
    return account, created


# Processing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessingRun:
    processed: int
    more: bool  # stopped at its time budget with items left: queue the next stretch


def feedback_process_pending(
    *, workspace_id: int, budget_seconds: float | None = None
) -> ProcessingRun:
    """Processes the workspace's unprocessed items in batches, for at most `budget_seconds`.

    Rows are claimed with FOR NO KEY UPDATE SKIP LOCKED, so two workers share the work instead
    of doing it twice, and a processed item is never processed again unless intake changes it.
    (Not FOR UPDATE: a candidate row's foreign key takes KEY SHARE on the item it names, which
    FOR UPDATE would block, and two workers naming each other's items would deadlock.)

    A run stops at its budget so that a 100,000-row import never holds a worker past the task
    time limit: the task queues the next stretch behind whatever else is waiting (another
    import, reminders, dashboards), and `more` says there is one.
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    total = 0
    while total == 0 or deadline is None or time.monotonic() < deadline:
        with transaction.atomic():
            batch = list(
                FeedbackItem.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
                .select_related("source", "workspace")
                .filter(workspace_id=workspace_id, processed_at=None)
                .order_by("created_at", "id")[:PROCESS_BATCH]
            )
            if not batch:
                return ProcessingRun(total, more=False)
            _process(batch)
            total += len(batch)
            if len(batch) < PROCESS_BATCH:
                return ProcessingRun(total, more=False)
    return ProcessingRun(total, more=True)


def processing_left(*, workspace_id: int, since: datetime | None = None) -> int:
    """How many of the workspace's items (received through intake after `since`) still wait
    for processing: an import's progress page shows it."""
    pending = FeedbackItem.objects.filter(workspace_id=workspace_id, processed_at=None)
    if since is not None:
        pending = pending.filter(created_at__gte=since)
    return pending.order_by().count()


def _process(items: list[FeedbackItem]) -> None:
    workspace = items[0].workspace
    now = timezone.now()
    for item in items:
        if not item.sentiment_overridden:
            scored = sentiment.score(f"{item.title}. {item.body}" if item.title else item.body)
            item.sentiment, item.sentiment_score = scored.label, scored.score
        item.processed_at = now

    # Contacts and accounts for items intake could not match (or that arrived without them).
    unmatched = [
        i
        for i in items
        if i.status != Status.SPAM
        and i.submitter_email
        and (i.contact_id is None or i.account_id is None)
    ]
    if unmatched:
        people = resolve_people(
            workspace,
            [
                Person(
                    email=i.submitter_email,
                    name=i.submitter_name,
                    trusted=i.source.channel != Channel.WEB_FORM,
                )
                for i in unmatched
            ],
        )
        for item, (contact_id, account_id) in zip(unmatched, people, strict=True):
            item.contact_id = item.contact_id or contact_id
            item.account_id = item.account_id or account_id

    # Duplicate candidates, found afresh: a changed body may match other items now.
    DuplicateCandidate.objects.filter(item__in=items, dismissed_at=None).delete()
    candidates = []
    for item in items:
        if item.status == Status.SPAM or item.duplicate_of_id:
            continue
        for candidate_id, score in selectors.duplicate_matches(item=item):
            candidates.append(
                DuplicateCandidate(
                    workspace_id=item.workspace_id,
                    item=item,
                    candidate_id=candidate_id,
                    score=score,
                )
            )
    DuplicateCandidate.objects.bulk_create(candidates, ignore_conflicts=True)

    FeedbackItem.objects.bulk_update(
        items, ["sentiment", "sentiment_score", "contact", "account", "processed_at"]
    )
    mark_days(workspace, {clock.workspace_date(workspace, i.received_at) for i in items})
