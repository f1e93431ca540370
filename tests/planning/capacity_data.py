"""Capacity test data: plans through the services, commits as a finished session leaves them."""

from datetime import date
from decimal import Decimal

from planning.models import (
    AgendaItem,
    AgendaKind,
    Decision,
    DecisionOutcome,
    PlanningSession,
    SessionKind,
    SessionState,
)
from planning.services import capacity as services


def plan(actor, team="Payments", start=date(2026, 7, 1), end=date(2026, 9, 30), **values):
    spec = services.PlanSpec(
        team=team,
        period_start=start,
        period_end=end,
        unit=values.pop("unit", "points"),
        working_days=values.pop("working_days", 60),
        per_person=values.pop("per_person", Decimal(30)),
    )
    return services.capacity_plan_create(actor=actor, spec=spec)


def committed(actor, team, period_start, estimates, state=SessionState.ENDED):
    """A session of `team` for the period, with a commit decision per estimate."""
    session = PlanningSession.objects.create(
        workspace=actor.workspace,
        kind=SessionKind.PRIORITISATION,
        title=f"{team} {period_start}",
        team=team,
        period_start=period_start,
        facilitator=actor.user,
        state=state,
        phases=["score", "decide"],
    )
    for number, estimate in enumerate(estimates):
        item = AgendaItem.objects.create(
            workspace=actor.workspace,
            session=session,
            kind=AgendaKind.TOPIC,
            topic=f"Topic {number}",
            position=number,
        )
        Decision.objects.create(
            workspace=actor.workspace,
            session=session,
            item=item,
            outcome=DecisionOutcome.COMMIT,
            estimate=None if estimate is None else Decimal(estimate),
            decided_by=actor.user,
        )
    return session
