"""Every write of feedback in from every channel (API, form, web form, webhook, import).

Intake never waits on Redis: items are committed with processed_at=None and a wake-up call is
sent after commit (services/processing.py); if it is lost (Redis down, worker killed) the
sweeper finds the rows. Sources live in services/sources.py, accounts in services/accounts.py.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from feedback.batch_upsert import (
    CREATED,
    ERROR,
    UNCHANGED,
    UPDATED,
    ItemOutcome,
    every_outcome,
    store_items,
)
from feedback.intake_item import (
    MAX_BODY,
    MAX_EXTERNAL_ID,
    MAX_NAME,
    MAX_TITLE,
    IntakeItem,
    normalise_domain,
)
from feedback.models import Account, Channel, FeedbackItem, Idea, Source, Status
from feedback.selectors import intake as selectors
from feedback.services.ideas import idea_me_too
from feedback.services.processing import wake_processing
from feedback.services.sources import default_source
from feedback.webhooks import DEFAULT_MAPPING, claim_delivery, extract, verify
from productops import clock
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.imports.values import DateOrder, parse_single_moment
from productops.models import Workspace
from productops.validation import STAR_RATING, check_received, parse_json

__all__ = ["IntakeItem", "IntakeResult", "ItemOutcome", "feedback_submit"]


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
    if item.rating is not None:
        try:
            STAR_RATING.clean(item.rating)
        except ValidationError as error:
            errors["rating"] = error.messages
    if item.received_at is not None:
        try:
            check_received(item.received_at)
        except ValidationError as error:
            errors["received_at"] = error.messages
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
        rating=item.rating,
        status=item.status,
    )


def _store(
    actor: Actor,
    source: Source,
    items: Sequence[IntakeItem],
    *,
    trusted: bool = True,
    checked: dict[int, dict[str, list[str]]] | None = None,
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
        # Items the caller ran check_item on already (an import's rows, a webhook's values)
        # are not checked twice: `checked` holds their errors by index (none: all good).
        errors = checked.get(index, {}) if checked is not None else check_item(item)
        if errors:
            outcomes[index] = ItemOutcome(index, ERROR, external_id=item.external_id, errors=errors)
        else:
            good.append(index)
    if good:
        stored = store_items(actor.workspace, source, [items[i] for i in good], trusted=trusted)
        for index, outcome in zip(good, stored, strict=True):
            outcome.index = index
            outcomes[index] = outcome
    result = IntakeResult(source=source, outcomes=every_outcome(outcomes))
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
    *,
    actor: Actor,
    source: Source,
    items: list[IntakeItem],
    wake: bool = True,
    checked: dict[int, dict[str, list[str]]] | None = None,
) -> IntakeResult:
    """Stores feedback from any channel; the same (source, external_id) again is the same row.

    Good items are stored even when others in the call are not: each item's outcome says
    created, updated, unchanged or error (with the reasons by field). An import passes
    wake=False and wakes processing once per stretch of batches instead of once per batch, so a
    big file does not fill the queue with wake-up calls that other work would wait behind.
    `checked` says the caller ran `check_item` on every item, with the errors it found by index
    (an import's rows are checked as they are read, for the preview too): not checked again.
    """
    require(actor, Capability.SUBMIT_FEEDBACK)
    result = _store(actor, source, items, wake=wake, checked=checked)
    _audit_received(actor, source, result)
    return result


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
    me_too: Idea | None = None,
) -> FeedbackItem:
    """Feedback from the public form. Caught spam is kept with status spam, not dropped, so a
    false positive can be found and restored; it names no contact or account.

    `me_too` is the public roadmap idea the visitor came from: the item is linked to it in the
    same transaction, so it counts as that idea's evidence (spam is linked but never counted).
    """
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
    if me_too is not None:
        idea_me_too(workspace=workspace, idea=me_too, item=created)
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
    parsed = [item_from_text(v, source.workspace) for v in values]
    result = _store(
        actor,
        source,
        [item for item, _ in parsed],
        checked={i: errors for i, (_, errors) in enumerate(parsed) if errors},
    )
    _audit_received(actor, source, result)
    return result


def item_from_text(
    values: dict[str, str], workspace: Workspace
) -> tuple[IntakeItem, dict[str, list[str]]]:
    """An item from text values (a webhook's mapped JSON), and its errors by field.

    `received_at` is read on its own (imports.values.parse_single_moment): as written when it
    says how, a day/month that could be either in the workspace's `date_order`, a time without
    a zone in the workspace's zone. A value that cannot be read is the item's error, naming it.
    """
    errors: dict[str, list[str]] = {}
    received_at = None
    when = values.get("received_at", "").strip()
    if when:
        try:
            received_at = parse_single_moment(
                when, DateOrder(workspace.date_order), clock.zone(workspace)
            )
        except ValueError as error:
            errors["received_at"] = [f"Cannot read {when[:40]!r} as a date and time: {error}."]
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
