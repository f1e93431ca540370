"""Reads of planning sessions: the scoring model, lists, the agenda, participants, who may
facilitate, what may go on the agenda, the team's capacity. Vote values are read only in
`selectors.votes`; the live room in `selectors.room`; what sessions decided in
`selectors.decisions`."""

from datetime import date, datetime, timedelta

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from feedback.models import Idea, StatusCategory
from inventory.models import Contract
from inventory.selectors import renewals as inventory_renewals
from planning import scoring
from planning.models import (
    AgendaItem,
    Participant,
    PlanningSession,
    SessionKind,
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


def session_scoring_model(session: PlanningSession) -> scoring.ScoringModel:
    if session.kind == SessionKind.ESTIMATION:
        return scoring.ESTIMATE
    return model_for_key(session.scoring_model or "rice", workspace=session.workspace)


def model_choices(*, workspace: Workspace) -> list[tuple[str, str]]:
    return [
        (model.key, model.name) for model in scoring_selectors.scoring_models(workspace=workspace)
    ]


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


def session_capacity(*, session: PlanningSession) -> capacity_selectors.CapacityFigures | None:
    """The capacity plan of the session's team covering the start of its period, with the load
    committed so far (this session's commits included); None without a team, period or plan."""
    if session.kind == SessionKind.RETROSPECTIVE or not (session.team and session.period_start):
        return None
    return capacity_selectors.team_capacity(
        workspace=session.workspace, team=session.team, on=session.period_start
    )


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


# The one rule of which ideas may go on an agenda: open or planned ones, not merged. An idea
# in progress, shipped or declined is past the room's decision; the room's "Add to the agenda"
# list (idea_choices) and the agenda service (agenda_refusal) both read it.
AGENDA_STATUS_CATEGORIES: tuple[str, ...] = (StatusCategory.OPEN, StatusCategory.PLANNED)


def agenda_refusal(idea: Idea) -> str | None:
    """Why `idea` may not go on an agenda (a sentence for the user), or None when it may.

    Reads idea.status (one query unless select_related)."""
    if idea.merged_into_id:
        return "This idea was merged into another; add that one."
    if idea.status.category not in AGENDA_STATUS_CATEGORIES:
        return (
            f"This idea is {idea.status.get_category_display().lower()} already; "
            "only open or planned ideas go on an agenda."
        )
    return None


def idea_choices(*, workspace: Workspace, owner: User | None = None) -> list[Idea]:
    """Ideas that may go on an agenda (AGENDA_STATUS_CATEGORIES, not merged), by title; a PM's
    own only, when `owner` is given. At most 300."""
    queryset = Idea.objects.filter(
        workspace=workspace,
        merged_into__isnull=True,
        status__category__in=AGENDA_STATUS_CATEGORIES,
    )
    if owner is not None:
        queryset = queryset.filter(owner=owner)
    return list(queryset.only("id", "title").order_by("title")[:300])
