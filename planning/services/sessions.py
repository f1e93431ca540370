"""Every write of live planning sessions: the session and its phases, participants, the agenda,
votes and their reveal, accepted scores and decisions.

Each service locks the session row first (`_locked`), so changes to one session are applied one
at a time and its version rises by exactly one per change: the poll's "nothing changed" test is
a comparison of two integers. Votes are never audited with their values.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from feedback.models import Idea, StatusCategory
from feedback.selectors import ideas as idea_selectors
from feedback.services import ideas as idea_services
from inventory.models import Contract
from planning import evidence as planning_evidence
from planning import scoring
from planning.models import (
    AgendaItem,
    AgendaKind,
    Decision,
    DecisionOutcome,
    Participant,
    ParticipantRole,
    PlanningSession,
    SessionKind,
    SessionState,
    Vote,
    phase_keys,
)
from planning.selectors import sessions as selectors
from productops.access import Actor, require
from productops.audit import audit, mark_changed
from productops.capabilities import Capability
from productops.models import Membership, Role, User

AUTO_REVEAL_COUNTDOWN = timedelta(seconds=5)
MAX_TIMER_SECONDS = 4 * 60 * 60
# What a decision does to an idea's status, and the outcome its customers are told.
DECISION_CATEGORY = {
    DecisionOutcome.COMMIT: StatusCategory.PLANNED,
    DecisionOutcome.REJECT: StatusCategory.DECLINED,
}


class LateVote(ValidationError):
    """A vote that arrived after the facilitator moved on (or revealed): a clear 409."""


@dataclass(frozen=True)
class SessionSettings:
    """What the facilitator sets; the same for the form, the API and the demo."""

    title: str
    team: str = ""
    period_start: date | None = None
    period_end: date | None = None
    scheduled_at: Any = None
    scoring_model: str = ""
    anonymous_reflections: bool = True
    vote_budget: int | None = None
    vote_cap_per_item: int | None = None
    auto_reveal: bool = False
    item_timer_seconds: int | None = None
    phase_timer_seconds: int | None = None


SETTING_FIELDS = [name for name in SessionSettings.__dataclass_fields__]


def _mark(session: PlanningSession) -> None:
    mark_changed(session.workspace, "planning", bucket=str(session.pk))


def _locked(actor: Actor, session: PlanningSession) -> PlanningSession:
    """The session row, locked for this transaction, checked to be the actor's workspace's."""
    found = (
        PlanningSession.objects.select_for_update(of=("self",))
        .select_related("workspace")
        .filter(pk=session.pk, workspace=actor.workspace)
        .first()
    )
    if found is None:
        raise ValidationError("That session belongs to another workspace.")
    return found


def _bump(session: PlanningSession, **changes: Any) -> PlanningSession:
    """Saves `changes` and the next version: what every participant's next poll picks up."""
    for name, value in changes.items():
        setattr(session, name, value)
    session.version += 1
    session.save(update_fields=[*changes, "version"])
    _mark(session)
    return session


def _require_facilitator(actor: Actor, session: PlanningSession) -> None:
    require(actor, Capability.RUN_PLANNING)
    if actor.user is None or actor.user.pk != session.facilitator_id:
        raise PermissionDenied("Only the session's facilitator can do that.")


def _require_live(session: PlanningSession, *states: str) -> None:
    states = states or (SessionState.RUNNING,)
    if session.state not in states:
        labels = " or ".join(SessionState(s).label.lower() for s in states)
        raise ValidationError(
            f"The session is {session.get_state_display().lower()}, not {labels}."
        )


def scoring_model(session: PlanningSession) -> scoring.ScoringModel:
    """The model every item of the session is scored with (estimation: points only)."""
    return selectors.scoring_model(session)


def _clean_settings(settings: SessionSettings, kind: str, workspace) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values = {name: getattr(settings, name) for name in SETTING_FIELDS}
    values["title"] = (settings.title or "").strip()[:200]
    values["team"] = (settings.team or "").strip()[:100]
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
        except scoring.ScoringError as error:
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
    _mark(session)
    return session


def _may_facilitate(actor: Actor, user: User) -> bool:
    membership = Membership.objects.filter(workspace=actor.workspace, user=user).first()
    return membership is not None and membership.role in (Role.ADMIN, Role.OPS_LEAD)


@transaction.atomic
def session_update(
    *, actor: Actor, session: PlanningSession, settings: SessionSettings
) -> PlanningSession:
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    if session.state == SessionState.ENDED:
        raise ValidationError("The session has ended; its settings stay as they were.")
    values = _clean_settings(settings, session.kind, actor.workspace)
    if session.state == SessionState.RUNNING and values["scoring_model"] != session.scoring_model:
        raise ValidationError(
            {"scoring_model": "The scoring model is fixed once the session runs."}
        )
    before = {name: getattr(session, name) for name in values}
    changed = {name: value for name, value in values.items() if before[name] != value}
    if changed:
        _bump(session, **changed)
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
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session, SessionState.DRAFT)
    _bump(session, state=SessionState.LOBBY)
    audit(actor, "planning_session.lobby_opened", session, after={"state": session.state})
    return session


@transaction.atomic
def session_start(*, actor: Actor, session: PlanningSession) -> PlanningSession:
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session, SessionState.DRAFT, SessionState.LOBBY)
    first_item = AgendaItem.objects.filter(session=session).order_by("position", "id").first()
    if first_item is None and session.kind != SessionKind.RETROSPECTIVE:
        raise ValidationError("Put at least one item on the agenda first.")
    now = timezone.now()
    _bump(
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
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session)
    index = session.phases.index(session.current_phase) + step
    if step not in (1, -1) or not 0 <= index < len(session.phases):
        raise ValidationError(
            "This is the last phase; end the session instead."
            if step > 0
            else "This is the first phase."
        )
    before = session.current_phase
    _bump(
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
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session)
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
    _bump(session, current_item=item, item_started_at=timezone.now(), reveal_due_at=None)
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
    session = _locked(actor, session)
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
    _bump(session, facilitator=to)
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
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session, SessionState.LOBBY, SessionState.RUNNING)
    _bump(session, state=SessionState.ENDED, ended_at=timezone.now(), reveal_due_at=None)
    audit(actor, "planning_session.ended", session, after={"state": session.state})
    return session


# Participants


@transaction.atomic
def participant_join(
    *, actor: Actor, session: PlanningSession, role: str = ParticipantRole.VOTER
) -> Participant:
    """The actor joins as a voter or spectator (or changes between the two)."""
    require(actor, Capability.JOIN_PLANNING)
    session = _locked(actor, session)
    if role not in (ParticipantRole.VOTER, ParticipantRole.SPECTATOR):
        raise ValidationError({"role": "Join as a voter or a spectator."})
    if session.state == SessionState.ENDED:
        raise ValidationError("The session has ended.")
    if actor.user is None:
        raise PermissionDenied("A person joins a session, not a token.")
    existing = Participant.objects.filter(session=session, user=actor.user).first()
    if existing and existing.role == ParticipantRole.FACILITATOR:
        return existing
    if existing and existing.role == role:
        return existing
    now = timezone.now()
    participant, _ = Participant.objects.update_or_create(
        session=session,
        user=actor.user,
        defaults={"role": role, "last_seen_at": now},
        create_defaults={"workspace": session.workspace, "role": role, "last_seen_at": now},
    )
    _bump(session)
    audit(
        actor,
        "planning_participant.joined",
        session,
        before={"role": existing.role} if existing else None,
        after={"user": actor.user.email, "role": role},
    )
    return participant


@transaction.atomic
def participant_invite(
    *, actor: Actor, session: PlanningSession, user: User, role: str = ParticipantRole.VOTER
) -> Participant:
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    if role not in (ParticipantRole.VOTER, ParticipantRole.SPECTATOR):
        raise ValidationError({"role": "Invite as a voter or a spectator."})
    if not Membership.objects.filter(workspace=actor.workspace, user=user).exists():
        raise ValidationError({"user": "Invite members of this workspace."})
    if user.pk == session.facilitator_id:
        raise ValidationError({"user": "The facilitator takes part already."})
    participant, created = Participant.objects.update_or_create(
        session=session,
        user=user,
        defaults={"role": role},
        create_defaults={"workspace": session.workspace, "role": role},
    )
    _bump(session)
    audit(
        actor,
        "planning_participant.invited",
        session,
        after={"user": user.email, "role": role, "new": created},
    )
    return participant


PRESENCE_TOUCH = timedelta(seconds=5)


def participant_seen(*, session_id: int, participant_id: int, last_seen_at) -> None:
    """Stamps presence from the poll. Coming back from absence bumps the session's version,
    so the others' pages show the person present; staying present changes nothing they see."""
    now = timezone.now()
    with transaction.atomic():
        Participant.objects.filter(pk=participant_id).update(last_seen_at=now)
        if last_seen_at is None or now - last_seen_at > selectors.PRESENCE_WINDOW:
            PlanningSession.objects.filter(pk=session_id).update(version=F("version") + 1)


@transaction.atomic
def participant_ready(*, actor: Actor, session: PlanningSession, ready: bool = True) -> Participant:
    require(actor, Capability.JOIN_PLANNING)
    session = _locked(actor, session)
    _require_live(session)
    participant = _participant(actor, session)
    phases = [p for p in participant.ready_phases if p != session.current_phase]
    if ready:
        phases.append(session.current_phase)
    if set(phases) != set(participant.ready_phases):
        participant.ready_phases = phases
        participant.save(update_fields=["ready_phases"])
        _bump(session)
        audit(
            actor,
            "planning_participant.ready" if ready else "planning_participant.not_ready",
            session,
            after={"phase": session.current_phase},
        )
    return participant


@transaction.atomic
def participant_summary_opt_out(
    *, actor: Actor, session: PlanningSession, opt_out: bool
) -> Participant:
    require(actor, Capability.JOIN_PLANNING)
    participant = _participant(actor, session)
    if participant.summary_opt_out != opt_out:
        participant.summary_opt_out = opt_out
        participant.save(update_fields=["summary_opt_out"])
        audit(actor, "planning_participant.summary_opt_out", session, after={"opt_out": opt_out})
    return participant


def _participant(actor: Actor, session: PlanningSession) -> Participant:
    found = (
        Participant.objects.filter(session=session, user=actor.user).first()
        if actor.user is not None
        else None
    )
    if found is None:
        raise ValidationError("Join the session first.")
    return found


# The agenda


def evidence_snapshot(idea: Idea) -> dict[str, Any]:
    """An idea's demand as it stands now (planning.evidence): kept on the agenda item to
    compare with later."""
    found = planning_evidence.idea_evidence(workspace=idea.workspace, idea_id=idea.pk)
    return {**found.snapshot(), "taken_at": timezone.now().isoformat()}


@transaction.atomic
def agenda_add(
    *,
    actor: Actor,
    session: PlanningSession,
    idea: Idea | None = None,
    contract: Contract | None = None,
    topic: str = "",
) -> AgendaItem:
    """Adds an idea, a tool contract up for renewal, or a free topic at the end of the agenda.

    Ops leads and admins add anything; PMs add ideas they own.
    """
    require(actor, Capability.ADD_AGENDA_ITEMS)
    session = _locked(actor, session)
    if session.state == SessionState.ENDED:
        raise ValidationError("The session has ended; its agenda stays as it was.")
    organiser = actor.can(Capability.RUN_PLANNING)
    subjects = [s for s in (idea, contract, topic.strip()) if s]
    if len(subjects) != 1:
        raise ValidationError("Add one idea, one contract or one topic.")
    evidence: dict[str, Any] = {}
    if idea is not None:
        if idea.workspace_id != actor.workspace.pk:
            raise ValidationError({"idea": "No such idea in this workspace."})
        if not organiser and idea.owner_id != getattr(actor.user, "pk", None):
            raise PermissionDenied("PMs add ideas they own.")
        if idea.merged_into_id:
            raise ValidationError({"idea": "This idea was merged into another; add that one."})
        if AgendaItem.objects.filter(session=session, idea=idea).exists():
            raise ValidationError({"idea": "This idea is on the agenda already."})
        evidence = evidence_snapshot(
            idea_selectors.idea(workspace=actor.workspace, idea_id=idea.pk)
        )
        kind = AgendaKind.IDEA
    elif contract is not None:
        if not organiser:
            raise PermissionDenied("Ops leads and admins put renewals on the agenda.")
        if contract.workspace_id != actor.workspace.pk:
            raise ValidationError({"contract": "No such contract in this workspace."})
        if AgendaItem.objects.filter(session=session, contract=contract).exists():
            raise ValidationError({"contract": "This renewal is on the agenda already."})
        evidence = {
            "notice_deadline": contract.notice_deadline.isoformat(),
            "renewal_date": contract.renewal_date.isoformat(),
            "annual_cost": str(contract.annual_cost),
        }
        kind = AgendaKind.CONTRACT
    else:
        if not organiser:
            raise PermissionDenied("Ops leads and admins add free topics.")
        kind = AgendaKind.TOPIC
    last = AgendaItem.objects.filter(session=session).aggregate(top=Max("position"))["top"]
    item = AgendaItem.objects.create(
        workspace=actor.workspace,
        session=session,
        kind=kind,
        idea=idea,
        contract=contract,
        topic=topic.strip()[:200],
        position=(last or 0) + 10,
        evidence=evidence,
        added_by=actor.user,
    )
    _bump(session)
    audit(actor, "planning_agenda.added", session, after={"item": item.pk, "title": str(item)})
    return item


@transaction.atomic
def agenda_remove(*, actor: Actor, session: PlanningSession, item: AgendaItem) -> None:
    """Takes an item off the agenda while nothing was voted or decided on it."""
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    if item.session_id != session.pk:
        raise ValidationError("That item is on another session's agenda.")
    if Vote.objects.filter(item=item).exists() or Decision.objects.filter(item=item).exists():
        raise ValidationError("This item has votes or a decision; it stays on the record.")
    title = str(item)
    if session.current_item_id == item.pk:
        session.current_item = None
    item.delete()
    _bump(session, current_item=session.current_item)
    audit(actor, "planning_agenda.removed", session, before={"item": item.pk, "title": title})


@transaction.atomic
def agenda_move(*, actor: Actor, session: PlanningSession, item: AgendaItem, step: int) -> None:
    """Swaps the item with its neighbour above (step -1) or below (1)."""
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    items = list(AgendaItem.objects.filter(session=session).order_by("position", "id"))
    ids = [i.pk for i in items]
    if item.pk not in ids:
        raise ValidationError("That item is on another session's agenda.")
    index = ids.index(item.pk)
    other = index + step
    if step not in (1, -1) or not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, row in enumerate(items):
        AgendaItem.objects.filter(pk=row.pk).update(position=(position + 1) * 10)
    _bump(session)
    audit(actor, "planning_agenda.moved", session, after={"item": item.pk, "step": step})


# Votes


def _late(message: str) -> LateVote:
    return LateVote(f"{message} Your vote was not counted.", code="late")


@transaction.atomic
def vote_cast(
    *, actor: Actor, session: PlanningSession, item: AgendaItem, values: dict[str, Any]
) -> list[Vote]:
    """Stores the actor's votes (field -> value as typed) on the current item's open round.

    A vote may change until the reveal. A vote for an item the room left, a round revealed or
    a phase that takes no votes raises LateVote, which pages and the API answer with 409.
    """
    require(actor, Capability.JOIN_PLANNING)
    session = _locked(actor, session)
    participant = _participant(actor, session)
    if not participant.is_voter:
        raise PermissionDenied("Spectators watch; they do not vote.")
    if session.state != SessionState.RUNNING:
        raise _late(f"The session is {session.get_state_display().lower()}.")
    if session.current_phase not in selectors.VOTING_PHASES:
        raise _late(f"The session moved on to “{session.phase_label}”.")
    if item.session_id != session.pk:
        raise ValidationError("That item is on another session's agenda.")
    item = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if session.current_item_id != item.pk:
        raise _late("The facilitator moved on to another item.")
    if item.is_revealed:
        raise _late("The votes on this item were revealed.")
    model = scoring_model(session)
    parsed: dict[str, Decimal] = {}
    errors: dict[str, str] = {}
    for name, raw in values.items():
        if raw in (None, ""):
            continue
        try:
            parsed[name] = model.field(name).scale_info.parse(raw)
        except scoring.ScoringError as error:
            errors[name] = str(error)
    if errors:
        raise ValidationError(errors)
    if not parsed:
        raise ValidationError("Give at least one value.")
    if model.key == scoring.DOT_VOTING.key:
        _check_dots(session, participant, item, int(parsed["dots"]))
    now = timezone.now()
    stored = []
    for name, number in parsed.items():
        vote, _ = Vote.objects.update_or_create(
            item=item,
            participant=participant,
            field=name,
            round=item.round,
            defaults={
                "value": model.field(name).scale_info.display(number),
                "number": float(number),
                "updated_at": now,
            },
            create_defaults={
                "workspace": session.workspace,
                "session": session,
                "value": model.field(name).scale_info.display(number),
                "number": float(number),
                "cast_at": now,
                "updated_at": now,
            },
        )
        stored.append(vote)
    changes: dict[str, Any] = {}
    if (
        session.auto_reveal
        and session.reveal_due_at is None
        and selectors.everyone_voted(session=session, item=item, fields=model.field_names)
    ):
        changes["reveal_due_at"] = now + AUTO_REVEAL_COUNTDOWN
    _bump(session, **changes)
    # The fields, never the values: the audit log is readable before the reveal.
    audit(
        actor,
        "planning_vote.cast",
        item,
        after={"fields": sorted(parsed), "round": item.round},
    )
    return stored


def _check_dots(
    session: PlanningSession, participant: Participant, item: AgendaItem, dots: int
) -> None:
    spent = dict(
        Vote.objects.filter(session=session, participant=participant, field="dots")
        .exclude(item=item)
        .values_list("item_id", "number")
    )
    spent = {key: int(value or 0) for key, value in spent.items()}
    spent[item.pk] = dots
    try:
        scoring.check_dots(
            spent,
            budget=session.vote_budget or 0,
            cap=session.vote_cap_per_item or session.vote_budget or 0,
        )
    except scoring.ScoringError as error:
        raise ValidationError({"dots": str(error)}) from None


@transaction.atomic
def item_reveal(
    *, actor: Actor, session: PlanningSession, item: AgendaItem | None = None
) -> AgendaItem:
    """Shows the votes of the item's open round to everyone at once."""
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session)
    item = _current_item(session, item)
    return _reveal(actor, session, item)


def _current_item(session: PlanningSession, item: AgendaItem | None) -> AgendaItem:
    item_id = item.pk if item is not None else session.current_item_id
    found = AgendaItem.objects.select_for_update().filter(pk=item_id, session=session).first()
    if found is None:
        raise ValidationError("There is no item on the table.")
    return found


def _reveal(actor: Actor, session: PlanningSession, item: AgendaItem) -> AgendaItem:
    if item.is_revealed:
        return item
    item.revealed_round = item.round
    item.save(update_fields=["revealed_round"])
    _bump(session, reveal_due_at=None)
    audit(actor, "planning_agenda.revealed", item, after={"round": item.round})
    return item


def reveal_when_due(*, session_id: int) -> bool:
    """The auto-reveal: reveals the current item once its countdown ran out (the poll calls
    this). Safe at once from every participant's poll: the lock lets one reveal."""
    with transaction.atomic():
        session = (
            PlanningSession.objects.select_for_update(of=("self",))
            .select_related("workspace")
            .filter(pk=session_id, reveal_due_at__lte=timezone.now())
            .first()
        )
        if session is None:
            return False
        if session.current_item_id is None or session.state != SessionState.RUNNING:
            _bump(session, reveal_due_at=None)
            return False
        item = AgendaItem.objects.select_for_update().get(pk=session.current_item_id)
        _reveal(Actor(workspace=session.workspace), session, item)
        return True


@transaction.atomic
def auto_reveal_cancel(*, actor: Actor, session: PlanningSession) -> PlanningSession:
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    if session.reveal_due_at is not None:
        _bump(session, reveal_due_at=None)
        audit(actor, "planning_session.auto_reveal_cancelled", session, after={})
    return session


@transaction.atomic
def item_revote(
    *, actor: Actor, session: PlanningSession, item: AgendaItem | None = None
) -> AgendaItem:
    """Opens a new hidden round on a revealed item; the earlier rounds are kept."""
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session)
    item = _current_item(session, item)
    if not item.is_revealed:
        raise ValidationError("Reveal this round before voting again.")
    item.round += 1
    item.save(update_fields=["round"])
    _bump(session, reveal_due_at=None)
    audit(actor, "planning_agenda.revote", item, after={"round": item.round})
    return item


@transaction.atomic
def item_accept_score(
    *, actor: Actor, session: PlanningSession, item: AgendaItem, values: dict[str, Any]
) -> AgendaItem:
    """Stores the values the room agreed (suggested from the revealed votes) and the score."""
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session)
    item = _current_item(session, item)
    if not item.is_revealed:
        raise ValidationError("Reveal the votes before accepting a score.")
    model = scoring_model(session)
    try:
        parsed = model.parse(values)
        score = model.score(parsed)
    except scoring.ScoringError as error:
        raise ValidationError(str(error)) from None
    before = {"values": item.final_values, "score": item.final_score}
    item.final_values = {
        name: model.field(name).scale_info.display(v) for name, v in parsed.items()
    }
    item.final_score = float(score)
    item.accepted_by = actor.user
    item.accepted_at = timezone.now()
    item.save(update_fields=["final_values", "final_score", "accepted_by", "accepted_at"])
    _bump(session)
    audit(
        actor,
        "planning_agenda.score_accepted",
        item,
        before=before,
        after={"values": item.final_values, "score": item.final_score},
    )
    return item


# Decisions


def _status_for(workspace, category: str):
    statuses = idea_selectors.statuses(workspace=workspace)
    return next((s for s in statuses if s.category == category), None)


@transaction.atomic
def decision_record(
    *,
    actor: Actor,
    session: PlanningSession,
    item: AgendaItem,
    outcome: str,
    rationale: str = "",
    estimate: Decimal | None = None,
    defer_until: date | None = None,
) -> Decision:
    """Records the room's decision on an item (replacing an earlier one).

    For an idea, commit moves it to a planned status and reject to a declined one through the
    ideas services, and prepares the message to the customers who asked, which waits for an
    ops lead to confirm it. The same decision twice (a double click) changes nothing.
    """
    session = _locked(actor, session)
    _require_facilitator(actor, session)
    _require_live(session)
    item = AgendaItem.objects.select_for_update().filter(pk=item.pk, session=session).first()
    if item is None:
        raise ValidationError("That item is on another session's agenda.")
    errors = {}
    if outcome not in DecisionOutcome.values:
        errors["outcome"] = "Choose commit, defer or reject."
    if outcome == DecisionOutcome.DEFER and defer_until is None:
        errors["defer_until"] = "Say until when it is deferred."
    if outcome != DecisionOutcome.DEFER:
        defer_until = None
    if estimate is not None and not Decimal(0) <= estimate < Decimal(10**6):
        errors["estimate"] = "Give an estimate from 0."
    if errors:
        raise ValidationError(errors)
    rationale = rationale.strip()
    existing = Decision.objects.filter(item=item).first()
    fields = {
        "outcome": outcome,
        "rationale": rationale,
        "estimate": estimate,
        "defer_until": defer_until,
    }
    if existing and all(getattr(existing, k) == v for k, v in fields.items()):
        return existing
    subject, message = "", ""
    category = DECISION_CATEGORY.get(outcome)
    if item.idea_id and category:
        subject, message = idea_services.default_message(category)
    decision, _ = Decision.objects.update_or_create(
        item=item,
        defaults={
            **fields,
            "decided_by": actor.user,
            "decided_at": timezone.now(),
            "announce_subject": subject,
            "announce_message": message,
        },
        create_defaults={
            **fields,
            "workspace": session.workspace,
            "session": session,
            "idea": item.idea,
            "decided_by": actor.user,
            "announce_subject": subject,
            "announce_message": message,
        },
    )
    if item.idea_id and category:
        idea = Idea.objects.select_related("status").get(pk=item.idea_id)
        if idea.status.category != category:
            idea_services.idea_update(
                actor=actor,
                idea=idea,
                expected_version=idea.version,
                status=_status_for(session.workspace, category),
            )
    _bump(session)
    audit(
        actor,
        "planning_decision.recorded",
        decision,
        before={"outcome": existing.outcome} if existing else None,
        after={
            "item": item.pk,
            "outcome": outcome,
            "estimate": str(estimate) if estimate is not None else None,
            "defer_until": defer_until.isoformat() if defer_until else None,
            "rationale": rationale,
        },
    )
    return decision


@transaction.atomic
def decision_announce(*, actor: Actor, decision: Decision, subject: str, message: str) -> Decision:
    """The ops lead confirms the previewed message: feedback's loop closure tells each person
    who asked, once per idea and outcome. Confirming twice sends nothing more."""
    require(actor, Capability.RUN_PLANNING)
    decision = (
        Decision.objects.select_for_update(of=("self",))
        .select_related("idea", "idea__status")
        .filter(pk=decision.pk, workspace=actor.workspace)
        .first()
    )
    if decision is None:
        raise ValidationError("No such decision in this workspace.")
    if decision.announced_at is not None:
        return decision
    category = DECISION_CATEGORY.get(decision.outcome)
    if decision.idea is None or category is None:
        raise ValidationError("Only a commit or reject of an idea is announced to customers.")
    if decision.idea.status.category != category:
        raise ValidationError(
            "The idea's status changed since the decision; close the loop from the idea's page."
        )
    closure = idea_services.loop_closure_create(
        actor=actor, idea=decision.idea, subject=subject, message=message, outcome=category
    )
    decision.announce_subject, decision.announce_message = closure.subject, closure.message
    decision.announced_at, decision.announced_by = timezone.now(), actor.user
    decision.loop_closure = closure
    decision.save(
        update_fields=[
            "announce_subject",
            "announce_message",
            "announced_at",
            "announced_by",
            "loop_closure",
        ]
    )
    audit(actor, "planning_decision.announced", decision, after={"closure": closure.pk})
    return decision
