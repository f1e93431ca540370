"""Writes of a live session itself: its settings, its states and phases, the item on the
table, who facilitates. Votes are in `votes`, the agenda in `agenda`, participants in
`participants`, decisions in `decisions`; all lock and bump the session through `live`."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from planning import scales, scoring
from planning.models import (
    AgendaItem,
    Participant,
    ParticipantRole,
    PlanningSession,
    Reflection,
    SessionKind,
    SessionState,
    phase_keys,
)
from planning.selectors import sessions as selectors
from planning.services import live
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.models import Membership, Role, User, Workspace
from productops.validation import Text

MAX_TIMER_SECONDS = 4 * 60 * 60


@dataclass(frozen=True)
class SessionSettings:
    """What the facilitator sets; the same for the form, the API and the demo."""

    title: str
    team: str = ""
    period_start: date | None = None
    period_end: date | None = None
    scheduled_at: datetime | None = None
    scoring_model: str = ""
    anonymous_reflections: bool = True
    vote_budget: int | None = None
    vote_cap_per_item: int | None = None
    auto_reveal: bool = False
    item_timer_seconds: int | None = None
    phase_timer_seconds: int | None = None


SETTING_FIELDS = [name for name in SessionSettings.__dataclass_fields__]


def _clean_settings(settings: SessionSettings, kind: str, workspace: Workspace) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values = {name: getattr(settings, name) for name in SETTING_FIELDS}
    values["title"] = (settings.title or "").strip()
    values["team"] = (settings.team or "").strip()
    for name, limit in (("title", Text(200)), ("team", Text(100))):
        if message := limit.too_long(values[name]):  # refused, never cut
            errors[name] = message
    if not values["title"]:
        errors["title"] = "Give the session a title."
    if (
        settings.period_start
        and settings.period_end
        and settings.period_end < settings.period_start
    ):
        errors["period_end"] = "The period ends before it starts."
    for name in ("item_timer_seconds", "phase_timer_seconds"):
        seconds = values[name]
        if seconds is not None and not 0 < seconds <= MAX_TIMER_SECONDS:
            errors[name] = "A timer runs from 1 second to 4 hours."
    for name in ("vote_budget", "vote_cap_per_item"):
        if values[name] is not None and not 0 < values[name] <= 1000:
            errors[name] = "Give a number of votes from 1 to 1000."
    if kind not in (SessionKind.ESTIMATION, SessionKind.RETROSPECTIVE):
        values["scoring_model"] = values["scoring_model"] or "rice"
        try:
            selectors.model_for_key(values["scoring_model"], workspace=workspace)
        except scales.ScoringError as error:
            errors["scoring_model"] = str(error)
        if values["scoring_model"] == scoring.DOT_VOTING.key and not values["vote_budget"]:
            errors["vote_budget"] = "Dot voting needs a budget of dots per person."
    else:
        values["scoring_model"] = ""
    if errors:
        raise ValidationError(errors)
    return values


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


@transaction.atomic
def session_create(
    *, actor: Actor, kind: str, settings: SessionSettings, facilitator: User | None = None
) -> PlanningSession:
    """A draft session with the actor (or `facilitator`) facilitating."""
    require(actor, Capability.RUN_PLANNING)
    if kind not in SessionKind.values:
        raise ValidationError({"kind": "Choose the kind of session."})
    values = _clean_settings(settings, kind, actor.workspace)
    facilitator = facilitator or actor.user
    if facilitator is None or not _may_facilitate(actor, facilitator):
        raise ValidationError({"facilitator": "The facilitator must be an ops lead or admin here."})
    session = PlanningSession.objects.create(
        workspace=actor.workspace,
        kind=kind,
        phases=phase_keys(kind),
        facilitator=facilitator,
        created_by=actor.user,
        **values,
    )
    Participant.objects.create(
        workspace=actor.workspace,
        session=session,
        user=facilitator,
        role=ParticipantRole.FACILITATOR,
    )
    audit(actor, "planning_session.created", session, after={"kind": kind, **_audit_values(values)})
    return session


def _may_facilitate(actor: Actor, user: User) -> bool:
    membership = Membership.objects.filter(workspace=actor.workspace, user=user).first()
    return membership is not None and membership.role in (Role.ADMIN, Role.OPS_LEAD)


@transaction.atomic
def session_update(
    *, actor: Actor, session: PlanningSession, settings: SessionSettings
) -> PlanningSession:
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    if session.state == SessionState.ENDED:
        raise ValidationError("The session has ended; its settings stay as they were.")
    values = _clean_settings(settings, session.kind, actor.workspace)
    if session.state == SessionState.RUNNING and values["scoring_model"] != session.scoring_model:
        raise ValidationError(
            {"scoring_model": "The scoring model is fixed once the session runs."}
        )
    if (
        session.anonymous_reflections != values["anonymous_reflections"]
        and Reflection.objects.filter(session=session).exists()
    ):  # off would name the authors of cards written as anonymous; on would leave the audit
        # log naming the authors of cards the board then shows as anonymous
        raise ValidationError(
            {
                "anonymous_reflections": (
                    "Reflections were written anonymously; they stay so."
                    if session.anonymous_reflections
                    else "Reflections were written with their authors' names; they stay so."
                )
            }
        )
    before = {name: getattr(session, name) for name in values}
    changed = {name: value for name, value in values.items() if before[name] != value}
    if changed:
        live.bump(session, **changed)
        if "period_start" in changed:
            live.mark_decisions(session)
        audit(
            actor,
            "planning_session.updated",
            session,
            before=_audit_values({k: before[k] for k in changed}),
            after=_audit_values(changed),
        )
    return session


@transaction.atomic
def session_open_lobby(*, actor: Actor, session: PlanningSession) -> PlanningSession:
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    live.require_live(session, SessionState.DRAFT)
    live.bump(session, state=SessionState.LOBBY)
    audit(actor, "planning_session.lobby_opened", session, after={"state": session.state})
    return session


@transaction.atomic
def session_start(*, actor: Actor, session: PlanningSession) -> PlanningSession:
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    live.require_live(session, SessionState.DRAFT, SessionState.LOBBY)
    first_item = AgendaItem.objects.filter(session=session).order_by("position", "id").first()
    if first_item is None and session.kind != SessionKind.RETROSPECTIVE:
        raise ValidationError("Put at least one item on the agenda first.")
    now = timezone.now()
    live.bump(
        session,
        state=SessionState.RUNNING,
        current_phase=session.phases[0],
        current_item=first_item,
        started_at=now,
        phase_started_at=now,
        item_started_at=now if first_item else None,
    )
    audit(actor, "planning_session.started", session, after={"phase": session.current_phase})
    return session


@transaction.atomic
def session_move_phase(*, actor: Actor, session: PlanningSession, step: int) -> PlanningSession:
    """One phase forward (step 1) or back (-1). Going back keeps every vote and decision."""
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    live.require_live(session)
    index = session.phases.index(session.current_phase) + step
    if step not in (1, -1) or not 0 <= index < len(session.phases):
        raise ValidationError(
            "This is the last phase; end the session instead."
            if step > 0
            else "This is the first phase."
        )
    before = session.current_phase
    live.bump(
        session,
        current_phase=session.phases[index],
        phase_started_at=timezone.now(),
        reveal_due_at=None,
    )
    audit(
        actor,
        "planning_session.phase_changed",
        session,
        before={"phase": before},
        after={"phase": session.current_phase},
    )
    return session


@transaction.atomic
def session_go_to_item(
    *, actor: Actor, session: PlanningSession, item: AgendaItem | None = None, step: int = 0
) -> PlanningSession:
    """Makes `item` (or the next/previous one by `step`) the one the room discusses."""
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    live.require_live(session)
    items = list(AgendaItem.objects.filter(session=session).order_by("position", "id"))
    if item is None:
        ids = [i.pk for i in items]
        index = ids.index(session.current_item_id) + step if session.current_item_id in ids else 0
        if not items or not 0 <= index < len(items):
            raise ValidationError(
                "This is the last item on the agenda." if step > 0 else "This is the first item."
            )
        item = items[index]
    elif item.session_id != session.pk:
        raise ValidationError("That item is on another session's agenda.")
    before = session.current_item_id
    live.bump(session, current_item=item, item_started_at=timezone.now(), reveal_due_at=None)
    audit(
        actor,
        "planning_session.item_changed",
        session,
        before={"item": before},
        after={"item": item.pk},
    )
    return session


@transaction.atomic
def session_hand_over(*, actor: Actor, session: PlanningSession, to: User) -> PlanningSession:
    """Makes `to` the facilitator. The facilitator hands over, or an ops lead or admin takes
    over (a facilitator whose laptop died cannot hand over)."""
    require(actor, Capability.RUN_PLANNING)
    session = live.locked(actor, session)
    if session.state == SessionState.ENDED:
        raise ValidationError("The session has ended.")
    if not _may_facilitate(actor, to):
        raise ValidationError(
            {"to": "Facilitation goes to an ops lead or admin of this workspace."}
        )
    if to.pk == session.facilitator_id:
        return session
    before = session.facilitator
    Participant.objects.filter(
        session=session, user=before, role=ParticipantRole.FACILITATOR
    ).update(role=ParticipantRole.VOTER)
    Participant.objects.update_or_create(
        session=session,
        user=to,
        defaults={"role": ParticipantRole.FACILITATOR},
        create_defaults={
            "workspace": session.workspace,
            "role": ParticipantRole.FACILITATOR,
        },
    )
    live.bump(session, facilitator=to)
    audit(
        actor,
        "planning_session.facilitator_changed",
        session,
        before={"facilitator": before.email},
        after={"facilitator": to.email},
    )
    return session


@transaction.atomic
def session_end(*, actor: Actor, session: PlanningSession) -> PlanningSession:
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
    live.require_live(session, SessionState.LOBBY, SessionState.RUNNING)
    live.bump(session, state=SessionState.ENDED, ended_at=timezone.now(), reveal_due_at=None)
    audit(actor, "planning_session.ended", session, after={"state": session.state})
    return session
