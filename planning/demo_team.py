"""Demo team data for `acme`, after the sessions: the Core team's capacity for Q3 and Q4 (so Q4
shows committed load against capacity and a range from Q3), the half-life setting, and the last
sprint's retrospective, ended, with groups, dots, notes and open action items that the next
retro of the team opens with.

Idempotent: the plans are found by team and period, the retro by title. Built through the
services, as a facilitator would.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from planning.models import CapacityPlan, ParticipantRole, PlanningSession, SessionKind
from planning.services import capacity as capacity_services
from planning.services import participants as participant_services
from planning.services import retro as retro_services
from planning.services import scoring as scoring_services
from planning.services import sessions as session_services
from productops import clock
from productops.access import Actor
from productops.models import Membership, Role, Workspace

RETRO_TITLE = "Sprint 41 retro"
REFLECTIONS = [  # (prompt position, who, text)
    (0, Role.PM, "The SSO rollout went out without a single incident"),
    (0, Role.EXEC, "Customers noticed the faster exports"),
    (1, Role.PM, "Builds take 40 minutes on a busy day"),
    (1, Role.ADMIN, "Flaky end-to-end tests block merges"),
    (1, Role.EXEC, "Too many meetings mid-sprint"),
    (2, Role.PM, "Try a no-meeting Wednesday"),
]
ACTIONS = [  # (title, owner role, days until due, done)
    ("Split the end-to-end suite and quarantine flaky tests", Role.ADMIN, 7, False),
    ("Trial a no-meeting Wednesday for two sprints", Role.OPS_LEAD, 14, False),
    ("Share the export speed-up in the changelog", Role.PM, -3, True),
]


def seed_team(workspace: Workspace) -> None:
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is never seeded with production settings.")
    people = {}
    for membership in Membership.objects.filter(workspace=workspace).select_related(
        "user", "workspace"
    ):
        people.setdefault(membership.role, membership)
    if Role.OPS_LEAD not in people:
        return
    with transaction.atomic():
        lead = Actor.for_membership(people[Role.OPS_LEAD])
        scoring_services.planning_settings_update(actor=lead, evidence_half_life_days=180)
        _capacity(workspace, lead, people)
        _last_retro(workspace, lead, people)


def _capacity(workspace: Workspace, lead: Actor, people: dict) -> None:
    year = clock.workspace_today(workspace).year
    for start, end in (
        (date(year, 7, 1), date(year, 9, 30)),
        (date(year, 10, 1), date(year, 12, 31)),
    ):
        if CapacityPlan.objects.filter(
            workspace=workspace, team="Core", period_start=start
        ).exists():
            continue
        plan = capacity_services.capacity_plan_create(
            actor=lead,
            spec=capacity_services.PlanSpec(
                team="Core", period_start=start, period_end=end, per_person=Decimal(13)
            ),
        )
        for role, availability, days_off in (
            (Role.PM, 100, Decimal(5)),
            (Role.ADMIN, 50, Decimal(0)),
            (Role.OPS_LEAD, 80, Decimal(3)),
        ):
            if role in people:
                capacity_services.capacity_member_set(
                    actor=lead,
                    plan=plan,
                    user=people[role].user,
                    availability=availability,
                    days_off=days_off,
                )
        capacity_services.capacity_member_set(
            actor=lead, plan=plan, name="Contract engineer", availability=100
        )


def _next(lead: Actor, session: PlanningSession) -> PlanningSession:
    session.refresh_from_db()
    session_services.session_move_phase(actor=lead, session=session, step=1)
    session.refresh_from_db()
    return session


def _last_retro(workspace: Workspace, lead: Actor, people: dict) -> None:
    if PlanningSession.objects.filter(workspace=workspace, title=RETRO_TITLE).exists():
        return
    session = session_services.session_create(
        actor=lead,
        kind=SessionKind.RETROSPECTIVE,
        settings=session_services.SessionSettings(
            title=RETRO_TITLE, team="Core", vote_budget=5, vote_cap_per_item=3
        ),
    )
    actors = {role: Actor.for_membership(m) for role, m in people.items()}
    for role in (Role.PM, Role.EXEC, Role.ADMIN):
        if role in actors:
            participant_services.participant_join(
                actor=actors[role], session=session, role=ParticipantRole.VOTER
            )
    session_services.session_start(actor=lead, session=session)
    session = _next(lead, session)  # reflect
    cards = {}
    for position, role, text in REFLECTIONS:
        if role in actors:
            cards[text] = retro_services.reflection_add(
                actor=actors[role], session=session, position=position, text=text
            )
    session = _next(lead, session)  # group
    pairs = [
        ("Flaky end-to-end tests block merges", "Builds take 40 minutes on a busy day", "Slow CI"),
        ("Try a no-meeting Wednesday", "Too many meetings mid-sprint", "Meetings"),
    ]
    groups = []
    for moving, onto, title in pairs:
        if moving in cards and onto in cards:
            moved = retro_services.reflection_move(
                actor=lead,
                session=session,
                reflection_id=cards[moving].pk,
                onto_reflection_id=cards[onto].pk,
            )
            retro_services.group_rename(
                actor=lead, session=session, group_id=moved.group_id, title=title
            )
            groups.append(moved.group_id)
    session = _next(lead, session)  # vote
    for role, dots in ((Role.PM, (3, 2)), (Role.EXEC, (1, 3)), (Role.OPS_LEAD, (2, 2))):
        if role in actors:
            for group_id, n in zip(groups, dots, strict=False):
                retro_services.retro_vote(
                    actor=actors[role], session=session, group_id=group_id, dots=n
                )
    session = _next(lead, session)  # discuss
    if groups:
        retro_services.discussion_note_add(
            actor=lead,
            session=session,
            group_id=groups[0],
            text="Most of the wait is the end-to-end stage; half its failures are two tests.",
        )
    today = clock.workspace_today(workspace)
    for title, role, due_in, done in ACTIONS:
        owner = people[role].user if role in people else None
        item = retro_services.action_item_add(
            actor=lead,
            session=session,
            title=title,
            owner=owner,
            due_on=today + timedelta(days=due_in),
        )
        if done:
            retro_services.action_item_update(
                actor=lead, item=item, changes=retro_services.ActionChanges(status="done")
            )
    session_services.session_end(actor=lead, session=session)
