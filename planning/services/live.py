"""What every write to a live session shares: the locked row, the version bump, the guards.

Each service locks the session row first (`locked`), so changes to one session are applied one
at a time and its version rises by exactly one per change: the poll's "nothing changed" test is
a comparison of two integers. Every rise goes through `bump` or `touch`, which replace
the session's stamp, so no poll lease kept in the cache outlives the version it was granted at
(planning/poll_lease.py).
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from planning import poll_lease
from planning.models import Participant, PlanningSession, SessionState
from planning.selectors import sessions as selectors
from productops.access import Actor, require
from productops.audit import mark_changed
from productops.capabilities import Capability
from productops.models import User


def mark_decisions(session: PlanningSession) -> None:
    """The session's decisions changed (or the period they count in): for the rollups of
    decisions per period, which read no session's live state (so votes mark nothing here)."""
    mark_changed(session.workspace, "decisions", bucket=str(session.pk))


def locked(actor: Actor, session: PlanningSession) -> PlanningSession:
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


def bump(session: PlanningSession, **changes: Any) -> PlanningSession:
    """Saves `changes` and the next version: what every participant's next poll picks up."""
    for name, value in changes.items():
        setattr(session, name, value)
    session.version += 1
    session.save(update_fields=[*changes, "version"])
    poll_lease.version_moved(session.pk)
    return session


def touch(session_ids: Iterable[int]) -> None:
    """Bumps sessions whose pages show something that changed elsewhere (a capacity plan, an
    action item, someone back from absence), without locking them: their next poll answers
    the new figures."""
    for pk in session_ids:
        PlanningSession.objects.filter(pk=pk).update(version=F("version") + 1)
        poll_lease.version_moved(pk)


def require_facilitator(actor: Actor, session: PlanningSession) -> User:
    """The facilitator acting (a person, never a token); PermissionDenied for anyone else."""
    require(actor, Capability.RUN_PLANNING)
    if actor.user is None or actor.user.pk != session.facilitator_id:
        raise PermissionDenied("Only the session's facilitator can do that.")
    return actor.user


def require_live(session: PlanningSession, *states: str) -> None:
    """Refuses unless the session is in one of `states` (running when none are named)."""
    states = states or (SessionState.RUNNING,)
    if session.state not in states:
        labels = " or ".join(SessionState(s).label.lower() for s in states)
        raise ValidationError(
            f"The session is {session.get_state_display().lower()}, not {labels}."
        )


def seat(actor: Actor, session: PlanningSession, *, missing: str) -> Participant:
    """The actor's participant row; ValidationError(`missing`) when they have not joined."""
    found = selectors.participant_of(session=session, user=actor.user)
    if found is None:
        raise ValidationError(missing)
    return found
