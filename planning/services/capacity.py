"""Writes of team capacity: plans per team and period, and each member's share.

Each change bumps the plan's version (stale edits answer 409) and the version of the team's
live sessions in the period, so a session page showing committed load against capacity picks
the new figure up at its next poll.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from planning.models import (
    CapacityMember,
    CapacityPlan,
    CapacityUnit,
    PlanningSession,
    SessionState,
)
from planning.services import live
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.errors import StaleEdit
from productops.models import Membership, User
from productops.validation import AVAILABILITY, PLANNING_DAY, WORKING_DAYS, Text, Whole


def within(bound: Whole, value: object) -> bool:
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and bound.min_value <= value <= bound.max_value
    )


MAX_PER_PERSON = Decimal(100000)


@dataclass(frozen=True)
class PlanSpec:
    """A plan as the form and the API give it."""

    team: str
    period_start: date | None
    period_end: date | None
    unit: str = CapacityUnit.POINTS
    working_days: int | None = None
    per_person: Decimal | None = None
    notes: str = ""


def _clean_plan(spec: PlanSpec) -> dict[str, Any]:
    errors: dict[str, str] = {}
    team = (spec.team or "").strip()
    if not team:
        errors["team"] = "Name the team, as its sessions do."
    elif len(team) > 100:
        errors["team"] = "A team name may be at most 100 characters long."
    for name in ("period_start", "period_end"):
        day = getattr(spec, name)
        if day is None or not PLANNING_DAY.earliest <= day <= PLANNING_DAY.latest:
            errors[name] = PLANNING_DAY.message
    start, end = spec.period_start, spec.period_end
    period: tuple[date, date] | None = None  # set when both days are good and in order
    if start is not None and end is not None and not errors.keys() & {"period_start", "period_end"}:
        if end < start:
            errors["period_end"] = "The period ends before it starts."
        else:
            period = (start, end)
    if spec.unit not in CapacityUnit.values:
        errors["unit"] = "Count capacity in points or person-days."
    working_days = spec.working_days
    if working_days is None and period is not None:
        working_days = _weekdays(*period)
    if working_days is None or not within(WORKING_DAYS, working_days):
        errors["working_days"] = WORKING_DAYS.message
    per_person = spec.per_person
    if per_person is None and spec.unit == CapacityUnit.DAYS and working_days:
        per_person = Decimal(working_days)  # a full-time person gives every working day
    try:
        per_person = Decimal(per_person) if per_person is not None else None
    except (InvalidOperation, TypeError, ValueError):
        per_person = None
    if per_person is None or not per_person.is_finite() or not 0 < per_person <= MAX_PER_PERSON:
        errors["per_person"] = (
            "Give the points one full-time person delivers in the period (above 0)."
            if spec.unit == CapacityUnit.POINTS
            else "Give the days one full-time person gives in the period (above 0)."
        )
    if errors or per_person is None:  # no per_person is one of the errors
        raise ValidationError(errors)
    return {
        "team": team,
        "period_start": spec.period_start,
        "period_end": spec.period_end,
        "unit": spec.unit,
        "working_days": working_days,
        "per_person": per_person.quantize(Decimal("0.01")),
        "notes": Text(2000).clean(spec.notes or "", field="notes"),
    }


def _weekdays(first: date, last: date) -> int:
    """Monday-Friday days from `first` to `last` inclusive: the default working days."""
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    extra = sum(1 for offset in range(rest) if (first.weekday() + offset) % 7 < 5)
    return weeks * 5 + extra


def _json(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal | date) else v) for k, v in values.items()}


def _touch_sessions(plan: CapacityPlan) -> None:
    """Bumps the team's live sessions falling in the plan's period: their pages show it."""
    shown = PlanningSession.objects.filter(
        workspace=plan.workspace_id,
        team=plan.team,
        state__in=[SessionState.LOBBY, SessionState.RUNNING],
    ).filter(
        Q(period_start__range=(plan.period_start, plan.period_end)) | Q(period_start__isnull=True)
    )
    live.touch(shown.values_list("pk", flat=True))


def _duplicate(values: dict[str, Any]) -> ValidationError:
    return ValidationError(
        {"period_start": f"{values['team']} has a plan starting {values['period_start']} already."}
    )


@transaction.atomic
def capacity_plan_create(*, actor: Actor, spec: PlanSpec) -> CapacityPlan:
    require(actor, Capability.PLAN_CAPACITY)
    values = _clean_plan(spec)
    try:
        with transaction.atomic():
            plan = CapacityPlan.objects.create(
                workspace=actor.workspace, created_by=actor.user, **values
            )
    except IntegrityError:
        raise _duplicate(values) from None
    audit(actor, "capacity_plan.created", plan, after=_json(values))
    _touch_sessions(plan)
    return plan


def _locked(actor: Actor, plan: CapacityPlan, expected_version: int | None) -> CapacityPlan:
    plan = CapacityPlan.objects.select_for_update().get(pk=plan.pk, workspace=actor.workspace)
    if expected_version is not None and plan.version != expected_version:
        raise StaleEdit(
            "Someone changed this capacity plan first. Review it and save again.",
            current={"version": plan.version},
        )
    return plan


def _bump(plan: CapacityPlan) -> None:
    plan.version += 1
    plan.updated_at = timezone.now()
    plan.save(update_fields=["version", "updated_at"])
    _touch_sessions(plan)


@transaction.atomic
def capacity_plan_update(
    *, actor: Actor, plan: CapacityPlan, spec: PlanSpec, expected_version: int
) -> CapacityPlan:
    require(actor, Capability.PLAN_CAPACITY)
    plan = _locked(actor, plan, expected_version)
    values = _clean_plan(spec)
    before = {name: getattr(plan, name) for name in values}
    changed = [name for name in values if values[name] != before[name]]
    if not changed:
        return plan
    if ("team" in changed or "period_start" in changed) and CapacityPlan.objects.filter(
        workspace=actor.workspace, team=values["team"], period_start=values["period_start"]
    ).exclude(pk=plan.pk).exists():
        raise _duplicate(values)
    _touch_sessions(plan)  # the sessions of the period it leaves see it go
    for name in changed:
        setattr(plan, name, values[name])
    plan.save(update_fields=changed)
    _bump(plan)
    audit(
        actor,
        "capacity_plan.updated",
        plan,
        before=_json({n: before[n] for n in changed}),
        after=_json({n: values[n] for n in changed}),
    )
    return plan


@transaction.atomic
def capacity_plan_delete(*, actor: Actor, plan: CapacityPlan) -> None:
    require(actor, Capability.PLAN_CAPACITY)
    plan = _locked(actor, plan, None)
    audit(actor, "capacity_plan.deleted", plan, before=_json({"team": plan.team}))
    _touch_sessions(plan)
    plan.delete()


@transaction.atomic
def capacity_member_set(
    *,
    actor: Actor,
    plan: CapacityPlan,
    user: User | None = None,
    name: str = "",
    availability: int = 100,
    days_off: Decimal = Decimal(0),
    member: CapacityMember | None = None,
) -> CapacityMember:
    """Adds a person to the plan, or changes their share: a workspace member (`user`), or an
    outsider by `name`. Setting a member already in the plan changes their row."""
    require(actor, Capability.PLAN_CAPACITY)
    plan = _locked(actor, plan, None)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if message := Text(120).too_long(name):  # refused, never cut
        errors["name"] = message
    if member is None and user is None and not name:
        errors["user"] = "Choose a member, or name the person."
    if (
        user is not None
        and not Membership.objects.filter(workspace=actor.workspace, user=user).exists()
    ):
        errors["user"] = "That person is not a member of this workspace."
    if not within(AVAILABILITY, availability):
        errors["availability"] = "Availability is a percent from 0 to 100 (part time: 50)."
    try:
        days_off = Decimal(days_off).quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError, ValueError):
        days_off = Decimal(-1)
    if not days_off.is_finite() or not 0 <= days_off <= plan.working_days:
        errors["days_off"] = f"Days off run from 0 to the period's {plan.working_days} days."
    if errors:
        raise ValidationError(errors)
    if member is None and user is not None:
        member = CapacityMember.objects.filter(plan=plan, user=user).first()
    if member is not None:
        member = CapacityMember.objects.get(pk=member.pk, plan=plan)
        before = {"availability": member.availability, "days_off": str(member.days_off)}
        member.availability, member.days_off = availability, days_off
        if not member.user_id and name:
            member.name = name
        member.save()
        verb = "capacity_member.updated"
    else:
        before = None
        member = CapacityMember.objects.create(
            workspace=actor.workspace,
            plan=plan,
            user=user,
            name="" if user else name,
            availability=availability,
            days_off=days_off,
        )
        verb = "capacity_member.added"
    after = {
        "plan": plan.pk,
        "person": member.display_name,
        "availability": availability,
        "days_off": str(days_off),
    }
    audit(actor, verb, member, before=before, after=after)
    _bump(plan)
    return member


@transaction.atomic
def capacity_member_remove(*, actor: Actor, plan: CapacityPlan, member: CapacityMember) -> None:
    require(actor, Capability.PLAN_CAPACITY)
    plan = _locked(actor, plan, None)
    member = CapacityMember.objects.get(pk=member.pk, plan=plan)
    audit(actor, "capacity_member.removed", member, before={"person": member.display_name})
    member.delete()
    _bump(plan)
