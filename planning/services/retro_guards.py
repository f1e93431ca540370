"""What every write inside a retrospective shares: the locked retro, the phase guard, the seat of
one who takes part, the text check and the group lookup.

Used by planning.services.retro (prompts, reflections, groups, votes, notes) and
planning.services.action_items; each raises ValidationError (PermissionDenied for a spectator)
with a message for the person acting.
"""

from django.core.exceptions import PermissionDenied, ValidationError

from planning.models import Participant, PlanningSession, ReflectionGroup, SessionKind, SessionState
from planning.services import live
from productops.access import Actor, require
from productops.capabilities import Capability


def locked_retro(actor: Actor, session: PlanningSession) -> PlanningSession:
    """The retro's row, locked; refuses another kind of session."""
    session = live.locked(actor, session)
    if session.kind != SessionKind.RETROSPECTIVE:
        raise ValidationError("That is not a retrospective.")
    return session


def require_phase(session: PlanningSession, *phases: str) -> None:
    if session.state != SessionState.RUNNING or session.current_phase not in phases:
        names = " or ".join(p.replace("_", " ") for p in phases)
        raise ValidationError(f"The retro has moved on: this can be done in the {names} phase.")


def retro_seat(actor: Actor, session: PlanningSession) -> Participant:
    """The actor's seat in the session, as one who takes part (spectators only watch)."""
    require(actor, Capability.JOIN_PLANNING)
    found = live.seat(actor, session, missing="Join the retro first.")
    if not found.is_voter:
        raise PermissionDenied("Spectators watch the retro; they add nothing.")
    return found


def clean_text(value: str, limit: int, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: f"Write {what}."})
    if len(text) > limit:
        raise ValidationError({field: f"Keep it under {limit} characters."})
    if "\x00" in text:
        raise ValidationError({field: "That text holds a character that cannot be stored."})
    return text


def retro_group(session: PlanningSession, group_id: int) -> ReflectionGroup:
    found = ReflectionGroup.objects.filter(session=session, pk=group_id).first()
    if found is None:
        raise ValidationError("That group is gone: someone merged or emptied it.")
    return found
