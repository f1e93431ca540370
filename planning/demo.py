"""Demo planning sessions for `acme`, run after the ideas are seeded.

- "Q3 prioritisation": ended, scored with RICE, with decisions (commit, defer, reject).
- "Q4 prioritisation": in the lobby with up to a dozen open ideas, ready to start.
- "Sprint 42 estimation": running, on its first item; any demo user can open it and join.

Idempotent: each session is found by title and made once. Built through the services, so the
decisions move their ideas as a real session would.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from feedback.models import Idea, StatusCategory
from planning.models import AgendaItem, ParticipantRole, PlanningSession, SessionKind
from planning.services import agenda as agenda_services
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import sessions as services
from planning.services import votes as vote_services
from productops.access import Actor
from productops.models import Membership, Role, Workspace

Q3_VOTES = [  # (reach, impact, confidence, effort) per voter, per item
    [("1200", "3", "80", "5"), ("900", "2", "80", "8")],
    [("400", "1", "50", "8"), ("300", "1", "50", "13")],
    [("150", "1", "50", "21"), ("100", "0", "50", "21")],
]


def seed_planning(workspace: Workspace) -> None:
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is never seeded with production settings.")
    with transaction.atomic():
        people = _people(workspace)
        if people is None:
            return
        ideas = list(
            Idea.objects.filter(
                workspace=workspace,
                merged_into__isnull=True,
                status__category=StatusCategory.OPEN,
            ).order_by("id")[:15]
        )
        _finished_q3(workspace, people, ideas[:3])
        _ready_q4(workspace, people, ideas[3:15])
        _running_estimation(workspace, people, ideas[:4])


def _people(workspace: Workspace) -> dict[str, Actor] | None:
    found = {}
    for membership in Membership.objects.filter(workspace=workspace).select_related(
        "user", "workspace"
    ):
        found.setdefault(membership.role, Actor.for_membership(membership))
    if Role.OPS_LEAD not in found:
        return None
    return found


def _create(workspace, lead: Actor, title: str, kind: str, **settings_) -> PlanningSession | None:
    if PlanningSession.objects.filter(workspace=workspace, title=title).exists():
        return None
    return services.session_create(
        actor=lead, kind=kind, settings=services.SessionSettings(title=title, **settings_)
    )


def _join(session: PlanningSession, people: dict[str, Actor]) -> None:
    for role in (Role.PM, Role.EXEC, Role.ADMIN):
        if role in people:
            participant_services.participant_join(
                actor=people[role], session=session, role=ParticipantRole.VOTER
            )


def _finished_q3(workspace, people, ideas) -> None:
    lead = people[Role.OPS_LEAD]
    today = timezone.localdate()
    session = _create(
        workspace,
        lead,
        "Q3 prioritisation",
        SessionKind.PRIORITISATION,
        team="Core",
        period_start=date(today.year, 7, 1),
        period_end=date(today.year, 9, 30),
        scoring_model="rice",
    )
    if session is None or not ideas:
        return
    for idea in ideas:
        agenda_services.agenda_add(actor=lead, session=session, idea=idea)
    _join(session, people)
    services.session_start(actor=lead, session=session)
    services.session_move_phase(actor=lead, session=session, step=1)  # score
    voters = [people[r] for r in (Role.PM, Role.EXEC) if r in people]
    outcomes = [
        ("commit", Decimal(8), None, "Most revenue behind it, and the effort is known."),
        ("defer", None, today + timedelta(days=90), "Worth doing; not before SSO ships."),
        ("reject", None, None, "Few accounts ask, and the effort is large."),
    ]
    items = list(AgendaItem.objects.filter(session=session).order_by("position"))
    for index, item in enumerate(items):
        if index:
            services.session_go_to_item(actor=lead, session=session, item=item)
        for voter, (reach, impact, confidence, effort) in zip(
            voters, Q3_VOTES[index], strict=False
        ):
            vote_services.vote_cast(
                actor=voter,
                session=session,
                item=item,
                values={
                    "reach": reach,
                    "impact": impact,
                    "confidence": confidence,
                    "effort": effort,
                },
            )
        vote_services.item_reveal(actor=lead, session=session)
        reach, impact, confidence, effort = Q3_VOTES[index][0]
        vote_services.item_accept_score(
            actor=lead,
            session=session,
            item=item,
            values={"reach": reach, "impact": impact, "confidence": confidence, "effort": effort},
        )
        outcome, estimate, until, why = outcomes[index]
        decision_services.decision_record(
            actor=lead,
            session=session,
            item=item,
            outcome=outcome,
            estimate=estimate,
            defer_until=until,
            rationale=why,
        )
    services.session_move_phase(actor=lead, session=session, step=1)  # decide
    services.session_end(actor=lead, session=session)


def _ready_q4(workspace, people, ideas) -> None:
    lead = people[Role.OPS_LEAD]
    today = timezone.localdate()
    session = _create(
        workspace,
        lead,
        "Q4 prioritisation",
        SessionKind.PRIORITISATION,
        team="Core",
        period_start=date(today.year, 10, 1),
        period_end=date(today.year, 12, 31),
        scheduled_at=timezone.now() + timedelta(days=1),
        scoring_model="rice",
        auto_reveal=True,
        item_timer_seconds=300,
    )
    if session is None:
        return
    for idea in ideas:
        agenda_services.agenda_add(actor=lead, session=session, idea=idea)
    services.session_open_lobby(actor=lead, session=session)


def _running_estimation(workspace, people, ideas) -> None:
    lead = people[Role.OPS_LEAD]
    session = _create(
        workspace,
        lead,
        "Sprint 42 estimation",
        SessionKind.ESTIMATION,
        team="Core",
        auto_reveal=True,
    )
    if session is None:
        return
    for idea in ideas:
        agenda_services.agenda_add(actor=lead, session=session, idea=idea)
    agenda_services.agenda_add(actor=lead, session=session, topic="Upgrade the build pipeline")
    services.session_start(actor=lead, session=session)
