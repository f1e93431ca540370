"""Every read of live planning sessions.

This module is the one place that reads vote values, and it reads only revealed ones
(`revealed_votes`) or the viewer's own (`own_votes`). Everything else about votes is who has
voted and how many: `voter_ids`. So no page, fragment, poll answer, CSV, API answer or email can
carry a hidden value, because none of them can get one.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from feedback.models import Idea, StatusCategory
from inventory.models import Contract
from inventory.selectors import renewals as inventory_renewals
from planning import scoring
from planning.models import (
    ActionItem,
    AgendaItem,
    Decision,
    DecisionOutcome,
    Participant,
    ParticipantRole,
    PlanningSession,
    SessionKind,
    SessionState,
    Vote,
)
from planning.selectors import capacity as capacity_selectors
from planning.selectors import scoring as scoring_selectors
from productops import clock
from productops.models import Membership, Role, User, Workspace

PRESENCE_WINDOW = timedelta(seconds=15)  # seen within this: present
VOTING_PHASES = frozenset({"score", "estimate", "review"})


def model_for_key(key: str, *, workspace: Workspace) -> scoring.ScoringModel:
    """A built-in model, the workspace's formula ("formula:<id>"), or estimation's points."""
    if key == scoring.ESTIMATE.key:
        return scoring.ESTIMATE
    return scoring_selectors.scoring_model(workspace=workspace, key=key)


def scoring_model(session: PlanningSession) -> scoring.ScoringModel:
    if session.kind == SessionKind.ESTIMATION:
        return scoring.ESTIMATE
    return model_for_key(session.scoring_model or "rice", workspace=session.workspace)


def model_choices(*, workspace: Workspace) -> list[tuple[str, str]]:
    return [
        (model.key, model.name) for model in scoring_selectors.scoring_models(workspace=workspace)
    ]


# Lists


def sessions(*, workspace: Workspace, state: str | None = None) -> QuerySet[PlanningSession]:
    """Sessions newest first, each with its counts in the same query."""
    queryset = PlanningSession.objects.filter(workspace=workspace)
    if state:
        queryset = queryset.filter(state=state)
    return (
        queryset.select_related("facilitator")
        .annotate(
            participant_count=Count("participants", distinct=True),
            item_count=Count("items", distinct=True),
            decision_count=Count("decisions", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def session(*, workspace: Workspace, session_id: int) -> PlanningSession:
    return get_object_or_404(
        PlanningSession.objects.select_related("facilitator", "workspace"),
        workspace=workspace,
        pk=session_id,
    )


def agenda(*, session: PlanningSession) -> list[AgendaItem]:
    return list(
        AgendaItem.objects.filter(session=session)
        .select_related(
            "idea", "idea__status", "contract", "contract__tool", "decision", "decision__decided_by"
        )
        .order_by("position", "id")
    )


def agenda_item(*, session: PlanningSession, item_id: int) -> AgendaItem:
    return get_object_or_404(AgendaItem, session=session, pk=item_id)


def participants(*, session: PlanningSession) -> list[Participant]:
    return list(
        Participant.objects.filter(session=session)
        .select_related("user")
        .order_by("role", "user__name", "user__email")
    )


def participant_of(*, session: PlanningSession, user: User | None) -> Participant | None:
    if user is None:
        return None
    return Participant.objects.filter(session=session, user=user).first()


def facilitators(*, workspace: Workspace) -> QuerySet[User]:
    """Who may facilitate: the workspace's ops leads and admins."""
    ids = Membership.objects.filter(
        workspace=workspace, role__in=[Role.ADMIN, Role.OPS_LEAD]
    ).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("name", "email")


def members(*, workspace: Workspace) -> QuerySet[User]:
    ids = Membership.objects.filter(workspace=workspace).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("name", "email")


def is_present(participant: Participant, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        participant.last_seen_at is not None and now - participant.last_seen_at <= PRESENCE_WINDOW
    )


# Votes: the only reads of values


def revealed_votes(*, session: PlanningSession) -> QuerySet[Vote]:
    """Votes whose round was revealed: the only values any answer may carry."""
    return Vote.objects.filter(session=session, round__lte=F("item__revealed_round"))


def own_votes(*, participant: Participant, item: AgendaItem) -> dict[str, str]:
    """The participant's own votes on the item's open round (field -> value as cast)."""
    return dict(
        Vote.objects.filter(participant=participant, item=item, round=item.round).values_list(
            "field", "value"
        )
    )


def voter_ids(*, item: AgendaItem) -> set[int]:
    """Participants who voted on the item's open round: names may show, values never."""
    return set(
        Vote.objects.filter(item=item, round=item.round).values_list("participant_id", flat=True)
    )


def votes_in(*, session: PlanningSession) -> dict[int, int]:
    """Per item: how many participants voted on its open round (a count, never values)."""
    return dict(
        Vote.objects.filter(session=session, round=F("item__round"))
        .values("item_id")
        .annotate(n=Count("participant_id", distinct=True))
        .values_list("item_id", "n")
    )


def own_votes_in(*, session: PlanningSession, user: User | None) -> QuerySet[Vote]:
    """The user's own votes in the session, every round (what the API's votes/ answers)."""
    return Vote.objects.filter(session=session, participant__user=user).order_by(
        "item_id", "round", "field"
    )


def everyone_voted(*, session: PlanningSession, item: AgendaItem, fields: list[str]) -> bool:
    """Every present voter (not spectators) voted every field on the item's open round."""
    now = timezone.now()
    voters = [
        p
        for p in Participant.objects.filter(session=session).exclude(role=ParticipantRole.SPECTATOR)
        if is_present(p, now)
    ]
    if not voters:
        return False
    complete = (
        Vote.objects.filter(item=item, round=item.round, field__in=fields)
        .values("participant_id")
        .annotate(n=Count("field", distinct=True))
        .filter(n=len(fields))
        .values_list("participant_id", flat=True)
    )
    return {p.pk for p in voters} <= set(complete)


@dataclass
class FieldResult:
    """A revealed round's votes on one field, with what they suggest."""

    name: str
    label: str
    votes: list[tuple[str, str]]  # (participant name, value)
    suggestion: scoring.FinalSuggestion | None
    display: dict[str, str] = field(default_factory=dict)  # suggestion figures as on the scale


def field_results(
    *, session: PlanningSession, item: AgendaItem, names: dict[int, str]
) -> list[FieldResult]:
    """The latest revealed round of `item`, field by field; empty while it is hidden."""
    if item.revealed_round == 0:
        return []
    model = scoring_model(session)
    rows = list(
        revealed_votes(session=session)
        .filter(item=item, round=item.revealed_round)
        .order_by("field", "participant_id")
        .values_list("field", "participant_id", "value", "number")
    )
    return _results(model, rows, names)


def _results(model, rows, names) -> list[FieldResult]:
    by_field: dict[str, list] = defaultdict(list)
    for name, participant_id, value, number in rows:
        by_field[name].append((names.get(participant_id, "Someone"), value, number))
    results = []
    for score_field in model.fields:
        votes = by_field.get(score_field.name, [])
        numbers = [Decimal(str(n)) for _, _, n in votes if n is not None]
        suggestion = scoring.suggest_final(numbers, score_field.scale_info) if numbers else None
        display = {}
        if suggestion:
            scale = score_field.scale_info
            display = {
                k: scale.display(getattr(suggestion, k))
                for k in ("median", "mode", "low", "high", "suggested")
            }
            display["spread"] = format(suggestion.spread.normalize(), "f")
        results.append(
            FieldResult(
                name=score_field.name,
                label=score_field.label,
                votes=[(who, value) for who, value, _ in votes],
                suggestion=suggestion,
                display=display,
            )
        )
    return results


# The room: everything a participant's page shows, read in a fixed number of queries


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

    @property
    def is_facilitator(self) -> bool:
        return self.me is not None and self.me.user_id == self.session.facilitator_id


def room(*, session: PlanningSession, user: User | None) -> Room:
    now = timezone.now()
    model = None if session.kind == SessionKind.RETROSPECTIVE else scoring_model(session)
    items = agenda(session=session)
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
        capacity=session_capacity(session=session),
    )


def session_capacity(*, session: PlanningSession) -> capacity_selectors.CapacityFigures | None:
    """The capacity plan of the session's team covering the start of its period, with the load
    committed so far (this session's commits included); None without a team, period or plan."""
    if session.kind == SessionKind.RETROSPECTIVE or not (session.team and session.period_start):
        return None
    return capacity_selectors.team_capacity(
        workspace=session.workspace, team=session.team, on=session.period_start
    )


# The poll: one query says whether anything changed


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


# Choices for the agenda


def renewal_horizon(*, session: PlanningSession) -> date:
    """The day the next session of the team happens (its renewals must be decided before it),
    else the end of this session's period, else 90 days from now."""
    if session.scheduled_at is not None:
        following = (
            PlanningSession.objects.filter(
                workspace=session.workspace_id,
                team=session.team,
                scheduled_at__gt=session.scheduled_at,
            )
            .order_by("scheduled_at")
            .values_list("scheduled_at", flat=True)
            .first()
        )
        if following is not None:
            return clock.workspace_date(session.workspace, following)
    return session.period_end or clock.workspace_today(session.workspace) + timedelta(days=90)


def renewals_before(*, workspace: Workspace, day: date) -> list[Contract]:
    """Current contracts whose notice deadline falls from the workspace's today up to `day`."""
    today = clock.workspace_today(workspace)
    return list(
        inventory_renewals.renewals_due(workspace=workspace, days=366 * 3, today=today)
        .filter(deadline__gte=today, deadline__lte=day)
        .order_by("deadline")[:100]
    )


def idea_choices(*, workspace: Workspace, owner: User | None = None) -> list[Idea]:
    """Open ideas to put on an agenda (a PM's own only, when `owner` is given)."""
    queryset = Idea.objects.filter(
        workspace=workspace,
        merged_into__isnull=True,
        status__category__in=[StatusCategory.OPEN, StatusCategory.PLANNED],
    )
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    return list(queryset.only("id", "title").order_by("title")[:300])


# After the session


@dataclass
class SummaryRow:
    item: AgendaItem
    decision: Decision | None
    results: list[FieldResult]


@dataclass
class Summary:
    session: PlanningSession
    rows: list[SummaryRow]
    committed_load: Decimal
    decided: int
    # Filled where the team's capacity for the period and the retro's actions are known.
    capacity: Decimal | None = None
    action_items: list = field(default_factory=list)

    @property
    def over_capacity(self) -> bool:
        return self.capacity is not None and self.committed_load > self.capacity


def summary(*, session: PlanningSession) -> Summary:
    """Each item with its decision, its accepted score and the spread of its last revealed
    round; the committed load (the agreed estimates of what was committed)."""
    items = agenda(session=session)
    names = {
        p.pk: p.user.display_name
        for p in Participant.objects.filter(session=session).select_related("user")
    }
    model = None if session.kind == SessionKind.RETROSPECTIVE else scoring_model(session)
    rows_by_item: dict[int, list] = defaultdict(list)
    if model is not None:
        latest = (
            revealed_votes(session=session)
            .filter(round=F("item__revealed_round"))
            .order_by("item_id", "field", "participant_id")
            .values_list("item_id", "field", "participant_id", "value", "number")
        )
        for item_id, *rest in latest:
            rows_by_item[item_id].append(tuple(rest))
    rows, load, decided = [], Decimal(0), 0
    for item in items:
        decision = getattr(item, "decision", None)
        if decision is not None:
            decided += 1
            if decision.outcome == DecisionOutcome.COMMIT and decision.estimate is not None:
                load += decision.estimate
        results = _results(model, rows_by_item.get(item.pk, []), names) if model else []
        rows.append(SummaryRow(item=item, decision=decision, results=results))
    figures = session_capacity(session=session)
    capacity = figures.capacity if figures else None
    return Summary(
        session=session,
        rows=rows,
        committed_load=load,
        decided=decided,
        capacity=capacity,
        action_items=list(
            ActionItem.objects.filter(session=session).select_related("owner").order_by("id")
        ),
    )


def decision(*, workspace: Workspace, decision_id: int) -> Decision:
    return get_object_or_404(
        Decision.objects.select_related("idea", "idea__status", "session", "item", "decided_by"),
        workspace=workspace,
        pk=decision_id,
    )


def decisions(*, session: PlanningSession) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(session=session)
        .select_related("item", "idea", "decided_by")
        .order_by("item__position", "item_id")
    )


@dataclass
class IdeaHistoryRow:
    session: PlanningSession
    item: AgendaItem
    decision: Decision | None


def idea_history(*, workspace: Workspace, idea: Idea) -> list[IdeaHistoryRow]:
    """The sessions that had the idea on the agenda, newest first, with score and decision."""
    items = (
        AgendaItem.objects.filter(workspace=workspace, idea=idea)
        .select_related("session", "decision", "decision__decided_by")
        .order_by("-session__created_at", "-id")[:50]
    )
    return [
        IdeaHistoryRow(session=i.session, item=i, decision=getattr(i, "decision", None))
        for i in items
    ]


def latest_decisions(*, workspace: Workspace, idea_ids: list[int]) -> dict[int, Decision]:
    """Each idea's latest decision (for the ideas board's badges)."""
    found: dict[int, Decision] = {}
    rows = (
        Decision.objects.filter(workspace=workspace, idea_id__in=idea_ids)
        .select_related("session")
        .order_by("idea_id", "-decided_at", "-id")
        .distinct("idea_id")
    )
    for row in rows:
        found[row.idea_id] = row
    return found


def planned_for(workspace: Workspace, idea_ids: Sequence[int]) -> dict[int, str]:
    """ "Planned for <period>" per idea whose latest decision committed it in a session with a
    planning period (the public roadmap's note); one query."""
    found = {}
    for idea_id, decision in latest_decisions(workspace=workspace, idea_ids=list(idea_ids)).items():
        label = decision.session.period_label
        if decision.outcome == DecisionOutcome.COMMIT and label:
            found[idea_id] = f"Planned for {label}"
    return found


def summary_recipients(*, session: PlanningSession) -> list[Participant]:
    """Participants who get the summary email: everyone who took part and did not opt out."""
    return list(
        Participant.objects.filter(session=session, summary_opt_out=False)
        .select_related("user")
        .exclude(user__email="")
        .filter(Q(user__is_active=True))
        .order_by("user__email")
    )
