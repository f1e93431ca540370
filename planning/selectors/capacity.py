"""Reads of team capacity: what a team can take in a period, what it committed, and the range
its history suggests.

- A member's capacity = per_person x availability / 100 x max(working_days - days_off, 0)
  / working_days (see planning.models.capacity); the team's is the sum.
- Committed load = the agreed estimates of the decisions to commit taken in the team's
  sessions whose planning period starts within the plan's period (a session without a period
  commits to no period). A commit without an estimate counts 0 and is counted apart, so the
  page can say so.
- The range: for each earlier plan of the team with a capacity, the ratio committed / capacity
  it ended with; low, likely and high are the lowest, median and highest ratio applied to this
  period's capacity. No earlier plan, no range.

Every list reads a constant number of queries: plans with their members (2), then one query of
the decisions of every team and period shown.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from planning.models import (
    CapacityMember,
    CapacityPlan,
    Decision,
    DecisionOutcome,
    PlanningSession,
)
from productops.models import Workspace

TWO_PLACES = Decimal("0.01")


def member_capacity(plan: CapacityPlan, member: CapacityMember) -> Decimal:
    present = max(Decimal(plan.working_days) - member.days_off, Decimal(0))
    share = Decimal(member.availability) / 100 * present / Decimal(plan.working_days)
    return (plan.per_person * share).quantize(TWO_PLACES)


@dataclass(frozen=True)
class MemberShare:
    member: CapacityMember
    capacity: Decimal


@dataclass(frozen=True)
class LoadRange:
    low: Decimal
    likely: Decimal
    high: Decimal
    periods: int  # how many earlier periods it comes from


@dataclass
class CapacityFigures:
    plan: CapacityPlan
    capacity: Decimal = Decimal(0)
    committed: Decimal = Decimal(0)
    commits: int = 0
    commits_without_estimate: int = 0
    members: list[MemberShare] = field(default_factory=list)
    range: LoadRange | None = None

    @property
    def over(self) -> bool:
        return self.committed > self.capacity

    @property
    def remaining(self) -> Decimal:
        return self.capacity - self.committed

    @property
    def load_percent(self) -> int | None:
        if not self.capacity:
            return None
        return round(self.committed * 100 / self.capacity)

    @property
    def ratio(self) -> Decimal | None:
        return self.committed / self.capacity if self.capacity else None


def plans(*, workspace: Workspace, team: str = "") -> QuerySet[CapacityPlan]:
    queryset = CapacityPlan.objects.filter(workspace=workspace)
    if team:
        queryset = queryset.filter(team=team)
    return queryset.order_by("-period_start", "team", "id")


def plan(*, workspace: Workspace, plan_id: int) -> CapacityPlan:
    return get_object_or_404(CapacityPlan, workspace=workspace, pk=plan_id)


def member(*, workspace: Workspace, plan: CapacityPlan, member_id: int) -> CapacityMember:
    return get_object_or_404(CapacityMember, workspace=workspace, plan=plan, pk=member_id)


def teams(*, workspace: Workspace) -> list[str]:
    """Team names in use by capacity plans and sessions, for pickers."""
    names = set(
        CapacityPlan.objects.filter(workspace=workspace).values_list("team", flat=True)
    ) | set(
        PlanningSession.objects.filter(workspace=workspace)
        .exclude(team="")
        .values_list("team", flat=True)
    )
    return sorted(names, key=str.lower)


def _commits(workspace: Workspace, team_names: Iterable[str]) -> list[tuple]:
    """(team, the session's period start, estimate) of every commit decision of these teams."""
    return list(
        Decision.objects.filter(
            workspace=workspace,
            outcome=DecisionOutcome.COMMIT,
            session__team__in=set(team_names),
            session__period_start__isnull=False,
        )
        .values_list("session__team", "session__period_start", "estimate")
        .order_by()
    )


def figures_of(*, workspace: Workspace, chosen: list[CapacityPlan]) -> list[CapacityFigures]:
    """Figures of `chosen` plans, with their members prefetched, and the range from the same
    teams' earlier plans (read in the same two queries)."""
    if not chosen:
        return []
    team_names = {p.team for p in chosen}
    earliest = min(p.period_start for p in chosen)
    history = list(
        CapacityPlan.objects.filter(workspace=workspace, team__in=team_names)
        .filter(Q(period_start__lt=earliest) | Q(pk__in=[p.pk for p in chosen]))
        .prefetch_related("members__user")
        .order_by("period_start", "id")
    )
    commits = _commits(workspace, team_names)
    by_team: dict[str, list[CapacityFigures]] = defaultdict(list)
    figures_by_pk = {}
    for row in history:
        figures = CapacityFigures(plan=row)
        for person in row.members.all():
            share = member_capacity(row, person)
            figures.members.append(MemberShare(person, share))
            figures.capacity += share
        for team, day, estimate in commits:
            if team == row.team and row.period_start <= day <= row.period_end:
                figures.commits += 1
                if estimate is None:
                    figures.commits_without_estimate += 1
                else:
                    figures.committed += estimate
        by_team[row.team].append(figures)
        figures_by_pk[row.pk] = figures
    result = []
    for chosen_plan in chosen:
        figures = figures_by_pk[chosen_plan.pk]
        ratios = [
            earlier.ratio
            for earlier in by_team[chosen_plan.team]
            if earlier.plan.period_end < chosen_plan.period_start and earlier.ratio is not None
        ]
        if ratios and figures.capacity:
            figures.range = LoadRange(
                low=(min(ratios) * figures.capacity).quantize(TWO_PLACES),
                likely=(Decimal(statistics.median(ratios)) * figures.capacity).quantize(TWO_PLACES),
                high=(max(ratios) * figures.capacity).quantize(TWO_PLACES),
                periods=len(ratios),
            )
        result.append(figures)
    return result


def capacity_list(
    *, workspace: Workspace, team: str = "", limit: int = 100
) -> list[CapacityFigures]:
    """The latest plans (newest period first) with their figures, in four queries."""
    return figures_of(
        workspace=workspace, chosen=list(plans(workspace=workspace, team=team)[:limit])
    )


def capacity_figures(*, workspace: Workspace, plan: CapacityPlan) -> CapacityFigures:
    return figures_of(workspace=workspace, chosen=[plan])[0]


def team_capacity(*, workspace: Workspace, team: str, on: date) -> CapacityFigures | None:
    """The figures of the team's plan covering `on` (a session's period start), if any."""
    found = (
        CapacityPlan.objects.filter(
            workspace=workspace, team=team, period_start__lte=on, period_end__gte=on
        )
        .order_by("-period_start")
        .first()
    )
    return capacity_figures(workspace=workspace, plan=found) if found else None
