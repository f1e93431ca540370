"""Every write of the tool inventory: keyword-only, atomic, audited once, change-marked.

Dashboards recompute the "tools" topic by bucket: the tool's category.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from inventory import selectors
from inventory.models import (
    DEFAULT_REMINDER_DAYS,
    BillingPeriod,
    Contract,
    InventorySettings,
    Notification,
    RenewalChoice,
    RenewalDecision,
    RequestStatus,
    SeatUsageSnapshot,
    Tool,
    ToolRequest,
    ToolStatus,
    UsageSource,
)
from productops import clock
from productops.access import Actor, require
from productops.audit import audit, diff, mark_changed
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, Role, Workspace
from productops.services import email_queue

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
CONTRACT_FIELDS = (
    "plan",
    "billing_period",
    "term_months",
    "cost",
    "currency",
    "seats_bought",
    "seats_used",
    "start_date",
    "renewal_date",
    "auto_renew",
    "notice_days",
    "reference",
    "notes",
)


def _plain(value: Any) -> Any:
    """A field value as JSON for the audit log."""
    if isinstance(value, Membership):
        return value.user.display_name if value.user_id else value.pk
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def _snapshot(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


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


def _mark(workspace: Workspace, *categories: str) -> None:
    for category in {c for c in categories if c is not None}:
        mark_changed(workspace, "tools", category)


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
    audit(actor, "tool.created", tool, after=_snapshot(tool, TOOL_FIELDS))
    _mark(workspace, tool.category)
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
            current={"version": tool.version, **_snapshot(tool, TOOL_FIELDS)},
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
    before = _snapshot(tool, TOOL_FIELDS)
    old_category = tool.category
    for key, value in changes.items():
        setattr(tool, key, value.strip() if isinstance(value, str) else value)
    old, new = diff(before, _snapshot(tool, TOOL_FIELDS))
    if not new:
        return tool
    tool.version = F("version") + 1
    tool.updated_at = timezone.now()
    tool.save()
    tool.refresh_from_db(fields=["version"])
    audit(actor, "tool.updated", tool, before=old, after=new)
    _mark(workspace, old_category, tool.category)
    return tool


def _validate_contract(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    period = values["billing_period"]
    if period not in BillingPeriod.values:
        errors["billing_period"] = f"Choose one of: {', '.join(BillingPeriod.values)}."
    if period == BillingPeriod.MULTI_YEAR and not (values.get("term_months") or 0) > 12:
        errors["term_months"] = "A multi-year contract needs its term in months, e.g. 24 or 36."
    if values["cost"] is None or values["cost"] < 0:
        errors["cost"] = "The cost cannot be negative."
    currency = (values.get("currency") or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = "Use a three-letter currency code, e.g. USD."
    if values["renewal_date"] <= values["start_date"]:
        errors["renewal_date"] = "The renewal date must come after the start date."
    if errors:
        raise ValidationError(errors)
    values["currency"] = currency
    if period != BillingPeriod.MULTI_YEAR:
        values["term_months"] = None


@transaction.atomic
def contract_create(
    *,
    actor: Actor,
    tool: Tool,
    billing_period: str,
    cost: Decimal,
    currency: str,
    start_date: date,
    renewal_date: date,
    plan: str = "",
    term_months: int | None = None,
    seats_bought: int = 0,
    seats_used: int | None = None,
    auto_renew: bool = True,
    notice_days: int = 30,
    reference: str = "",
    notes: str = "",
    make_current: bool = True,
) -> Contract:
    """Adds a contract term to a tool. By default it becomes the current one and the previous
    current contract is kept as history (a renewal, a new plan).

    `seats_used` None (the channel did not say) means the seats in use now
    (`selectors.seats_in_use_now`) for the current contract, 0 for a past term."""
    require(actor, Capability.MANAGE_TOOLS)
    workspace = actor.workspace
    tool = Tool.objects.select_for_update().get(pk=tool.pk, workspace=workspace)
    if seats_used is None:
        seats_used = (
            selectors.seats_in_use_now(workspace=workspace, tool=tool) if make_current else 0
        )
    values = dict(
        plan=plan.strip(),
        billing_period=billing_period,
        term_months=term_months,
        cost=cost,
        currency=currency,
        seats_bought=seats_bought,
        seats_used=seats_used,
        start_date=start_date,
        renewal_date=renewal_date,
        auto_renew=auto_renew,
        notice_days=notice_days,
        reference=reference.strip(),
        notes=notes.strip(),
    )
    _validate_contract(values)
    replaced = None
    if make_current:
        replaced = Contract.objects.filter(workspace=workspace, tool=tool, is_current=True).first()
        if replaced is not None:
            replaced.is_current = False
            replaced.save(update_fields=["is_current"])
    contract = Contract.objects.create(
        workspace=workspace, tool=tool, is_current=make_current, **values
    )
    after = _snapshot(contract, CONTRACT_FIELDS) | {"is_current": make_current}
    if replaced is not None:
        after["replaces_contract"] = replaced.pk
    audit(actor, "contract.created", contract, after=after)
    _mark(workspace, tool.category)
    return contract


@transaction.atomic
def contract_update(
    *, actor: Actor, contract: Contract, expected_version: int, **changes: Any
) -> Contract:
    require(actor, Capability.MANAGE_TOOLS)
    unknown = set(changes) - set(CONTRACT_FIELDS)
    if unknown:
        raise TypeError(f"Not contract fields: {', '.join(sorted(unknown))}")
    workspace = actor.workspace
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("tool")
        .get(pk=contract.pk, workspace=workspace)
    )
    if contract.version != expected_version:
        raise StaleEdit(
            f"This contract of {contract.tool.name} was changed by someone else. Reload it and "
            "apply your change again.",
            current={"version": contract.version, **_snapshot(contract, CONTRACT_FIELDS)},
        )
    before = _snapshot(contract, CONTRACT_FIELDS)
    old_deadline = contract.notice_deadline
    values = {name: getattr(contract, name) for name in CONTRACT_FIELDS} | changes
    _validate_contract(values)
    for key, value in values.items():
        setattr(contract, key, value.strip() if isinstance(value, str) else value)
    old, new = diff(before, _snapshot(contract, CONTRACT_FIELDS))
    if not new:
        return contract
    if contract.notice_deadline > old_deadline:
        # The deadline moved out (an extension): the reminders sent for the old deadline do
        # not cover the new one, so each threshold may remind once more.
        contract.reminders.all().delete()
    contract.version = F("version") + 1
    contract.save()
    contract.refresh_from_db(fields=["version"])
    audit(actor, "contract.updated", contract, before=old, after=new)
    _mark(workspace, contract.tool.category)
    return contract


@transaction.atomic
def usage_record(
    *,
    actor: Actor,
    tool: Tool,
    taken_on: date,
    seats_used: int,
    seats_bought: int | None = None,
    source: str = UsageSource.MANUAL,
) -> SeatUsageSnapshot:
    """Records seat use on a day (a second record for the same day replaces the first). The
    newest snapshot also sets the current contract's seats in use."""
    require(actor, Capability.MANAGE_TOOLS)
    workspace = actor.workspace
    if clock.is_future_day(workspace, taken_on):
        raise ValidationError({"taken_on": "Seat use cannot be recorded for a future day."})
    tool = Tool.objects.select_for_update().get(pk=tool.pk, workspace=workspace)
    snapshot, created = SeatUsageSnapshot.objects.update_or_create(
        workspace=workspace,
        tool=tool,
        taken_on=taken_on,
        defaults={
            "seats_used": seats_used,
            "seats_bought": seats_bought,
            "source": source,
            "recorded_by": actor.user,
        },
    )
    newest = (
        SeatUsageSnapshot.objects.filter(workspace=workspace, tool=tool)
        .order_by("-taken_on")
        .values_list("pk", flat=True)
        .first()
    )
    contract_updated = False
    if newest == snapshot.pk:
        contract_updated = bool(
            Contract.objects.filter(workspace=workspace, tool=tool, is_current=True).update(
                seats_used=seats_used, version=F("version") + 1
            )
        )
    audit(
        actor,
        "tool.usage_recorded",
        tool,
        after={
            "taken_on": str(taken_on),
            "seats_used": seats_used,
            "seats_bought": seats_bought,
            "source": source,
            "replaced": not created,
            "current_contract_updated": contract_updated,
        },
    )
    _mark(workspace, tool.category)
    return snapshot


@transaction.atomic
def tool_request_create(
    *,
    actor: Actor,
    name: str,
    category: str,
    reason: str,
    vendor: str = "",
    team: str = "",
    url: str = "",
    seats_needed: int | None = None,
    estimated_annual_cost: Decimal | None = None,
) -> ToolRequest:
    require(actor, Capability.REQUEST_TOOLS)
    errors = {}
    if not name.strip():
        errors["name"] = "Name the tool you need."
    if not category.strip():
        errors["category"] = "Say what kind of tool it is."
    if not reason.strip():
        errors["reason"] = "Say what it is for and why the tools we have do not do it."
    if errors:
        raise ValidationError(errors)
    request = ToolRequest.objects.create(
        workspace=actor.workspace,
        requested_by=actor.user,
        name=name.strip(),
        vendor=vendor.strip(),
        category=category.strip(),
        team=team.strip(),
        url=url.strip(),
        reason=reason.strip(),
        seats_needed=seats_needed,
        estimated_annual_cost=estimated_annual_cost,
    )
    audit(
        actor,
        "tool_request.created",
        request,
        after={"name": request.name, "category": request.category, "reason": request.reason},
    )
    return request


@transaction.atomic
def tool_request_decide(
    *, actor: Actor, request: ToolRequest, approve: bool, note: str = ""
) -> ToolRequest:
    """Approves (the request becomes a tool in `evaluating`, owned by the requester when they
    are still a member) or rejects a pending request. A request decided already: StaleEdit."""
    require(actor, Capability.DECIDE_TOOL_REQUESTS)
    workspace = actor.workspace
    request = ToolRequest.objects.select_for_update().get(pk=request.pk, workspace=workspace)
    if request.status != RequestStatus.PENDING:
        raise StaleEdit(
            f"The request for {request.name} was already {request.status}.",
            current={"status": request.status},
        )
    if not approve and not note.strip():
        raise ValidationError({"note": "Say why, so the requester knows what to do instead."})
    tool = None
    if approve:
        existing = Tool.objects.filter(workspace=workspace, name__iexact=request.name).first()
        if existing is not None:
            raise ValidationError(
                {"name": f"{existing.name} is already in the inventory ({existing.status})."}
            )
        owner = Membership.objects.filter(workspace=workspace, user=request.requested_by).first()
        tool = Tool.objects.create(
            workspace=workspace,
            name=request.name,
            vendor=request.vendor,
            category=request.category,
            team=request.team,
            url=request.url,
            description=request.reason,
            owner=owner,
            status=ToolStatus.EVALUATING,
        )
        _mark(workspace, tool.category)
    request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.decision_note = note.strip()
    request.tool = tool
    request.save()
    audit(
        actor,
        f"tool_request.{request.status}",
        request,
        before={"status": RequestStatus.PENDING},
        after={"status": request.status, "note": request.decision_note}
        | ({"tool": tool.pk} if tool else {}),
    )
    return request


@transaction.atomic
def renewal_decide(
    *, actor: Actor, contract: Contract, decision: str, reason: str
) -> RenewalDecision:
    """Records what happens at renewal. `cancel` turns auto-renew off and takes the contract out
    of annual spend (it ends at its renewal date); a later decision can bring it back."""
    require(actor, Capability.MANAGE_TOOLS)
    if decision not in RenewalChoice.values:
        raise ValidationError({"decision": f"Choose one of: {', '.join(RenewalChoice.values)}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why, for whoever reads this at the next renewal."})
    workspace = actor.workspace
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("tool")
        .get(pk=contract.pk, workspace=workspace)
    )
    if not contract.is_current:
        raise ValidationError("Only the current contract can be decided; this one is history.")
    row = RenewalDecision.objects.create(
        workspace=workspace,
        contract=contract,
        decision=decision,
        reason=reason.strip(),
        decided_by=actor.user,
    )
    before = {"decision": contract.decision, "auto_renew": contract.auto_renew}
    contract.decision = decision
    if decision == RenewalChoice.CANCEL:
        contract.auto_renew = False
    contract.version = F("version") + 1
    contract.save(update_fields=["decision", "auto_renew", "version"])
    contract.refresh_from_db(fields=["version"])
    audit(
        actor,
        "contract.renewal_decided",
        contract,
        before=before,
        after={"decision": decision, "auto_renew": contract.auto_renew, "reason": row.reason},
    )
    _mark(workspace, contract.tool.category)
    return row


@transaction.atomic
def inventory_settings_update(
    *,
    actor: Actor,
    utilisation_threshold: int,
    reminder_days: Sequence[int],
    exchange_rates: dict[str, Decimal],
    expected_version: int | None = None,
) -> InventorySettings:
    require(actor, Capability.MANAGE_TOOLS)
    workspace = actor.workspace
    errors = {}
    if not 1 <= utilisation_threshold <= 100:
        errors["utilisation_threshold"] = "Use a percentage between 1 and 100."
    days = sorted({int(d) for d in reminder_days}, reverse=True)
    if not days or any(d < 1 or d > 365 for d in days):
        errors["reminder_days"] = "List one or more days between 1 and 365, e.g. 90, 30, 7."
    rates = {}
    for code, rate in exchange_rates.items():
        code = code.strip().upper()
        if len(code) != 3 or not code.isalpha() or rate is None or rate <= 0:
            errors["exchange_rates"] = f"{code or '?'}: use a code like EUR and a positive rate."
            break
        if code != workspace.currency:
            rates[code] = str(rate)
    if errors:
        raise ValidationError(errors)
    current = selectors.settings_for(workspace=workspace)
    if current.pk is not None:
        current = InventorySettings.objects.select_for_update().get(pk=current.pk)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(
                "The inventory settings were changed by someone else. Reload and try again.",
                current={"version": current.version},
            )
    before = {
        "utilisation_threshold": current.utilisation_threshold,
        "reminder_days": list(current.reminder_days),
        "exchange_rates": dict(current.exchange_rates),
    }
    current.utilisation_threshold = utilisation_threshold
    current.reminder_days = days
    current.exchange_rates = rates
    if current.pk is not None:
        current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    after = {
        "utilisation_threshold": utilisation_threshold,
        "reminder_days": days,
        "exchange_rates": rates,
    }
    old, new = diff(before, after)
    audit(actor, "inventory.settings_updated", current, before=old, after=new)
    mark_changed(workspace, "tools", "")
    return current


@transaction.atomic
def notification_dismiss(*, actor: Actor, notification: Notification) -> None:
    require(actor, Capability.VIEW_TOOLS)
    updated = Notification.objects.filter(
        pk=notification.pk,
        workspace=actor.workspace,
        recipient=actor.user,
        dismissed_at=None,
    ).update(dismissed_at=timezone.now())
    if updated:
        audit(actor, "notification.dismissed", notification)


# Renewal reminders

DEFAULT_THRESHOLDS = sorted(DEFAULT_REMINDER_DAYS)


@dataclass(frozen=True)
class ReminderSent:
    contract_id: int
    threshold_days: int
    recipients: tuple[str, ...]


def _claim_reminder(contract: Contract, threshold: int, sent: bool) -> bool:
    """Inserts the (contract, threshold) row; True only for the one transaction that did."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inventory_renewalreminder
                (workspace_id, contract_id, threshold_days, sent, sent_at)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (workspace_id, contract_id, threshold_days) DO NOTHING
            RETURNING id
            """,
            [contract.workspace_id, contract.pk, threshold, sent, timezone.now()],
        )
        return cursor.fetchone() is not None


def _recipients(contract: Contract) -> list[Membership]:
    """The tool's owner; with no owner, the workspace's ops leads and admins."""
    owner = contract.tool.owner
    if owner is not None:
        return [owner]
    return list(
        Membership.objects.filter(
            workspace_id=contract.workspace_id, role__in=[Role.OPS_LEAD, Role.ADMIN]
        ).select_related("user")
    )


def _reminder_text(contract: Contract, deadline: date, today: date) -> tuple[str, str]:
    tool = contract.tool
    left = (deadline - today).days
    if left > 0:
        when = f"in {left} day{'s' if left != 1 else ''} ({deadline:%d %b %Y})"
    elif left == 0:
        when = f"today ({deadline:%d %b %Y})"
    else:
        when = f"{-left} day{'s' if left != -1 else ''} ago ({deadline:%d %b %Y})"
    renews = "renews automatically" if contract.auto_renew else "ends"
    message = (
        f"{tool.name}: the notice deadline is {when}; the contract {renews} on "
        f"{contract.renewal_date:%d %b %Y}. Decide: renew, renegotiate or cancel."
    )
    return message[:300], f"{tool.name} renewal: notice deadline {deadline:%d %b %Y}"


def renewal_reminders_send(*, today: date | None = None) -> list[ReminderSent]:
    """Reminds owners of every workspace at their thresholds before each notice deadline.

    A contract is due for threshold T when its deadline is at most T days away and it has no
    reminder row for T yet: "within", not "exactly", so a missed day still reminds. When
    several thresholds are due at once only the nearest is sent and the larger ones are marked
    covered. Each (contract, threshold) is claimed by INSERT ... ON CONFLICT DO NOTHING in the
    same transaction as the notification and the queued email, so two runs at once, or a run
    repeated, send once. Decided contracts (renew, renegotiate, cancel) are not reminded.
    """
    # Without a fixed `today`, each workspace's own today decides what is due.
    earliest, latest = (today, today) if today else clock.days_anywhere()
    thresholds: dict[int, list[int]] = {
        row.workspace_id: sorted(set(row.reminder_days))
        for row in InventorySettings.objects.all().only("workspace_id", "reminder_days")
    }
    horizon = max([max(d) for d in thresholds.values() if d] + [max(DEFAULT_THRESHOLDS)])
    sent: list[ReminderSent] = []
    candidates = selectors.reminder_candidates(
        today=earliest, horizon_days=horizon + (latest - earliest).days
    )
    for contract in candidates:
        day = today or clock.workspace_today(contract.workspace)
        if contract.renewal_date < day:
            continue
        days_left = (contract.deadline - day).days
        due = [
            t for t in thresholds.get(contract.workspace_id, DEFAULT_THRESHOLDS) if days_left <= t
        ]
        if not due:
            continue
        with transaction.atomic():
            if not _claim_reminder(contract, due[0], sent=True):
                continue
            for larger in due[1:]:
                _claim_reminder(contract, larger, sent=False)
            sent.append(_remind(contract, due[0], day))
    return sent


def _remind(contract: Contract, threshold: int, today: date) -> ReminderSent:
    workspace = contract.workspace
    message, subject = _reminder_text(contract, contract.deadline, today)
    link = django_settings.SITE_URL + reverse(
        "tool_detail", args=[workspace.slug, contract.tool_id]
    )
    recipients = _recipients(contract)
    for member in recipients:
        Notification.objects.create(
            workspace=workspace,
            recipient=member.user,
            tool=contract.tool,
            contract=contract,
            message=message,
        )
        email_queue(
            workspace=workspace,
            to=member.user.email,
            subject=subject,
            body=f"{message}\n\nRecord the decision: {link}\n\n"
            f"You get this because you own {contract.tool.name} in {workspace.name} "
            "(or it has no owner and you run its tools).",
        )
    system = Actor(workspace=workspace)
    audit(
        system,
        "contract.reminder_sent",
        contract,
        after={
            "threshold_days": threshold,
            "deadline": str(contract.deadline),
            "to": [m.user.email for m in recipients],
        },
    )
    return ReminderSent(
        contract_id=contract.pk,
        threshold_days=threshold,
        recipients=tuple(m.user.email for m in recipients),
    )
