"""Every write of contracts: made, edited, seat usage recorded, renewal decisions."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from inventory.models import (
    BillingPeriod,
    Contract,
    RenewalChoice,
    RenewalDecision,
    SeatUsageSnapshot,
    Tool,
    UsageSource,
)
from inventory.selectors import tools
from inventory.services.changes import mark_changed_tools, snapshot
from productops import clock
from productops.access import Actor, require
from productops.audit import audit, diff
from productops.capabilities import Capability
from productops.errors import StaleEdit

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
    (`tools.seats_in_use_now`) for the current contract, 0 for a past term."""
    require(actor, Capability.MANAGE_TOOLS)
    workspace = actor.workspace
    tool = Tool.objects.select_for_update().get(pk=tool.pk, workspace=workspace)
    if seats_used is None:
        seats_used = tools.seats_in_use_now(workspace=workspace, tool=tool) if make_current else 0
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
    after = snapshot(contract, CONTRACT_FIELDS) | {"is_current": make_current}
    if replaced is not None:
        after["replaces_contract"] = replaced.pk
    audit(actor, "contract.created", contract, after=after)
    mark_changed_tools(workspace, tool.category)
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
            current={"version": contract.version, **snapshot(contract, CONTRACT_FIELDS)},
        )
    before = snapshot(contract, CONTRACT_FIELDS)
    old_deadline = contract.notice_deadline
    values = {name: getattr(contract, name) for name in CONTRACT_FIELDS} | changes
    _validate_contract(values)
    for key, value in values.items():
        setattr(contract, key, value.strip() if isinstance(value, str) else value)
    old, new = diff(before, snapshot(contract, CONTRACT_FIELDS))
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
    mark_changed_tools(workspace, contract.tool.category)
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
    mark_changed_tools(workspace, tool.category)
    return snapshot


@transaction.atomic
def renewal_decide(
    *,
    actor: Actor,
    contract: Contract,
    decision: str,
    reason: str,
    target_seats: int | None = None,
    target_annual_cost: Decimal | None = None,
) -> RenewalDecision:
    """Records what happens at renewal. `cancel` turns auto-renew off and takes the contract out
    of annual spend (it ends at its renewal date); a later decision can bring it back.

    `renegotiate` needs the target: `target_annual_cost` (a year, in the contract's currency)
    and, for a contract sold by the seat, `target_seats`. Other decisions take no target.
    Raises ValidationError per field."""
    require(actor, Capability.MANAGE_TOOLS)
    if decision not in RenewalChoice.values:
        raise ValidationError({"decision": f"Choose one of: {', '.join(RenewalChoice.values)}."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why, for whoever reads this at the next renewal."})
    _check_targets(contract, decision, target_seats, target_annual_cost)
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
        target_seats=target_seats,
        target_annual_cost=target_annual_cost,
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
        after={"decision": decision, "auto_renew": contract.auto_renew, "reason": row.reason}
        | _targets_for_audit(row),
    )
    mark_changed_tools(workspace, contract.tool.category)
    return row


def _check_targets(
    contract: Contract, decision: str, seats: int | None, annual_cost: Decimal | None
) -> None:
    errors: dict[str, str] = {}
    if decision == RenewalChoice.RENEGOTIATE:
        if annual_cost is None:
            errors["target_annual_cost"] = "Give the yearly price you are aiming for."
        elif annual_cost < 0:
            errors["target_annual_cost"] = "A price cannot be negative."
        if seats is None and contract.seats_bought:
            errors["target_seats"] = "Give the number of seats you are aiming for."
    elif seats is not None or annual_cost is not None:
        message = "Targets belong to a renegotiation; choose Renegotiate or leave this empty."
        if seats is not None:
            errors["target_seats"] = message
        if annual_cost is not None:
            errors["target_annual_cost"] = message
    if errors:
        raise ValidationError(errors)


def _targets_for_audit(row: RenewalDecision) -> dict[str, object]:
    if row.decision != RenewalChoice.RENEGOTIATE:
        return {}
    cost = row.target_annual_cost
    return {
        "target_seats": row.target_seats,
        "target_annual_cost": None if cost is None else f"{cost:.2f}",
        "currency": row.contract.currency,  # the target's, so the sentence can say "$1,440"
    }
