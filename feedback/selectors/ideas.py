"""Every read of ideas: demand, the list and board, an idea's page, recipients, the roadmap.

What counts as demand (linked items and their duplicates, never spam; votes are people, mentions
are items) is defined once, in selectors/evidence.py.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, TypedDict, cast

from django.db.models import (
    Case,
    Count,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncWeek
from django.shortcuts import get_object_or_404
from django.utils import timezone

from feedback.models import (
    Account,
    Contact,
    FeedbackItem,
    Idea,
    IdeaLink,
    IdeaStatus,
    LoopClosure,
    LoopNotice,
    ProductArea,
    RoadmapSettings,
    StatusCategory,
)
from feedback.selectors.evidence import asking_accounts, evidence_items, with_evidence
from productops import clock
from productops.folding import contains_folded
from productops.models import AuditEvent, Membership, User, Workspace
from productops.paging import keyset_page
from productops.palette import number
from productops.validation import FILTER_DAY, FILTER_TEXT, ID, Choice

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    IdeaWithDemand = WithAnnotations[Idea, "Demand"]
    Addressee = WithAnnotations[Contact, "Heard"]
    AskedIdea = WithAnnotations[Idea, "Asked"]

SORTS = {
    "revenue": "Revenue",
    "accounts": "Unique accounts",
    "votes": "Votes",
    "mentions": "Mentions",
    "newest": "Newest",
}
SORT_FIELDS = {
    "revenue": "revenue",
    "accounts": "unique_accounts",
    "votes": "votes",
    "mentions": "mentions",
    "newest": "created_at",
}
SORT = Choice(tuple(SORTS))
# Links made before mentions and votes were told apart still say sort=feedback.
SORT_ALIASES = {"feedback": "mentions"}
CLOSING_CATEGORIES = (StatusCategory.SHIPPED, StatusCategory.DECLINED)
BOARD_LIMIT_PER_STATUS = 100


class Demand(TypedDict):
    """What with_demand() adds to each idea: counted evidence (selectors/evidence.py)."""

    mentions: int  # items
    votes: int  # people
    unique_accounts: int
    revenue: Decimal  # the asking accounts' annual revenue
    recent_30: int  # mentions received since the start of the workspace's day 30 days ago
    recent_90: int  # the same, 90 days ago


def with_demand(queryset: QuerySet[Idea], *, workspace: Workspace) -> QuerySet["IdeaWithDemand"]:
    """Annotates Demand's columns on each idea."""
    annotated = with_evidence(
        queryset,
        since={
            "recent_30": clock.days_ago(workspace, 30),
            "recent_90": clock.days_ago(workspace, 90),
        },
    )
    # with_evidence names the `since` columns at run time, so the checker cannot see them.
    return cast("QuerySet[IdeaWithDemand]", annotated)


class RecentMentions(Protocol):
    """What trend() reads: an idea with demand, or planning's evidence of one."""

    @property
    def recent_30(self) -> int: ...
    @property
    def recent_90(self) -> int: ...


def trend(idea: RecentMentions) -> str:
    """'up', 'down' or 'flat': the last 30 days against the 30-day average of the 60 before."""
    before = (idea.recent_90 - idea.recent_30) / 2
    if idea.recent_30 > before * 1.2 and idea.recent_30 >= 2:
        return "up"
    if idea.recent_30 < before * 0.8:
        return "down"
    return "flat"


@dataclass
class IdeaFilters:
    status: int | None = None
    area: int | None = None
    owner: int | None = None
    public: bool | None = None
    query: str = ""
    sort: str = "revenue"
    # What the dashboards' numbers link to (none of them is in the filter form):
    no_area: bool = False  # area=none: ideas with no product area
    # demand=yes: only ideas with counted evidence (mentions > 0); demand=no: only ideas without
    # any; absent or demand=any: every idea (None)
    demand: bool | None = None
    categories: tuple[str, ...] = ()  # category=shipped,declined: the statuses' categories
    changed_since: date | None = None  # changed_since/changed_until: the status last changed
    changed_until: date | None = None  # in these days of the workspace, both included

    @classmethod
    def from_params(cls, params) -> "IdeaFilters":
        """The filters of a query string, the ideas list's, board's and API's alike; a bad value
        is a ValidationError naming it (400). feedback/api/ideas.FILTER_PARAMETERS documents
        each name read here for the API's schema (a test holds the two equal)."""
        public = PUBLIC.query(params, "public")
        no_area = params.get("area") == "none"
        categories = tuple(c for c in params.get("category", "").split(",") if c)
        for category in categories:
            CATEGORY.clean(category, field="category")
        return cls(
            status=ID.query(params, "status"),
            area=None if no_area else ID.query(params, "area"),
            owner=ID.query(params, "owner"),
            public=None if public is None else public in ("yes", "true"),
            query=FILTER_TEXT.query(params, "q", default=""),
            sort=SORT_ALIASES.get(params.get("sort", ""))
            or SORT.query(params, "sort", default="revenue"),
            no_area=no_area,
            demand=DEMAND_CHOICES[DEMAND.query(params, "demand", default="any")],
            categories=categories,
            changed_since=FILTER_DAY.query(params, "changed_since"),
            changed_until=FILTER_DAY.query(params, "changed_until"),
        )

    @property
    def narrowed_by_link(self) -> bool:
        """Narrowed by a filter only a link sets (so the page says so and offers to clear it)."""
        return bool(self.no_area or self.categories or self.changed_since or self.changed_until)


CATEGORY = Choice(tuple(StatusCategory.values))
DEMAND = Choice(("yes", "no", "any"))
DEMAND_CHOICES: dict[str, bool | None] = {"yes": True, "no": False, "any": None}
PUBLIC = Choice(("yes", "no", "true", "false"))  # the page's select says yes/no, the API true/false


def ideas(
    *, workspace: Workspace, filters: IdeaFilters | None = None
) -> QuerySet["IdeaWithDemand"]:
    """Live ideas (not merged away) with demand, filtered; unordered."""
    filters = filters or IdeaFilters()
    queryset = Idea.objects.filter(workspace=workspace, merged_into__isnull=True).select_related(
        "status", "product_area", "owner"
    )
    if filters.status:
        queryset = queryset.filter(status_id=filters.status)
    if filters.area:
        queryset = queryset.filter(product_area_id=filters.area)
    if filters.no_area:
        queryset = queryset.filter(product_area__isnull=True)
    if filters.categories:
        queryset = queryset.filter(status__category__in=filters.categories)
    if filters.changed_since:
        queryset = queryset.filter(
            status_changed_at__gte=clock.day_start(workspace, filters.changed_since)
        )
    if filters.changed_until:
        queryset = queryset.filter(
            status_changed_at__lt=clock.day_end(workspace, filters.changed_until)
        )
    if filters.owner:
        queryset = queryset.filter(owner_id=filters.owner)
    if filters.public is not None:
        queryset = queryset.filter(is_public=filters.public)
    if filters.query:
        queryset = queryset.filter(contains_folded("title", filters.query))
    annotated = with_demand(queryset, workspace=workspace)
    if filters.demand is None:
        return annotated
    return annotated.filter(mentions__gt=0) if filters.demand else annotated.filter(mentions=0)


def ordering(sort: str) -> tuple[str, str]:
    """The list's order for `sort`: its figure, largest first, then the newest id."""
    return (f"-{SORT_FIELDS.get(sort, 'revenue')}", "-id")


def ordered(queryset: QuerySet["IdeaWithDemand"], sort: str) -> QuerySet["IdeaWithDemand"]:
    return queryset.order_by(*ordering(sort))


@dataclass(frozen=True)
class IdeaPage:
    rows: list["IdeaWithDemand"]
    next_cursor: str | None


def idea_page(
    *, workspace: Workspace, filters: IdeaFilters, cursor: str | None = None, limit: int = 50
) -> IdeaPage:
    """One keyset page of the list, ordered by the chosen figure DESC then id DESC (the shared
    productops.paging keyset, as the API's ideas list pages); a bad cursor is a 400."""
    page = keyset_page(
        ideas(workspace=workspace, filters=filters),
        ordering=ordering(filters.sort),
        cursor=cursor,
        limit=limit,
    )
    return IdeaPage(page.rows, page.next_cursor)


@dataclass
class BoardColumn:
    status: IdeaStatus
    ideas: list["IdeaWithDemand"] = field(default_factory=list)


def board(*, workspace: Workspace, filters: IdeaFilters | None = None) -> list[BoardColumn]:
    """A column per status, cards ordered by the chosen figure; two queries in all."""
    filters = filters or IdeaFilters()
    columns = {s.pk: BoardColumn(s) for s in statuses(workspace=workspace)}
    rows = ordered(ideas(workspace=workspace, filters=filters), filters.sort)
    for row in rows[: BOARD_LIMIT_PER_STATUS * max(len(columns), 1)]:
        column = columns.get(row.status_id)
        if column is not None and len(column.ideas) < BOARD_LIMIT_PER_STATUS:
            column.ideas.append(row)
    return list(columns.values())


def idea(*, workspace: Workspace, idea_id: int) -> "IdeaWithDemand":
    """One idea of the workspace with its demand; merged ideas too (the page redirects)."""
    queryset = Idea.objects.filter(workspace=workspace).select_related(
        "status", "product_area", "owner", "merged_into"
    )
    return get_object_or_404(with_demand(queryset, workspace=workspace), pk=idea_id)


def statuses(*, workspace: Workspace) -> list[IdeaStatus]:
    return list(IdeaStatus.objects.filter(workspace=workspace).order_by("position", "id"))


def status_queryset(*, workspace: Workspace) -> QuerySet[IdeaStatus]:
    return IdeaStatus.objects.filter(workspace=workspace).order_by("position", "id")


def status(*, workspace: Workspace, status_id: int) -> IdeaStatus:
    return get_object_or_404(IdeaStatus, workspace=workspace, pk=status_id)


def owners(*, workspace: Workspace) -> QuerySet[User]:
    """Members who may own an idea."""
    member_ids = Membership.objects.filter(workspace=workspace).values("user_id")
    return User.objects.filter(pk__in=member_ids).order_by("name", "email")


def links(*, workspace: Workspace, idea: Idea) -> QuerySet[IdeaLink]:
    return (
        IdeaLink.objects.filter(workspace=workspace, idea=idea)
        .select_related("item", "item__account", "item__contact", "item__source", "created_by")
        .order_by("-created_at", "-id")
    )


def link(*, workspace: Workspace, idea: Idea, link_id: int) -> IdeaLink:
    return get_object_or_404(
        IdeaLink.objects.select_related("item", "idea"), workspace=workspace, idea=idea, pk=link_id
    )


def idea_accounts(*, workspace: Workspace, idea: Idea) -> QuerySet[Account]:
    """The asking accounts, each with how many of its counted items ask; biggest revenue first."""
    return asking_accounts(idea=idea).order_by("-annual_revenue", "name")


@dataclass(frozen=True)
class WeekBar:
    week: date
    count: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class WeeklyChart:
    width: int
    height: int
    bars: list[WeekBar]
    bar_width: float
    top: int
    baseline: float
    first_label: str
    last_label: str
    top_label_y: float  # the "max N/week" label's baseline, in a band no bar reaches


def weekly_chart(*, idea: Idea, weeks: int = 26) -> WeeklyChart:
    """Mentions per week of the workspace's calendar (by when the customer wrote), as SVG
    geometry."""
    workspace = idea.workspace
    today = clock.workspace_today(workspace)
    this_monday = today - timedelta(days=today.weekday())
    first_monday = this_monday - timedelta(weeks=weeks - 1)
    counted = (
        evidence_items(idea=idea)
        .filter(received_at__gte=clock.day_start(workspace, first_monday))
        .annotate(week=TruncWeek("received_at", tzinfo=clock.zone(workspace)))
        .values("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    )
    by_week = {w.date() if isinstance(w, datetime) else w: n for w, n in counted}
    # The top band holds the 11 px "max N/week" label (baseline at 11, descenders to 14):
    # the tallest bar starts below it, so the label never sits on a bar.
    width, height, pad_top, pad_bottom, top_label_y = 520, 104, 16, 18, 11
    slot = width / weeks
    bar_width = round(slot * 0.7, 1)
    top = max([*by_week.values(), 1])
    plot = height - pad_top - pad_bottom
    bars = []
    for index in range(weeks):
        week = first_monday + timedelta(weeks=index)
        n = by_week.get(week, 0)
        bar_height = round(n * plot / top, 1) if n else 0
        if n and bar_height < 2:
            bar_height = 2
        bars.append(
            WeekBar(
                week=week,
                count=n,
                x=round(index * slot + (slot - bar_width) / 2, 1),
                y=round(height - pad_bottom - bar_height, 1),
                height=bar_height,
            )
        )
    return WeeklyChart(
        width=width,
        height=height,
        bars=bars,
        bar_width=bar_width,
        top=top,
        baseline=height - pad_bottom,
        first_label=first_monday.strftime("%d %b"),
        last_label=this_monday.strftime("%d %b"),
        top_label_y=top_label_y,
    )


def history(*, workspace: Workspace, idea: Idea) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        workspace=workspace, object_type="feedback.idea", object_id=str(idea.pk)
    ).order_by("-created_at", "-id")[:50]


def recipients(*, workspace: Workspace, idea: Idea) -> QuerySet[Contact]:
    """The people who asked, once each: contacts with an email among the counted evidence (a
    person who only sent spam is never told)."""
    asking = evidence_items(idea=idea).values("contact_id")
    return (
        Contact.objects.filter(workspace=workspace, pk__in=asking)
        .exclude(email="")
        .select_related("account")
        .order_by("email")
    )


def already_told(*, idea: Idea, outcome: str) -> set[int]:
    return set(
        LoopNotice.objects.filter(idea=idea, outcome=outcome).values_list("contact_id", flat=True)
    )


class Heard(TypedDict):
    told: bool  # whether the person heard of the outcome already


def loop_audience(*, workspace: Workspace, idea: Idea, outcome: str | None) -> list["Addressee"]:
    """The people who asked, each with Heard's `told`."""
    people = cast("list[Addressee]", list(recipients(workspace=workspace, idea=idea)))
    told = already_told(idea=idea, outcome=outcome) if outcome else set()
    for person in people:
        person.told = person.pk in told
    return people


def closures(*, workspace: Workspace, idea: Idea) -> QuerySet[LoopClosure]:
    return (
        LoopClosure.objects.filter(workspace=workspace, idea=idea)
        .select_related("created_by")
        .annotate(notice_count=Count("notices"))
        .order_by("-created_at")
    )


def closure(*, workspace: Workspace, closure_id: int) -> LoopClosure:
    return get_object_or_404(LoopClosure, workspace=workspace, pk=closure_id)


def ideas_for_picker(*, workspace: Workspace, query: str = "", limit: int = 20) -> list[Idea]:
    """Live ideas for triage's "link to idea" picker: the idea whose number was typed ("12"
    or "#12") first, then title matches, busiest first."""
    queryset = Idea.objects.filter(workspace=workspace, merged_into__isnull=True).select_related(
        "status"
    )
    query = query.strip()
    numbered = number(query)
    if query:
        matches = contains_folded("title", query)
        queryset = queryset.filter(matches | Q(pk=numbered) if numbered else matches)
    ranked = queryset.annotate(
        link_count=Count("links"),
        is_numbered=Case(When(pk=numbered or 0, then=Value(0)), default=Value(1)),
    )
    return list(ranked.order_by("is_numbered", "-link_count", "-updated_at")[:limit])


class Asked(TypedDict):
    importance: int  # the link's Importance
    outcome_told_at: datetime | None  # None: the person who asked was not told yet


@dataclass(frozen=True)
class ItemLoop:
    """For triage's item panel: the ideas an item asks for and whether its loop was closed."""

    loop_closed_at: datetime | None
    ideas: list["AskedIdea"]


def item_loop(*, workspace: Workspace, item: FeedbackItem) -> ItemLoop:
    """The ideas `item` (or the original it duplicates) asks for, with the outcome told."""
    asking_ids = [item.pk] + ([item.duplicate_of_id] if item.duplicate_of_id else [])
    rows = list(
        IdeaLink.objects.filter(workspace=workspace, item_id__in=asking_ids)
        .select_related("idea", "idea__status")
        .order_by("-created_at")
    )
    told: dict[int, datetime] = {}
    if item.contact_id:
        told = dict(
            LoopNotice.objects.filter(
                contact_id=item.contact_id, idea_id__in=[r.idea_id for r in rows]
            ).values_list("idea_id", "queued_at")
        )
    found = []
    for row in rows:
        asked = cast("AskedIdea", row.idea)
        asked.importance = row.importance
        asked.outcome_told_at = told.get(row.idea_id)
        found.append(asked)
    return ItemLoop(loop_closed_at=item.loop_closed_at, ideas=found)


def roadmap_settings(*, workspace: Workspace) -> RoadmapSettings:
    """The settings row, or unsaved defaults (disabled) when there is none yet."""
    found = RoadmapSettings.objects.filter(workspace=workspace).first()
    return found or RoadmapSettings(workspace=workspace, enabled=False)


@dataclass
class RoadmapLane:
    category: str
    label: str
    ideas: list[Idea]


ROADMAP_LANES = [
    (StatusCategory.PLANNED, "Planned"),
    (StatusCategory.IN_PROGRESS, "In progress"),
    (StatusCategory.SHIPPED, "Recently shipped"),
]
ROADMAP_SHIPPED_WINDOW = timedelta(days=120)


def _on_roadmap(workspace: Workspace) -> QuerySet[Idea]:
    """The ideas the public roadmap shows: public ideas in public statuses of its lanes."""
    return Idea.objects.filter(
        workspace=workspace,
        merged_into__isnull=True,
        is_public=True,
        status__is_public=True,
        status__category__in=[c for c, _ in ROADMAP_LANES],
    ).exclude(
        status__category=StatusCategory.SHIPPED,
        status_changed_at__lt=timezone.now() - ROADMAP_SHIPPED_WINDOW,
    )


def roadmap_idea(*, workspace: Workspace, idea_id: object) -> Idea | None:
    """The idea a visitor says "me too" to, if it is on the workspace's public roadmap now;
    None for any other id (private, merged, another workspace's, not a number)."""
    try:
        pk = int(str(idea_id))
    except ValueError:
        return None
    if not 0 < pk < 2**63:  # beyond a bigint the database would raise, not answer "none"
        return None
    return _on_roadmap(workspace).filter(pk=pk).only("id", "title", "workspace_id").first()


def roadmap(*, workspace: Workspace) -> list[RoadmapLane]:
    """Public ideas in public statuses. Only title, description, area and status leave here."""
    rows = (
        _on_roadmap(workspace)
        .select_related("status", "product_area")
        .only(
            "id",
            "title",
            "description",
            "status_changed_at",
            "status__name",
            "status__category",
            "product_area__name",
        )
        .order_by("-status_changed_at", "-id")[:300]
    )
    lanes: dict[str, RoadmapLane] = {
        category: RoadmapLane(category, label, []) for category, label in ROADMAP_LANES
    }
    for row in rows:
        lanes[row.status.category].ideas.append(row)
    return list(lanes.values())


def public_workspace(*, slug: str) -> Workspace:
    """The workspace of a public roadmap; 404 when it has none or keeps it off."""
    settings = get_object_or_404(
        RoadmapSettings.objects.select_related("workspace"), workspace__slug=slug, enabled=True
    )
    return settings.workspace


def member_user(*, workspace: Workspace, user_id: int) -> User | None:
    member_ids = Membership.objects.filter(workspace=workspace).values("user_id")
    return User.objects.filter(pk=user_id, pk__in=member_ids).first()


def items_by_id(*, workspace: Workspace, item_ids: list[int]) -> list[FeedbackItem]:
    """The workspace's items among `item_ids` (ids of other workspaces are simply absent)."""
    return list(FeedbackItem.objects.filter(workspace=workspace, pk__in=item_ids).order_by("pk"))


def area(*, workspace: Workspace, area_id: int) -> ProductArea | None:
    return ProductArea.objects.filter(workspace=workspace, pk=area_id).first()
