"""Reads of retrospectives: the board a participant sees, action items, the share done per team.

What a participant sees of reflections depends on the phase, so nobody anchors on others'
words: while the room reflects, each person sees their own reflections and only a count of the
others'; from the group phase on, everyone's. When the session's reflections are anonymous,
no reflection carries its author (the board marks only the viewer's own as "yours").
Dot totals per group show from the discuss phase on; before, each person sees their own dots.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from planning.models import (
    DEFAULT_PROMPTS,
    ActionItem,
    ActionStatus,
    DiscussionNote,
    Participant,
    PlanningSession,
    Reflection,
    ReflectionGroup,
    RetroPrompt,
    RetroTemplate,
    RetroVote,
    SessionKind,
)
from productops.models import User, Workspace
from productops.validation import FILTER_TEXT, ID, Choice

SHARED_FROM = ("group", "vote", "discuss", "wrap_up")
ACTION_PAGE = 200  # action items shown on the page, open first
DEFAULT_DOT_BUDGET = 5
DEFAULT_DOT_CAP = 3
TOTALS_FROM = ("discuss", "wrap_up")


@dataclass
class CardView:
    """A reflection as the viewer may see it."""

    pk: int
    text: str
    prompt: str
    mine: bool
    author: str  # "" when anonymous


@dataclass
class GroupView:
    group: ReflectionGroup
    cards: list[CardView] = field(default_factory=list)
    my_dots: int = 0
    total_dots: int | None = None  # shown from the discuss phase
    notes: list[DiscussionNote] = field(default_factory=list)


@dataclass
class ColumnView:
    prompt_id: int | None
    text: str
    cards: list[CardView] = field(default_factory=list)
    others: int = 0  # others' reflections, counted but not shown while reflecting


@dataclass
class Board:
    session: PlanningSession
    columns: list[ColumnView]
    groups: list[GroupView]
    shared: bool
    anonymous: bool
    budget: int
    cap: int
    dots_left: int
    totals_shown: bool
    actions: list[ActionItem]
    last_actions: list[ActionItem]
    notes: list[DiscussionNote]


def dot_rules(session: PlanningSession) -> tuple[int, int]:
    """(budget per person, cap per group): the session's vote settings, else 5 and 3."""
    budget = session.vote_budget or DEFAULT_DOT_BUDGET
    cap = min(session.vote_cap_per_item or DEFAULT_DOT_CAP, budget)
    return budget, cap


def prompts(*, session: PlanningSession) -> list[RetroPrompt]:
    """The prompts the retro's facilitator chose, in order (none until chosen or reflected)."""
    return list(RetroPrompt.objects.filter(session=session).order_by("position"))


def _prompts(session: PlanningSession) -> list[tuple[int | None, str]]:
    rows = prompts(session=session)
    if rows:
        return [(p.pk, p.text) for p in rows]
    return [(None, text) for text in DEFAULT_PROMPTS]  # made on the first reflection


def board(*, session: PlanningSession, user: User | None) -> Board:
    """The retro as `user` sees it, in a constant number of queries."""
    me = Participant.objects.filter(session=session, user=user).first() if user else None
    shared = session.current_phase in SHARED_FROM or session.state == "ended"
    anonymous = session.anonymous_reflections
    columns = {pk: ColumnView(pk, text) for pk, text in _prompts(session)}
    groups = {
        g.pk: GroupView(g)
        for g in ReflectionGroup.objects.filter(session=session).order_by("position", "id")
    }
    reflections = Reflection.objects.filter(session=session).select_related("prompt", "author")
    for reflection in reflections.order_by("created_at", "id"):
        mine = user is not None and reflection.author_id == user.pk
        if not shared and not mine:
            column = columns.get(reflection.prompt_id)
            if column is not None:
                column.others += 1
            continue
        card = CardView(
            pk=reflection.pk,
            text=reflection.text,
            prompt=reflection.prompt.text,
            mine=mine,
            author="" if anonymous else reflection.author.display_name,
        )
        if reflection.group_id in groups:
            groups[reflection.group_id].cards.append(card)
        elif reflection.prompt_id in columns:
            columns[reflection.prompt_id].cards.append(card)
    budget, cap = dot_rules(session)
    spent = 0
    if me is not None:
        for group_id, dots in RetroVote.objects.filter(session=session, participant=me).values_list(
            "group_id", "dots"
        ):
            spent += dots
            if group_id in groups:
                groups[group_id].my_dots = dots
    totals_shown = session.current_phase in TOTALS_FROM or session.state == "ended"
    if totals_shown:
        totals = (
            RetroVote.objects.filter(session=session)
            .values_list("group_id")
            .annotate(n=Sum("dots"))
        )
        for group_id, total in totals:
            if group_id in groups:
                groups[group_id].total_dots = total
        for view in groups.values():
            view.total_dots = view.total_dots or 0
    loose_notes = []
    for note in DiscussionNote.objects.filter(session=session).select_related("author"):
        if note.group_id in groups:
            groups[note.group_id].notes.append(note)
        else:
            loose_notes.append(note)
    ordered_groups = list(groups.values())
    if totals_shown:
        ordered_groups.sort(key=lambda view: (-(view.total_dots or 0), view.group.position))
    return Board(
        session=session,
        columns=list(columns.values()),
        groups=ordered_groups,
        shared=shared,
        anonymous=anonymous,
        budget=budget,
        cap=cap,
        dots_left=budget - spent,
        totals_shown=totals_shown,
        actions=list(
            ActionItem.objects.filter(session=session)
            .select_related("owner", "group")
            .order_by("id")
        ),
        last_actions=last_actions(session=session),
        notes=loose_notes,
    )


def last_actions(*, session: PlanningSession) -> list[ActionItem]:
    """Open action items of the team's earlier retros, the latest retro's first: what the
    "review last actions" phase opens with."""
    if not session.team:
        return []
    return list(
        ActionItem.objects.filter(
            workspace=session.workspace_id,
            team=session.team,
            status=ActionStatus.OPEN,
            session__kind=SessionKind.RETROSPECTIVE,
            session__created_at__lt=session.created_at,
        )
        .exclude(session=session)
        .select_related("owner", "session")
        .order_by("-session__created_at", "due_on", "id")[:100]
    )


@dataclass
class RetroSummary:
    """What a retro produced, as `board` shows it to the viewer, plus the earlier action items
    it reviewed (`reviewed`: marked done or dropped in this retro, with their new status)."""

    board: Board
    reviewed: list[ActionItem]

    @property
    def reflections(self) -> int:
        """Reflections the viewer may read (others' are counted in columns while reflecting)."""
        grouped = sum(len(view.cards) for view in self.board.groups)
        return grouped + sum(len(column.cards) for column in self.board.columns)

    @property
    def actions_done(self) -> int:
        return sum(1 for action in self.board.actions if action.status == ActionStatus.DONE)


def retro_summary(*, session: PlanningSession, user: User | None) -> RetroSummary:
    """The retro's summary as `user` sees it (None: as nobody in particular, for the email, so
    no card is marked "yours"); a constant number of queries."""
    reviewed = (
        ActionItem.objects.filter(reviewed_in=session)
        .select_related("owner", "session")
        .order_by("-session__created_at", "id")
    )
    return RetroSummary(board=board(session=session, user=user), reviewed=list(reviewed))


def templates(*, workspace: Workspace) -> QuerySet[RetroTemplate]:
    return RetroTemplate.objects.filter(workspace=workspace).order_by("name")


@dataclass(frozen=True)
class ActionFilters:
    team: str = ""
    status: str = ""  # an ActionStatus, or "" for all
    owner: int | None = None  # a user id

    @classmethod
    def from_params(cls, params, *, me: int | None, default_status: str) -> "ActionFilters":
        """The action items page's and `GET planning/action-items/`'s filters: `team`, `status`
        (an ActionStatus or `all`; `default_status` when absent: the page opens on open items,
        the API lists all) and `owner` (a user id, or `me`: the signed-in member `me`; a token
        is nobody, so for it `me` is None and a 400). A bad value is a ValidationError naming
        it. planning/api/retro.ACTION_FILTER_PARAMETERS documents each name read here."""
        status = ACTION_STATUS.query(params, "status", default=default_status)
        if params.get("owner", "") == "me":
            if me is None:
                raise ValidationError(
                    {"owner": ["owner=me needs a signed-in member: give a user id."]}
                )
            owner: int | None = me
        else:
            owner = ID.query(params, "owner")
        return cls(
            team=FILTER_TEXT.query(params, "team", default=""),
            status="" if status == ALL_STATUSES else status,
            owner=owner,
        )


ALL_STATUSES = "all"
ACTION_STATUS = Choice((*ActionStatus.values, ALL_STATUSES))


def action_items(
    *, workspace: Workspace, filters: ActionFilters | None = None
) -> QuerySet[ActionItem]:
    """Action items of every retro, open first, soonest due first; unpaged."""
    filters = filters or ActionFilters()
    queryset = ActionItem.objects.filter(workspace=workspace).select_related("owner", "session")
    if filters.team:
        queryset = queryset.filter(team=filters.team)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.owner:
        queryset = queryset.filter(owner_id=filters.owner)
    return queryset


def action_item(*, workspace: Workspace, action_id: int) -> ActionItem:
    return get_object_or_404(
        ActionItem.objects.select_related("owner", "session"), workspace=workspace, pk=action_id
    )


@dataclass(frozen=True)
class TeamFollowThrough:
    """The share of a team's action items done (dropped ones do not count either way)."""

    team: str
    done: int
    open: int
    dropped: int

    @property
    def counted(self) -> int:
        return self.done + self.open

    @property
    def share_done(self) -> float | None:
        return self.done / self.counted if self.counted else None

    @property
    def percent_done(self) -> int | None:
        share = self.share_done
        return None if share is None else round(share * 100)


def follow_through(*, workspace: Workspace) -> list[TeamFollowThrough]:
    """Per team, in one query: done, open and dropped action items and the share done."""
    rows = (
        ActionItem.objects.filter(workspace=workspace)
        .values("team")
        .annotate(
            done=Count("pk", filter=Q(status=ActionStatus.DONE)),
            open=Count("pk", filter=Q(status=ActionStatus.OPEN)),
            dropped=Count("pk", filter=Q(status=ActionStatus.DROPPED)),
        )
        .order_by("team")
    )
    return [TeamFollowThrough(r["team"], r["done"], r["open"], r["dropped"]) for r in rows]


def action_teams(*, workspace: Workspace) -> list[str]:
    teams = ActionItem.objects.filter(workspace=workspace).values_list("team", flat=True)
    return sorted(set(teams.distinct().order_by()), key=str.lower)
