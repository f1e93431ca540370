"""Seeds the demo planning from `planning/demo_data/planning.toml` (the file says what is in it).

One session builder makes every session the file lists, of any kind, through the services a
facilitator's clicks call, so decisions move their ideas as in a real session. Then the
planning settings and the capacity plans.

Idempotent: a session is found by title, a plan by team and period, and made once.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from feedback.models import Idea
from planning.models import AgendaItem, CapacityPlan, ParticipantRole, PlanningSession
from planning.services import action_items as action_services
from planning.services import agenda as agenda_services
from planning.services import capacity as capacity_services
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import retro as retro_services
from planning.services import scoring as scoring_services
from planning.services import sessions as session_services
from planning.services import votes as vote_services
from productops import clock, demo
from productops.access import Actor
from productops.models import Role, Workspace


def seed_planning(workspace: Workspace) -> None:
    demo.refuse_production()
    content = demo.load("planning", "planning")
    cast = demo.Cast(workspace)
    today = clock.workspace_today(workspace)
    with transaction.atomic():
        # Sessions first: their agendas snapshot the evidence with the half-life of the day.
        for spec in content["sessions"]:
            if not PlanningSession.objects.filter(
                workspace=workspace, title=spec["title"]
            ).exists():
                _build_session(Room(cast=cast, spec=spec, today=today))
        lead = cast.actor(Role.OPS_LEAD)
        scoring_services.planning_settings_update(actor=lead, **content["settings"])
        _capacity(cast, lead, content["capacity"], today)


@dataclass
class Room:
    """A session being built: what its data says, and what earlier phases made."""

    cast: demo.Cast
    spec: dict[str, Any]
    today: date
    session: PlanningSession = field(init=False)
    cards: dict[str, int] = field(default_factory=dict)  # reflection text -> id
    groups: list[int] = field(default_factory=list)  # group ids, in the data's order

    @property
    def lead(self) -> Actor:
        return self.cast.actor(self.spec["facilitator"])


def _build_session(room: Room) -> None:
    spec, lead = room.spec, room.lead
    room.session = session_services.session_create(
        actor=lead, kind=spec["kind"], settings=_settings(spec, room.today)
    )
    for entry in spec.get("agenda", []):
        subject = {"topic": entry["topic"]} if "topic" in entry else {"idea": _idea(room, entry)}
        agenda_services.agenda_add(actor=lead, session=room.session, **subject)
    for role in spec.get("voters", []):
        participant_services.participant_join(
            actor=room.cast.actor(role), session=room.session, role=ParticipantRole.VOTER
        )
    if spec["state"] == "lobby":
        session_services.session_open_lobby(actor=lead, session=room.session)
        return
    session_services.session_start(actor=lead, session=room.session)
    if spec["state"] == "running":
        return
    phases = room.session.phases
    for phase in phases[1 : phases.index(spec["ended_in"]) + 1]:
        room.session.refresh_from_db()
        room.session = session_services.session_move_phase(actor=lead, session=room.session, step=1)
        PHASE_WORK.get(phase, _nothing)(room)
    session_services.session_end(actor=lead, session=room.session)


def _settings(spec: dict[str, Any], today: date) -> session_services.SessionSettings:
    values = dict(spec["settings"])
    if "quarter" in values:
        values["period_start"], values["period_end"] = demo.quarter(
            today.year, values.pop("quarter")
        )
    if "scheduled_in_days" in values:
        values["scheduled_at"] = timezone.now() + timedelta(days=values.pop("scheduled_in_days"))
    return session_services.SessionSettings(title=spec["title"], **values)


def _idea(room: Room, entry: dict[str, Any]) -> Idea:
    idea = Idea.objects.filter(workspace=room.cast.workspace, title=entry["idea"]).first()
    if idea is None:
        raise ImproperlyConfigured(f"No idea {entry['idea']!r} for {room.spec['title']!r}.")
    return idea


def _agenda(room: Room) -> list[tuple[AgendaItem, dict[str, Any]]]:
    items = AgendaItem.objects.filter(session=room.session).order_by("position", "id")
    return list(zip(items, room.spec["agenda"], strict=True))


def _nothing(room: Room) -> None:
    pass


def _score(room: Room) -> None:
    """Item by item: every voter's values, the reveal, and the first voter's values accepted."""
    lead, session = room.lead, room.session
    for index, (item, entry) in enumerate(_agenda(room)):
        if index:
            session_services.session_go_to_item(actor=lead, session=session, item=item)
        for role, values in entry["votes"].items():
            vote_services.vote_cast(
                actor=room.cast.actor(role), session=session, item=item, values=values
            )
        vote_services.item_reveal(actor=lead, session=session)
        vote_services.item_accept_score(
            actor=lead, session=session, item=item, values=next(iter(entry["votes"].values()))
        )


def _decide(room: Room) -> None:
    for item, entry in _agenda(room):
        decision = entry["decision"]
        days = decision.get("defer_in_days")
        estimate = decision.get("estimate")
        decision_services.decision_record(
            actor=room.lead,
            session=room.session,
            item=item,
            outcome=decision["outcome"],
            estimate=Decimal(estimate) if estimate is not None else None,
            defer_until=room.today + timedelta(days=days) if days is not None else None,
            rationale=decision["rationale"],
        )


def _reflect(room: Room) -> None:
    for card in room.spec["reflections"]:
        reflection = retro_services.reflection_add(
            actor=room.cast.actor(card["by"]),
            session=room.session,
            position=card["prompt"],
            text=card["text"],
        )
        room.cards[card["text"]] = reflection.pk


def _group(room: Room) -> None:
    for group in room.spec["groups"]:
        first, *others = (room.cards[text] for text in group["cards"])
        group_id = None
        for card in others:
            group_id = retro_services.reflection_move(
                actor=room.lead, session=room.session, reflection_id=card, onto_reflection_id=first
            ).group_id
        if group_id is None:
            raise ImproperlyConfigured(f"The retro group {group['title']!r} needs two cards.")
        retro_services.group_rename(
            actor=room.lead, session=room.session, group_id=group_id, title=group["title"]
        )
        room.groups.append(group_id)


def _vote(room: Room) -> None:
    """Person by person, as people place their dots, each on every group they chose."""
    groups = list(zip(room.groups, room.spec["groups"], strict=True))
    for role in dict.fromkeys(role for _, group in groups for role in group["dots"]):
        for group_id, group in groups:
            if role in group["dots"]:
                retro_services.retro_vote(
                    actor=room.cast.actor(role),
                    session=room.session,
                    group_id=group_id,
                    dots=group["dots"][role],
                )


def _discuss(room: Room) -> None:
    for group_id, group in zip(room.groups, room.spec["groups"], strict=True):
        for text in group.get("notes", []):
            retro_services.discussion_note_add(
                actor=room.lead, session=room.session, group_id=group_id, text=text
            )
    for action in room.spec["actions"]:
        item = action_services.action_item_add(
            actor=room.lead,
            session=room.session,
            title=action["title"],
            owner=room.cast.user(action["owner"]),
            due_on=room.today + timedelta(days=action["due_in_days"]),
        )
        if action.get("done"):
            action_services.action_item_update(
                actor=room.lead,
                item=item,
                changes=action_services.ActionChanges(status="done"),
            )


# What the builder does on entering each phase; a phase not listed is passed through.
PHASE_WORK = {
    "score": _score,
    "decide": _decide,
    "reflect": _reflect,
    "group": _group,
    "vote": _vote,
    "discuss": _discuss,
}


def _capacity(cast: demo.Cast, lead: Actor, spec: dict[str, Any], today: date) -> None:
    """The team's plan for each quarter, with the same people in each."""
    for number in spec["quarters"]:
        start, end = demo.quarter(today.year, number)
        if CapacityPlan.objects.filter(
            workspace=cast.workspace, team=spec["team"], period_start=start
        ).exists():
            continue
        plan = capacity_services.capacity_plan_create(
            actor=lead,
            spec=capacity_services.PlanSpec(
                team=spec["team"],
                period_start=start,
                period_end=end,
                per_person=Decimal(spec["per_person"]),
            ),
        )
        for member in spec["members"]:
            capacity_services.capacity_member_set(
                actor=lead,
                plan=plan,
                user=cast.user(member["role"]) if "role" in member else None,
                name=member.get("name", ""),
                availability=member["availability"],
                days_off=Decimal(member.get("days_off", 0)),
            )
