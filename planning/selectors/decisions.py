"""Reads of what sessions decided: the summary, decisions, an idea's planning history and
latest decision, the public roadmap's planned period, who gets the summary email."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict, cast

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.shortcuts import get_object_or_404

from feedback.models import Idea
from feedback.selectors import evidence
from feedback.selectors.ideas import DEMAND, DEMAND_CHOICES
from planning.models import (
    ActionItem,
    AgendaItem,
    Decision,
    DecisionOutcome,
    Participant,
    PlanningSession,
    SessionKind,
)
from planning.selectors.sessions import agenda, session_capacity, session_scoring_model
from planning.selectors.votes import FieldResult, results_of, revealed_votes
from productops import clock
from productops.models import Workspace
from productops.validation import FILTER_DAY, Choice

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    DatedDecision = WithAnnotations[Decision, "Dated"]


@dataclass
class SummaryRow:
    item: AgendaItem
    decision: Decision | None
    results: list[FieldResult]


@dataclass
class Summary:
    session: PlanningSession
    rows: list[SummaryRow]
    committed_load: Decimal
    decided: int
    # Filled where the team's capacity for the period and the retro's actions are known.
    capacity: Decimal | None = None
    action_items: list = field(default_factory=list)

    @property
    def over_capacity(self) -> bool:
        return self.capacity is not None and self.committed_load > self.capacity


def summary(*, session: PlanningSession) -> Summary:
    """Each item with its decision, its accepted score and the spread of its last revealed
    round; the committed load (the agreed estimates of what was committed)."""
    items = agenda(session=session)
    names = {
        p.pk: p.user.display_name
        for p in Participant.objects.filter(session=session).select_related("user")
    }
    model = None if session.kind == SessionKind.RETROSPECTIVE else session_scoring_model(session)
    rows_by_item: dict[int, list] = defaultdict(list)
    if model is not None:
        latest = (
            revealed_votes(session=session)
            .filter(round=F("item__revealed_round"))
            .order_by("item_id", "field", "participant_id")
            .values_list("item_id", "field", "participant_id", "value", "number")
        )
        for item_id, *rest in latest:
            rows_by_item[item_id].append(tuple(rest))
    rows, load, decided = [], Decimal(0), 0
    for item in items:
        decision = getattr(item, "decision", None)
        if decision is not None:
            decided += 1
            if decision.outcome == DecisionOutcome.COMMIT and decision.estimate is not None:
                load += decision.estimate
        results = results_of(model, rows_by_item.get(item.pk, []), names) if model else []
        rows.append(SummaryRow(item=item, decision=decision, results=results))
    figures = session_capacity(session=session)
    capacity = figures.capacity if figures else None
    return Summary(
        session=session,
        rows=rows,
        committed_load=load,
        decided=decided,
        capacity=capacity,
        action_items=list(
            ActionItem.objects.filter(session=session).select_related("owner").order_by("id")
        ),
    )


def decision(*, workspace: Workspace, decision_id: int) -> Decision:
    return get_object_or_404(
        Decision.objects.select_related("idea", "idea__status", "session", "item", "decided_by"),
        workspace=workspace,
        pk=decision_id,
    )


def decisions(*, session: PlanningSession) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(session=session)
        .select_related("item", "idea", "decided_by")
        .order_by("item__position", "item_id")
    )


@dataclass
class IdeaHistoryRow:
    session: PlanningSession
    item: AgendaItem
    decision: Decision | None


def idea_history(*, workspace: Workspace, idea: Idea) -> list[IdeaHistoryRow]:
    """The sessions that had the idea on the agenda, newest first, with score and decision."""
    items = (
        AgendaItem.objects.filter(workspace=workspace, idea=idea)
        .select_related("session", "decision", "decision__decided_by")
        .order_by("-session__created_at", "-id")[:50]
    )
    return [
        IdeaHistoryRow(session=i.session, item=i, decision=getattr(i, "decision", None))
        for i in items
    ]


def latest_decisions(*, workspace: Workspace, idea_ids: list[int]) -> dict[int, Decision]:
    """Each idea's latest decision (for the ideas board's badges)."""
    found: dict[int, Decision] = {}
    rows = (
        Decision.objects.filter(workspace=workspace, idea_id__in=idea_ids)
        .select_related("session")
        .order_by("idea_id", "-decided_at", "-id")
        .distinct("idea_id")
    )
    for row in rows:
        if row.idea_id is not None:
            found[row.idea_id] = row
    return found


def planned_for(workspace: Workspace, idea_ids: Sequence[int]) -> dict[int, str]:
    """ "Planned for <period>" per idea whose latest decision committed it in a session with a
    planning period (the public roadmap's note); one query."""
    found = {}
    for idea_id, decision in latest_decisions(workspace=workspace, idea_ids=list(idea_ids)).items():
        label = decision.session.period_label
        if decision.outcome == DecisionOutcome.COMMIT and label:
            found[idea_id] = f"Planned for {label}"
    return found


def summary_recipients(*, session: PlanningSession) -> list[Participant]:
    """Participants who get the summary email: everyone who took part and did not opt out."""
    return list(
        Participant.objects.filter(session=session, summary_opt_out=False)
        .select_related("user")
        .exclude(user__email="")
        .filter(Q(user__is_active=True))
        .order_by("user__email")
    )


@dataclass
class DecisionList:
    total: int  # every decision the filters select
    rows: Sequence[Decision]  # the latest LIST_LIMIT of them, newest first


LIST_LIMIT = 500


@dataclass(frozen=True)
class DecisionFilters:
    """The decisions page's and `GET planning/decisions/`'s filters, read by from_params."""

    outcome: str = ""  # a DecisionOutcome, or "" for all
    since: date | None = None  # the decision's day (see dated_decisions), both days included
    until: date | None = None
    # demand=yes: only decisions on an idea backed by customer demand (counted evidence, read on
    # the idea it was merged into when it was), as the rollup's "backed by demand" counts them;
    # demand=no: only those on an idea without any; absent or any: all (None), as for ideas.
    demand: bool | None = None

    @classmethod
    def from_params(cls, params) -> "DecisionFilters":
        """The filters of a query string; a bad value is a ValidationError naming it (400).
        planning/api/sessions.DECISION_FILTER_PARAMETERS documents each name read here."""
        return cls(
            outcome=OUTCOME.query(params, "outcome", default=""),
            since=FILTER_DAY.query(params, "since"),
            until=FILTER_DAY.query(params, "until"),
            demand=DEMAND_CHOICES[DEMAND.query(params, "demand", default="any")],
        )


OUTCOME = Choice(tuple(DecisionOutcome.values))


class Dated(TypedDict):
    day: date  # what dated_decisions() adds


def dated_decisions(*, workspace: Workspace, filters: DecisionFilters) -> QuerySet["DatedDecision"]:
    """Decisions of the workspace, filtered, each with its `day`: its session's period start,
    else the workspace's day it was made on (the day the dashboards' planning rollup counts it
    by). Unordered."""
    queryset = Decision.objects.filter(workspace=workspace).annotate(
        day=Coalesce(
            F("session__period_start"), TruncDate("decided_at", tzinfo=clock.zone(workspace))
        )
    )
    if filters.demand is not None:
        backed = evidence.has_evidence("backing_idea")
        queryset = queryset.alias(
            backing_idea=Coalesce(F("idea__merged_into_id"), F("idea_id"))
        ).filter(backed if filters.demand else ~backed)
    if filters.outcome:
        queryset = queryset.filter(outcome=filters.outcome)
    if filters.since:
        queryset = queryset.filter(day__gte=filters.since)
    if filters.until:
        queryset = queryset.filter(day__lte=filters.until)
    # The annotation is made above, so the checker cannot see it on the queryset's type.
    return cast("QuerySet[DatedDecision]", queryset.select_related("session", "idea", "decided_by"))


def decision_list(*, workspace: Workspace, filters: DecisionFilters) -> DecisionList:
    """Decisions of the workspace, newest first, for the decisions page (what the dashboards'
    committed counts open), filtered as dated_decisions() filters. Two queries at any size."""
    queryset = dated_decisions(workspace=workspace, filters=filters)
    rows = list(queryset.order_by("-day", "-id")[:LIST_LIMIT])
    total = len(rows) if len(rows) < LIST_LIMIT else queryset.count()
    return DecisionList(total=total, rows=rows)
