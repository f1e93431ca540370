"""Renewal reads: the queue of renewals to decide, renewals due, the renewal calendar, the
reminder sweep's contracts and a contract's decisions. Each takes the workspace explicitly
(the sweep reads every workspace)."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import DateField, ExpressionWrapper, F, Q, QuerySet

from inventory.models import Contract, RenewalChoice, RenewalDecision, ToolStatus
from inventory.selectors.tools import contracts_with_money
from productops import clock
from productops.models import Workspace

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from inventory.selectors.tools import ContractWithMoney

    ContractWithDeadline = WithAnnotations[Contract, "DeadlineColumn"]


def renewals_due(
    *, workspace: Workspace, days: int = 90, today: date | None = None, renewing: bool = False
) -> QuerySet["ContractWithMoney"]:
    """Current contracts renewing within `days`, soonest first, with `deadline` (the last day
    to give notice) and `annual_cost_converted`. `renewing`: only those that will renew,
    leaving out the ones decided `cancel` (they end at the date), as spend counts them."""
    today = today or clock.workspace_today(workspace)
    due = contracts_with_money(workspace).filter(
        renewal_date__gte=today, renewal_date__lte=today + timedelta(days=days)
    )
    if renewing:
        due = due.exclude(decision=RenewalChoice.CANCEL)
    return due.order_by("renewal_date", "tool__name")


@dataclass(frozen=True)
class QueueGroup:
    """Undecided renewals whose notice deadline falls in one stretch of time.

    `at_stake` is their annual cost in the workspace currency; `unconverted` holds, per
    currency, what has no budget rate and so is not in `at_stake`."""

    key: str
    title: str
    contracts: list["ContractWithMoney"]
    at_stake: Decimal
    unconverted: dict[str, Decimal]


QUEUE_HORIZON_DAYS = 30
THIS_WEEK_DAYS = 7  # today and the six days after it


def renewal_queue(*, workspace: Workspace, today: date | None = None) -> list[QueueGroup]:
    """The renewals still to decide, by notice deadline: "passed" (the deadline is gone but the
    renewal is still ahead), "this week" (deadline within 7 days) and "next 30 days". Soonest
    deadline first in each group. One query."""
    today = today or clock.workspace_today(workspace)
    rows = (
        contracts_with_money(workspace)
        .filter(
            decision="",
            renewal_date__gte=today,
            deadline__lte=today + timedelta(days=QUEUE_HORIZON_DAYS),
        )
        .order_by("deadline", "renewal_date", "tool__name")
    )
    week_end = today + timedelta(days=THIS_WEEK_DAYS - 1)
    grouped: dict[str, list[ContractWithMoney]] = {"passed": [], "week": [], "month": []}
    for row in rows:
        key = "passed" if row.deadline < today else "week" if row.deadline <= week_end else "month"
        grouped[key].append(row)
    titles = {"passed": "Notice passed", "week": "This week", "month": "Next 30 days"}
    return [
        QueueGroup(
            key=key,
            title=titles[key],
            contracts=contracts,
            at_stake=sum(
                (c.annual_cost_converted for c in contracts if c.annual_cost_converted is not None),
                Decimal("0"),
            ),
            unconverted=_unconverted(contracts),
        )
        for key, contracts in grouped.items()
    ]


def _unconverted(contracts: list["ContractWithMoney"]) -> dict[str, Decimal]:
    amounts: dict[str, Decimal] = {}
    for c in contracts:
        if c.annual_cost_converted is None:
            amounts[c.currency] = amounts.get(c.currency, Decimal("0")) + c.annual_cost
    return dict(sorted(amounts.items()))


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
    from_this_week: bool  # the opening view: weeks from this one, not a calendar month
    previous: date
    next: date
    weeks: list[list[CalendarDay]]


OPENING_WEEKS = 5


def renewal_calendar(
    *, workspace: Workspace, month: date | None, today: date | None = None
) -> RenewalCalendar:
    """A Monday-first grid with each day's renewals and notice deadlines (one query): the
    weeks of `month`, or without one, five weeks from the start of this week (what is due now
    is on the first row, not somewhere down the month)."""
    today = today or clock.workspace_today(workspace)
    if month is None:
        monday = today - timedelta(days=today.weekday())
        grid = [
            [monday + timedelta(days=7 * week + day) for day in range(7)]
            for week in range(OPENING_WEEKS)
        ]
        first = today.replace(day=1)
    else:
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
        d: CalendarDay(day=d, in_month=month is None or d.month == first.month, is_today=d == today)
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
        from_this_week=month is None,
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
