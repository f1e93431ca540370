"""Writes of who takes part in a session: joining, invitations, presence, the ready flag and
the summary email's opt-out."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import Participant, ParticipantRole, PlanningSession, SessionState
from planning.selectors import sessions as selectors
from planning.services import live
from productops.access import Actor, require
from productops.audit import audit
from productops.capabilities import Capability
from productops.models import Membership, User


@transaction.atomic
def participant_join(
    *, actor: Actor, session: PlanningSession, role: str = ParticipantRole.VOTER
) -> Participant:
    """The actor joins as a voter or spectator (or changes between the two)."""
    require(actor, Capability.JOIN_PLANNING)
    session = live.locked(actor, session)
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
    live.bump(session)
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
    session = live.locked(actor, session)
    live.require_facilitator(actor, session)
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
    live.bump(session)
    audit(
        actor,
        "planning_participant.invited",
        session,
        after={"user": user.email, "role": role, "new": created},
    )
    return participant


PRESENCE_TOUCH = timedelta(seconds=5)


def participant_seen(
    *, session_id: int, participant_id: int, last_seen_at: datetime | None
) -> None:
    """Stamps presence from the poll. Coming back from absence bumps the session's version,
    so the others' pages show the person present; staying present changes nothing they see."""
    now = timezone.now()
    with transaction.atomic():
        Participant.objects.filter(pk=participant_id).update(last_seen_at=now)
        if last_seen_at is None or now - last_seen_at > selectors.PRESENCE_WINDOW:
            live.touch([session_id])


@transaction.atomic
def participant_ready(*, actor: Actor, session: PlanningSession, ready: bool = True) -> Participant:
    require(actor, Capability.JOIN_PLANNING)
    session = live.locked(actor, session)
    live.require_live(session)
    participant = live.seat(actor, session, missing="Join the session first.")
    phases = [p for p in participant.ready_phases if p != session.current_phase]
    if ready:
        phases.append(session.current_phase)
    if set(phases) != set(participant.ready_phases):
        participant.ready_phases = phases
        participant.save(update_fields=["ready_phases"])
        live.bump(session)
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
    participant = live.seat(actor, session, missing="Join the session first.")
    if participant.summary_opt_out != opt_out:
        participant.summary_opt_out = opt_out
        participant.save(update_fields=["summary_opt_out"])
        audit(actor, "planning_participant.summary_opt_out", session, after={"opt_out": opt_out})
    return participant
