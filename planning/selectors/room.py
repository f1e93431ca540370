"""Reads of the live room: everything a participant's page shows, in a fixed number of
queries, and the poll's one statement that says whether anything changed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from planning import scoring
from planning.models import (
    AgendaItem,
    Participant,
    PlanningSession,
    SessionState,
)
from planning.selectors import capacity as capacity_selectors
from planning.selectors.sessions import (
    PRESENCE_WINDOW,
    VOTING_PHASES,
    agenda,
    is_present,
    participants,
    session_capacity,
    session_scoring_model,
)
from planning.selectors.votes import FieldResult, field_results, own_votes, voter_ids
from productops.models import User


@dataclass
class Seat:
    participant: Participant
    present: bool
    voted: bool
    ready: bool


@dataclass
class Room:
    session: PlanningSession
    model: scoring.ScoringModel | None
    agenda: list[AgendaItem]
    seats: list[Seat]
    me: Participant | None
    item: AgendaItem | None
    my_votes: dict[str, str]
    results: list[FieldResult]
    votes_in: int
    voters: int
    phase_deadline: datetime | None
    item_deadline: datetime | None
    reveal_in: int | None  # seconds left of the auto-reveal countdown
    # The team's capacity for the period, its committed load including this room's decisions.
    capacity: capacity_selectors.CapacityFigures | None = None
    is_facilitator: bool = False  # the viewer facilitates (kept when `me` is left out)

    @property
    def voting_open(self) -> bool:
        return (
            self.session.state == SessionState.RUNNING
            and self.session.current_phase in VOTING_PHASES
            and self.item is not None
            and not self.item.is_revealed
        )

    @property
    def can_vote(self) -> bool:
        return self.voting_open and self.me is not None and self.me.is_voter


def room(*, session: PlanningSession, user: User | None, now: datetime | None = None) -> Room:
    now = now or timezone.now()
    model = session_scoring_model(session) if session.has.agenda else None
    items = agenda(session=session) if session.has.agenda else []
    item = next((i for i in items if i.pk == session.current_item_id), None)
    people = participants(session=session)
    voted = voter_ids(item=item) if item else set()
    me = next((p for p in people if user is not None and p.user_id == user.pk), None)
    seats = [
        Seat(
            participant=p,
            present=is_present(p, now),
            voted=p.pk in voted,
            ready=session.current_phase in p.ready_phases,
        )
        for p in people
    ]
    names = {p.pk: p.user.display_name for p in people}
    results = field_results(session=session, item=item, names=names) if item and model else []
    voters = [s for s in seats if s.participant.is_voter]

    def deadline(started, seconds):
        return started + timedelta(seconds=seconds) if started and seconds else None

    reveal_in = None
    if session.reveal_due_at is not None:
        reveal_in = max(0, int((session.reveal_due_at - now).total_seconds() + 0.999))
    return Room(
        session=session,
        model=model,
        agenda=items,
        seats=seats,
        me=me,
        item=item,
        my_votes=own_votes(participant=me, item=item) if me and item else {},
        results=results,
        votes_in=sum(1 for s in voters if s.voted),
        voters=len(voters),
        phase_deadline=deadline(session.phase_started_at, session.phase_timer_seconds),
        item_deadline=deadline(session.item_started_at, session.item_timer_seconds),
        reveal_in=reveal_in,
        capacity=session_capacity(session=session) if session.has.agenda else None,
        is_facilitator=me is not None and me.user_id == session.facilitator_id,
    )


def present_ids(*, session: PlanningSession, now: datetime) -> tuple[int, ...]:
    """The participants present at `now` (one small query): whose presence the room shows."""
    seen = Participant.objects.filter(session=session).values_list("pk", "last_seen_at")
    return tuple(sorted(pk for pk, at in seen if at is not None and now - at <= PRESENCE_WINDOW))


@dataclass(frozen=True)
class PollState:
    """The viewer's user row (for the sign-in check), their role in the workspace, the
    session's version and the viewer's presence. `role` and `version` are None when the viewer
    is not a member or the session is not the workspace's."""

    password: str
    is_active: bool
    role: str | None
    version: int | None
    reveal_due_at: datetime | None
    participant_id: int | None
    last_seen_at: datetime | None


_POLL = """
    SELECT u.password, u.is_active, m.role, s.version, s.reveal_due_at, p.id, p.last_seen_at
      FROM productops_user u
      LEFT JOIN productops_workspace w ON w.slug = %s
      LEFT JOIN productops_membership m ON m.workspace_id = w.id AND m.user_id = u.id
      LEFT JOIN planning_planningsession s ON s.id = %s AND s.workspace_id = m.workspace_id
      LEFT JOIN planning_participant p ON p.session_id = s.id AND p.user_id = u.id
     WHERE u.id = %s
"""


def poll_state(*, slug: str, session_id: int, user_id: int) -> PollState | None:
    """Sign-in, membership, the session's version and the viewer's presence in one statement
    (the user's row, so the caller verifies the session against it: productops.signed_in).
    None when there is no such user."""
    with connection.cursor() as cursor:
        cursor.execute(_POLL, [slug, session_id, user_id])
        row = cursor.fetchone()
    return PollState(*row) if row else None
