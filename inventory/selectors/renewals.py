"""Renewal reads: renewals due, the renewal calendar, the reminder sweep's contracts and a
contract's decisions. Each takes the workspace explicitly (the sweep reads every workspace)."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import DateField, ExpressionWrapper, F, Q, QuerySet

from inventory.models import Contract, RenewalDecision, ToolStatus
from inventory.selectors.tools import contracts_with_money
from productops import clock
from productops.models import Workspace

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from inventory.selectors.tools import ContractWithMoney

    ContractWithDeadline = WithAnnotations[Contract, "DeadlineColumn"]


def renewals_due(
    *, workspace: Workspace, days: int = 90, today: date | None = None
) -> QuerySet["ContractWithMoney"]:
    """Current contracts renewing within `days`, soonest first, with `deadline` (the last day
    to give notice) and `annual_cost_converted`."""
    today = today or clock.workspace_today(workspace)
    return (
        contracts_with_money(workspace)
        .filter(renewal_date__gte=today, renewal_date__lte=today + timedelta(days=days))
        .order_by("renewal_date", "tool__name")
    )


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    renewals: list[Contract] = field(default_factory=list)
    deadlines: list[Contract] = field(default_factory=list)


@dataclass(frozen=True)
class RenewalCalendar:
    month: date
    previous: date
    next: date
    weeks: list[list[CalendarDay]]


def renewal_calendar(
    *, workspace: Workspace, month: date, today: date | None = None
) -> RenewalCalendar:
    """A Monday-first month grid with each day's renewals and notice deadlines (one query)."""
    today = today or clock.workspace_today(workspace)
    first = month.replace(day=1)
    grid = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start, end = grid[0][0], grid[-1][-1]
    rows = (
        contracts_with_money(workspace)
        .filter(
            Q(renewal_date__range=(start, end)) | Q(deadline__range=(start, end)),
        )
        .order_by("tool__name")
    )
    by_day: dict[date, CalendarDay] = {
        d: CalendarDay(day=d, in_month=d.month == first.month, is_today=d == today)
        for week in grid
        for d in week
    }
    for row in rows:
        if row.renewal_date in by_day:
            by_day[row.renewal_date].renewals.append(row)
        if row.deadline in by_day:
            by_day[row.deadline].deadlines.append(row)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return RenewalCalendar(
        month=first,
        previous=previous,
        next=following,
        weeks=[[by_day[d] for d in week] for week in grid],
    )


class DeadlineColumn(TypedDict):
    deadline: date  # the last day to give notice


def reminder_candidates(*, today: date, horizon_days: int) -> QuerySet["ContractWithDeadline"]:
    """Every workspace's current, undecided contracts whose notice deadline is at most
    `horizon_days` away and whose renewal is still ahead (the reminder sweep's input)."""
    return (
        Contract.objects.filter(is_current=True, decision="", renewal_date__gte=today)
        .exclude(tool__status=ToolStatus.RETIRED)
        .annotate(
            deadline=ExpressionWrapper(
                F("renewal_date") - F("notice_days"), output_field=DateField()
            )
        )
        .filter(deadline__lte=today + timedelta(days=horizon_days))
        .select_related("workspace", "tool", "tool__owner__user")
        .order_by("workspace_id", "renewal_date", "id")
    )


def decisions(*, workspace: Workspace, contract: Contract) -> QuerySet[RenewalDecision]:
    return (
        RenewalDecision.objects.filter(workspace=workspace, contract=contract)
        .select_related("decided_by")
        .order_by("-decided_at")
    )
