"""Reads of the triage inbox: the list, one item with everything beside it, pickers, saved views.

The inbox is keyset-paged on (received_at, id) and never counts or offsets its rows: the status
tabs read the counters the services keep (StatusCount), or under filters use capped counts
(LIMIT 1001 inside the count).
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.contrib.postgres.aggregates import JSONBAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db.models import (
    CharField,
    Count,
    Exists,
    IntegerField,
    JSONField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, JSONObject, NullIf
from django.http import Http404
from django.shortcuts import get_object_or_404

from feedback.models import (
    Account,
    Contact,
    DuplicateCandidate,
    FeedbackItem,
    FeedbackMerge,
    Idea,
    IdeaLink,
    ProductArea,
    Source,
    Status,
    StatusCount,
    Tag,
)
from feedback.selectors import evidence
from feedback.selectors.intake import duplicate_matches
from productops import clock, compiled
from productops.folding import fold
from productops.models import AuditEvent, User, Workspace
from productops.paging import encode_position, position_parts
from productops.validation import FILTER_DAY, ID

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    ListedItem = WithAnnotations[FeedbackItem, "ListColumns"]
    PagedItem = WithAnnotations[FeedbackItem, "PageColumns"]
    ScoredItem = WithAnnotations[FeedbackItem, "Similarity"]
    PanelItem = WithAnnotations[FeedbackItem, "PanelColumns"]

PAGE_SIZE = 50
COUNT_CAP = 1000
ALL = "all"
# Every status but spam: what the dashboards count as received (Gmail's "All mail" likewise).
NOT_SPAM = "not_spam"
SORTS = ("newest", "oldest", "priority")
ITEM_OBJECT_TYPE = "feedback.feedbackitem"  # an item's audit events name it so


@dataclass(frozen=True)
class InboxFilters:
    """What the inbox shows. Ids are already known to belong to the workspace (see the form)."""

    status: str = Status.NEW  # a Status value, "all" or "not_spam"
    source: int | None = None
    tag: int | None = None
    area: int | None = None  # 0: no area
    segment: str = ""
    account: int | None = None
    assignee: int | None = None  # a user id; 0: unassigned
    sentiment: str = ""
    priority: int | None = None
    since: date | None = None  # received on or after (the workspace's day)
    until: date | None = None  # received on or before
    triaged_since: date | None = None  # triaged on or after (the dashboards' "triaged in period")
    triaged_until: date | None = None
    q: str = ""
    sort: str = "newest"
    idea: int | None = None  # the counted evidence of this idea (planning links its figures here)

    def with_status(self, status: str) -> "InboxFilters":
        return InboxFilters(**{**self.__dict__, "status": status})


@dataclass
class InboxPage:
    rows: list["PagedItem"]
    next_cursor: str | None
    filters: InboxFilters = field(default_factory=InboxFilters)


def decode_cursor(cursor: str | None, sort: str) -> tuple | None:
    """(received_at, id) or, sorted by priority, (priority, received_at, id); None if bad."""
    if not cursor:
        return None
    try:
        parts = position_parts(cursor)
        position: tuple
        if sort == "priority":
            priority, moment, pk = parts
            position = int(priority), datetime.fromisoformat(moment), ID.clean(pk)
        else:
            moment, pk = parts
            position = datetime.fromisoformat(moment), ID.clean(pk)
        FILTER_DAY.validate(datetime.fromisoformat(moment))
    except (ValueError, UnicodeDecodeError, ValidationError):
        return None
    return position


def filtered(*, workspace: Workspace, filters: InboxFilters) -> QuerySet[FeedbackItem]:
    """The items the filters select, unordered and unpaged."""
    qs = FeedbackItem.objects.filter(workspace=workspace)
    if filters.status == NOT_SPAM:
        qs = qs.exclude(status=Status.SPAM)
    elif filters.status != ALL:
        qs = qs.filter(status=filters.status)
    if filters.source is not None:
        qs = qs.filter(source_id=filters.source)
    if filters.tag is not None:
        through = FeedbackItem.tags.through
        qs = qs.filter(
            Exists(through.objects.filter(feedbackitem_id=OuterRef("pk"), tag_id=filters.tag))
        )
    if filters.area is not None:
        qs = qs.filter(product_area_id=filters.area or None)
    if filters.segment:
        qs = qs.filter(account__segment=filters.segment)
    if filters.account is not None:
        qs = qs.filter(account_id=filters.account)
    if filters.assignee is not None:
        qs = qs.filter(assignee_id=filters.assignee or None)
    if filters.sentiment == "none":
        qs = qs.filter(sentiment="")
    elif filters.sentiment:
        qs = qs.filter(sentiment=filters.sentiment)
    if filters.priority is not None:
        qs = qs.filter(priority=filters.priority)
    if filters.since:
        qs = qs.filter(received_at__gte=clock.day_start(workspace, filters.since))
    if filters.until:
        qs = qs.filter(received_at__lt=clock.day_end(workspace, filters.until))
    if filters.triaged_since:
        qs = qs.filter(triaged_at__gte=clock.day_start(workspace, filters.triaged_since))
    if filters.triaged_until:
        qs = qs.filter(triaged_at__lt=clock.day_end(workspace, filters.triaged_until))
    if filters.q.strip():
        query = SearchQuery(fold(filters.q.strip()), search_type="websearch", config="english")
        qs = qs.filter(search=query)
    if filters.idea is not None:
        idea = Idea.objects.filter(workspace=workspace, pk=filters.idea).first()
        qs = (
            qs.filter(pk__in=evidence.evidence_items(idea=idea).values("pk")) if idea else qs.none()
        )
    return qs


def _after(qs: QuerySet, position: tuple, sort: str) -> QuerySet:
    # A range on the leading key lets Postgres start the index scan at the cursor; the OR only
    # sorts out the rows that tie with it.
    if sort == "priority":
        priority, moment, pk = position
        return qs.filter(priority__lte=priority).filter(
            Q(priority__lt=priority) | Q(received_at__lt=moment) | Q(received_at=moment, pk__lt=pk)
        )
    if sort == "oldest":
        moment, pk = position
        return qs.filter(received_at__gte=moment).filter(Q(received_at__gt=moment) | Q(pk__gt=pk))
    moment, pk = position
    return qs.filter(received_at__lte=moment).filter(Q(received_at__lt=moment) | Q(pk__lt=pk))


ORDERINGS = {
    "newest": ("-received_at", "-id"),
    "oldest": ("received_at", "id"),
    "priority": ("-priority", "-received_at", "-id"),
}


def _counted_columns() -> dict:
    """The per-row counts a list shows: ideas linked, votes and mentions (evidence.py)."""
    links = (
        IdeaLink.objects.filter(item=OuterRef("pk"))
        .order_by()
        .values("item")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return {
        "link_count": Coalesce(Subquery(links, output_field=IntegerField()), Value(0)),
        "votes": evidence.item_votes(),
        "mentions": evidence.item_mentions(),
    }


class ListColumns(TypedDict):
    """What with_list_columns() adds to each item (_counted_columns())."""

    link_count: int  # ideas linked
    votes: int  # selectors/evidence.py
    mentions: int


class PageColumns(ListColumns):
    """What an inbox page's rows carry besides (inbox(), export_rows())."""

    tag_names: list[str]  # attach_tag_names()


def with_list_columns(qs: QuerySet[FeedbackItem], *, tags: bool = True) -> QuerySet["ListedItem"]:
    """Everything a row shows, in one query plus one for the tags (and one for the product
    areas and one for the assignees its rows have), however many rows. `tags=False` leaves
    the tags out, for a caller that reads only their names (`attach_tag_names`: plain names
    cost a millisecond less a page than 50 rows' Tag instances and managers)."""
    listed = (
        # A row never shows its source's secret or field mapping (a JSON decode a row).
        qs.defer("search", "source__webhook_secret", "source__field_mapping")
        # Small tables come by prefetch: each join costs Postgres planning (measured at 1M
        # items: 0.4 ms with two joins, 0.7 ms with three, 2.3 ms with four, 7 ms with five),
        # a prefetch a round trip and about a millisecond of Python; the source, on every row,
        # is the third join.
        .select_related("account", "contact", "source")
        .prefetch_related("assignee", "product_area", *(["tags"] if tags else []))
        .annotate(**_counted_columns())
    )
    # The columns come as **kwargs, which the checker cannot see.
    return cast("QuerySet[ListedItem]", listed)


def attach_tag_names(rows: Sequence[FeedbackItem]) -> None:
    """Sets each row's `tag_names` (its tags' names, in the order they were added) in one
    query of plain values."""
    names: dict[int, list[str]] = {row.pk: [] for row in rows}
    if names:
        through = FeedbackItem.tags.through.objects.filter(feedbackitem_id__in=list(names))
        for item_id, name in through.order_by("pk").values_list("feedbackitem_id", "tag__name"):
            names[item_id].append(name)
    for row in rows:
        row.tag_names = names[row.pk]  # type: ignore[attr-defined]  # PageColumns


def _page_query(
    workspace: Workspace, filters: InboxFilters, after: str | None
) -> tuple[QuerySet[FeedbackItem], str]:
    """The filtered items from the cursor on, in the sort's order; and the sort."""
    sort = filters.sort if filters.sort in SORTS else "newest"
    qs = filtered(workspace=workspace, filters=filters)
    position = decode_cursor(after, sort)
    if position is not None:
        qs = _after(qs, position, sort)
    return qs.order_by(*ORDERINGS[sort]), sort


def _next_cursor(last_priority: int, last_received: datetime, last_id: int, sort: str) -> str:
    key = [last_received, last_id]
    return encode_position(*([last_priority, *key] if sort == "priority" else key))


def inbox(
    *,
    workspace: Workspace,
    filters: InboxFilters,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> InboxPage:
    """One keyset page of the inbox; each row with its `tag_names` (attach_tag_names)."""
    qs, sort = _page_query(workspace, filters, after)
    rows = cast("list[PagedItem]", list(with_list_columns(qs, tags=False)[: limit + 1]))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _next_cursor(last.priority, last.received_at, last.pk, sort)
    attach_tag_names(rows)
    return InboxPage(rows=rows, next_cursor=next_cursor, filters=filters)


@dataclass(frozen=True, slots=True)
class RowAccount:
    pk: int
    name: str
    segment: str


@dataclass(frozen=True, slots=True)
class RowContact:
    pk: int
    name: str
    email: str
    external_id: str

    def __str__(self) -> str:  # as Contact.__str__
        return self.name or self.email or self.external_id or f"Contact {self.pk}"


@dataclass(frozen=True, slots=True)
class RowNamed:
    """A source, product area or assignee as a row shows it: by name."""

    pk: int
    name: str

    @property
    def display_name(self) -> str:
        return self.name


@dataclass(slots=True)
class PageRow:
    """One inbox row as plain values (inbox_page()): what the row markup reads of an item
    (feedback/templatetags/inbox_rows.py), with the names of what it links to, and the
    attributes views.triage.decorate() sets."""

    pk: int
    version: int
    title: str
    body: str
    status: str
    priority: int
    sentiment: str
    sentiment_overridden: bool
    received_at: datetime
    submitter_email: str
    duplicate_of_id: int | None
    account_id: int | None
    contact_id: int | None
    assignee_id: int | None
    product_area_id: int | None
    link_count: int
    votes: int
    mentions: int
    tag_names: list[str]
    source: RowNamed
    account: RowAccount | None
    contact: RowContact | None
    assignee: RowNamed | None
    product_area: RowNamed | None
    headline: str = ""  # decorate()
    age: str = ""
    url: str = ""
    labels: dict[str, str] = field(default_factory=dict)


# The item's own columns a list row carries (the API's list); related rows come by id.
VALUE_FIELDS = (
    "id",
    "version",
    "title",
    "body",
    "status",
    "priority",
    "sentiment",
    "sentiment_overridden",
    "rating",
    "received_at",
    "external_id",
    "submitter_email",
    "source_id",
    "contact_id",
    "account_id",
    "assignee_id",
    "product_area_id",
    "duplicate_of_id",
    "processed_at",
    "triaged_at",
    "updated_at",
)
# Those an inbox page row shows (its labels, markers and links).
_PAGE_FIELDS = tuple(
    name
    for name in VALUE_FIELDS
    if name not in {"rating", "external_id", "processed_at", "triaged_at", "updated_at"}
)


def _by_key(model: type[Model], key: str, column: str) -> Subquery:
    """`column` of the `model` row the item's `key` names, as a subquery."""
    return Subquery(model._default_manager.filter(pk=OuterRef(key)).values(column))


def _page_columns() -> dict:
    """What a page row reads besides its item's columns: the counted columns, the tag names
    (in the order added), and the names of its source, account, contact, assignee and area,
    each a subquery on the row by primary key. Joined instead, the three tables cost Postgres
    0.5 ms of planning on every page against 0.3 ms for the subqueries (measured at 1M items),
    for the same execution."""
    through = FeedbackItem.tags.through
    person = User.objects.filter(pk=OuterRef("assignee_id"))
    return {
        **_counted_columns(),
        "source_name": _by_key(Source, "source_id", "name"),
        "account_name": _by_key(Account, "account_id", "name"),
        "account_segment": _by_key(Account, "account_id", "segment"),
        "contact_name": _by_key(Contact, "contact_id", "name"),
        "contact_email": _by_key(Contact, "contact_id", "email"),
        "contact_external_id": _by_key(Contact, "contact_id", "external_id"),
        # Each name by its primary key: joined, Postgres hashes the whole tag table per row.
        "tag_names": ArraySubquery(
            through.objects.filter(feedbackitem_id=OuterRef("pk"))
            .order_by("pk")
            .values(name=Subquery(Tag.objects.filter(pk=OuterRef("tag_id")).values("name")))
        ),
        "assignee_name": Subquery(
            person.annotate(
                shown=Coalesce(NullIf("name", Value("")), "email", output_field=CharField())
            ).values("shown")
        ),
        "area_name": _by_key(ProductArea, "product_area_id", "name"),
    }


def _page_row(values: dict) -> PageRow:
    account_id, contact_id = values["account_id"], values["contact_id"]
    assignee_id, area_id = values["assignee_id"], values["product_area_id"]
    return PageRow(
        pk=values["id"],
        version=values["version"],
        title=values["title"],
        body=values["body"],
        status=values["status"],
        priority=values["priority"],
        sentiment=values["sentiment"],
        sentiment_overridden=values["sentiment_overridden"],
        received_at=values["received_at"],
        submitter_email=values["submitter_email"],
        duplicate_of_id=values["duplicate_of_id"],
        account_id=account_id,
        contact_id=contact_id,
        assignee_id=assignee_id,
        product_area_id=area_id,
        link_count=values["link_count"],
        votes=values["votes"],
        mentions=values["mentions"],
        tag_names=values["tag_names"],
        source=RowNamed(values["source_id"], values["source_name"]),
        account=(
            None
            if account_id is None
            else RowAccount(account_id, values["account_name"], values["account_segment"])
        ),
        contact=(
            None
            if contact_id is None
            else RowContact(
                contact_id,
                values["contact_name"],
                values["contact_email"],
                values["contact_external_id"],
            )
        ),
        assignee=None if assignee_id is None else RowNamed(assignee_id, values["assignee_name"]),
        product_area=None if area_id is None else RowNamed(area_id, values["area_name"]),
    )


@dataclass
class RowsPage:
    """inbox_page()'s answer: a keyset page of rows as plain values."""

    rows: list[PageRow]
    next_cursor: str | None


def inbox_page(
    *,
    workspace: Workspace,
    filters: InboxFilters,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> RowsPage:
    """The page `inbox` returns, each row a PageRow of plain values, in one query (its SQL
    compiled once per workspace and filters: productops.compiled). The inbox page reads this:
    50 model instances with their related rows and a query for the tag names cost it more
    CPU than everything else it does."""

    def build() -> QuerySet:
        qs, _ = _page_query(workspace, filters, after)
        columns = _page_columns()
        return qs.annotate(**columns).values(*_PAGE_FIELDS, *columns)[: limit + 1]

    sort = filters.sort if filters.sort in SORTS else "newest"
    if (
        after is None
        and filters.idea is None
        and not (filters.since or filters.until or filters.triaged_since or filters.triaged_until)
    ):
        # Everything else the SQL holds comes from these (an idea's evidence reads the idea,
        # a day's bounds the workspace's zone: those pages compile theirs every time, as do
        # the pages after the first, whose cursors rarely come twice).
        found = compiled.values_rows(("inbox_page", workspace.pk, filters, limit), build)
    else:
        found = list(build())
    rows = [_page_row(values) for values in found]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _next_cursor(last.priority, last.received_at, last.pk, sort)
    return RowsPage(rows=rows, next_cursor=next_cursor)


@dataclass
class InboxValues:
    """One keyset page of the inbox as plain values: `rows` (VALUE_FIELDS plus link_count,
    votes and mentions), and the rows they name by id, each {id: values}; tags {item id: names}."""

    rows: list[dict]
    next_cursor: str | None
    sources: dict[int, dict]
    contacts: dict[int, dict]
    accounts: dict[int, dict]
    assignees: dict[int, dict]
    areas: dict[int, dict]
    tags: dict[int, list[str]]


def _by_id(model, ids: set, *fields: str) -> dict[int, dict]:
    ids.discard(None)
    if not ids:
        return {}
    return {row["id"]: row for row in model.objects.filter(pk__in=ids).values("id", *fields)}


def inbox_values(
    *,
    workspace: Workspace,
    filters: InboxFilters,
    after: str | None = None,
    limit: int = PAGE_SIZE,
) -> InboxValues:
    """The page `inbox` returns, without model instances: one query for the rows and one per
    related table (by primary key), so a list costs what a hand-written `.values()` does."""
    qs, sort = _page_query(workspace, filters, after)
    counted = _counted_columns()
    rows = list(qs.annotate(**counted).values(*VALUE_FIELDS, *counted)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _next_cursor(last["priority"], last["received_at"], last["id"], sort)
    tags: dict[int, list[str]] = {row["id"]: [] for row in rows}
    if rows:
        through = FeedbackItem.tags.through.objects.filter(feedbackitem_id__in=list(tags))
        for item_id, name in through.order_by("pk").values_list("feedbackitem_id", "tag__name"):
            tags[item_id].append(name)
    return InboxValues(
        rows=rows,
        next_cursor=next_cursor,
        sources=_by_id(Source, {r["source_id"] for r in rows}, "name", "channel"),
        contacts=_by_id(Contact, {r["contact_id"] for r in rows}, "email", "name"),
        accounts=_by_id(
            Account,
            {r["account_id"] for r in rows},
            "name",
            "plan",
            "segment",
            "annual_revenue",
        ),
        assignees=_by_id(User, {r["assignee_id"] for r in rows}, "name", "email"),
        areas=_by_id(ProductArea, {r["product_area_id"] for r in rows}, "name"),
        tags=tags,
    )


def export_rows(
    *, workspace: Workspace, filters: InboxFilters, batch: int = 2000
) -> Iterator["PagedItem"]:
    """Every item the filters select, newest first, streamed in keyset batches."""
    newest = InboxFilters(**{**filters.__dict__, "sort": "newest"})
    cursor = None
    while True:
        page = inbox(workspace=workspace, filters=newest, after=cursor, limit=batch)
        yield from page.rows
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def narrows(filters: InboxFilters) -> bool:
    """Whether the filters select fewer items than a whole status tab (the sort does not)."""
    return replace(filters, status=ALL, sort="newest") != InboxFilters(status=ALL)


@dataclass(frozen=True)
class TabCounts:
    """Items per status tab ({status: "1,234"}, or "1,000+" when capped) and `stamp`, the
    state of the workspace's counters they were read at (the sum of StatusCount.changes):
    counts with a larger stamp were read after those with a smaller one."""

    counts: dict[str, str]
    stamp: int


def status_counts(*, workspace: Workspace, filters: InboxFilters) -> TabCounts:
    """Items per status tab. Unfiltered, the exact counts kept by the services (StatusCount,
    one indexed read however many items); under other filters, exact up to 1,000, then
    "1,000+" (a count capped at 1,001 rows per tab).

    The stamp is read with the counters, in one statement, and before any capped count, so the
    counts are never older than their stamp: of two answers the one with the larger stamp holds
    the later counts, and the answer to the last status change (its stamp the largest) equals
    the database. Under filters a change that moves no status (a tag, an area) bumps no stamp."""
    kept = compiled.values_rows(
        ("status_counts", workspace.pk),
        lambda: StatusCount.objects.filter(workspace=workspace).values(
            "status", "items", "changes"
        ),
    )
    items = {row["status"]: row["items"] for row in kept}
    stamp = sum(row["changes"] for row in kept)
    if not narrows(filters):
        return TabCounts({status: f"{items.get(status, 0):,}" for status in Status.values}, stamp)
    counts = {}
    for status in Status.values:
        qs = filtered(workspace=workspace, filters=filters.with_status(status))
        n = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
        counts[status] = f"{COUNT_CAP:,}+" if n > COUNT_CAP else f"{n:,}"
    return TabCounts(counts, stamp)


# Reading one item (or the two a keypress answers with) through the ORM cost about 3 ms of CPU:
# compiling the columns' subqueries (votes, mentions, links, the sections' EXISTS) and then one
# prefetch per related table, each compiled again. The read is compiled once per thread
# (productops.compiled.instances) with its related rows in the same statement, as JSON, so
# each read is one plain statement and the instances are made from its row.
_WORKSPACE, _FIRST, _SECOND = -7001, -7002, -7003
_ITEM_RELATED = {  # the JSON annotation: (field, model, the columns it reads)
    "_j_area": ("product_area", ProductArea, ("id", "workspace_id", "name")),
    "_j_contact": (
        "contact",
        Contact,
        ("id", "workspace_id", "email", "name", "external_id", "account_id"),
    ),
    "_j_assignee": ("assignee", User, ("id", "email", "name", "is_active")),
    "_j_triaged_by": ("triaged_by", User, ("id", "email", "name", "is_active")),
}
_TAG_COLUMNS = ("id", "workspace_id", "name")


def _related_json() -> dict:
    """Each related row an item's panel and row show, as a JSON object (NULL when none), and
    its tags as a JSON list in the order they were added."""
    columns = {}
    for name, (relation, model, fields) in _ITEM_RELATED.items():
        rows = model._default_manager.filter(pk=OuterRef(f"{relation}_id")).values(
            j=JSONObject(**{f: f for f in fields})
        )
        columns[name] = Subquery(rows[:1], output_field=JSONField())
    tags = (
        FeedbackItem.tags.through.objects.filter(feedbackitem_id=OuterRef("pk"))
        .order_by()
        .values("feedbackitem_id")
        .annotate(
            j=JSONBAgg(
                JSONObject(id="tag_id", workspace_id="tag__workspace_id", name="tag__name"),
                order_by="id",
            )
        )
        .values("j")  # type: ignore[misc]  # the checker cannot see JSONBAgg's alias
    )
    columns["_j_tags"] = Subquery(tags, output_field=JSONField())
    return columns


def _build_one_item(sections: bool, ids: int) -> QuerySet[FeedbackItem]:
    return (
        FeedbackItem.objects.defer("search")
        .select_related("source", "account")
        .annotate(**_counted_columns(), **(_section_flags() if sections else {}), **_related_json())
        .filter(workspace_id=_WORKSPACE, pk__in=[_FIRST, _SECOND][:ids])
    )


def _instance(model, fields: tuple[str, ...], values: dict, db: str) -> Any:
    """A model instance from a JSON object of some of its columns (the others deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in fields]
    return model.from_db(db, names, [values[name] for name in names])


def _read_items(workspace: Workspace, ids: set[int], *, sections: bool = False) -> dict:
    """The workspace's items among `ids` (one or two) with a row's columns, their source,
    account, contact, people, area and tags; with `sections`, the panel's section flags."""
    markers = dict(zip((_FIRST, _SECOND), sorted(ids), strict=False))
    rows = compiled.instances(
        f"one_item:{sections}:{len(markers)}",
        lambda: _build_one_item(sections, len(markers)),
        {_WORKSPACE: workspace.pk, **markers},
        prepare=True,
    )
    for row in rows:
        for name, (relation, model, fields) in _ITEM_RELATED.items():
            found = getattr(row, name)
            related = None if found is None else _instance(model, fields, found, row._state.db)
            getattr(FeedbackItem, relation).field.set_cached_value(row, related)
            delattr(row, name)
        tags = Tag.objects.all()
        tags._result_cache = [
            _instance(Tag, _TAG_COLUMNS, t, row._state.db) for t in row._j_tags or []
        ]
        tags._prefetch_done = True  # type: ignore[attr-defined]  # as a prefetch leaves it
        row._prefetched_objects_cache = {"tags": tags}
        del row._j_tags
    return {row.pk: row for row in rows}


def item(*, workspace: Workspace, item_id: int) -> "ListedItem":
    """One item of the workspace (404 for others'), with its row's columns. Only the
    original's id is shown (no self-join on the items table)."""
    found = _read_items(workspace, {item_id}).get(item_id)
    if found is None:
        raise Http404("No such feedback item.")
    return cast("ListedItem", found)


def item_to_change(*, workspace: Workspace, item_id: int) -> FeedbackItem:
    """One item of the workspace (404 for others'), its own columns only: what an action reads
    before it hands the item to a service (which locks the row and reads it again)."""
    found = compiled.instances(
        "item_to_change",
        lambda: FeedbackItem.objects.defer("search").filter(workspace_id=_WORKSPACE, pk=_FIRST),
        {_WORKSPACE: workspace.pk, _FIRST: item_id},
    )
    if not found:
        raise Http404("No such feedback item.")
    return found[0]


class Sections(TypedDict):
    """Whether an item has rows in each panel section that its row's columns do not count."""

    has_duplicates: bool  # merged_duplicates()
    has_candidates: bool  # duplicate_candidates(), before the filter on merged candidates
    has_merges: bool  # merge_history()
    has_events: bool  # item_events()


class PanelColumns(ListColumns, Sections):
    """item_detail()'s item: a row's columns and which sections it has rows in."""


def _section_flags() -> dict:
    """Sections' EXISTS, asked inside the item's own query: most items in triage have no
    duplicates, merges or history, and a read that finds nothing still costs a round trip."""
    item_ref = OuterRef("pk")
    return {
        "has_duplicates": Exists(FeedbackItem.objects.filter(duplicate_of=item_ref)),
        "has_candidates": Exists(
            DuplicateCandidate.objects.filter(item=item_ref, dismissed_at=None)
        ),
        "has_merges": Exists(
            FeedbackMerge.objects.filter(Q(original=item_ref) | Q(duplicate=item_ref))
        ),
        "has_events": Exists(
            AuditEvent.objects.filter(
                workspace=OuterRef("workspace_id"),
                object_type=ITEM_OBJECT_TYPE,
                object_id=Cast(item_ref, CharField()),
            )
        ),
    }


def item_detail(*, workspace: Workspace, item_id: int) -> dict:
    """An item (404 for others') and everything its panel shows beside it; the sections it has
    no rows in are not read."""
    found = _read_items(workspace, {item_id}, sections=True).get(item_id)
    if found is None:
        raise Http404("No such feedback item.")
    return _panel_sections(workspace, cast("PanelItem", found))


def item_and_detail(
    *, workspace: Workspace, item_id: int, detail_id: int
) -> tuple["ListedItem", dict | None]:
    """`item(item_id)` and `item_detail(detail_id)` read together: the answer to an action in
    the inbox (the acted-on item's row) that also carries the next item's panel. Both items
    come in one statement (_read_items) instead of one round of reads each. The detail is None
    when `detail_id` is not an item of the workspace (the page then asks for the panel
    itself); 404 when `item_id` is not."""
    found = _read_items(workspace, {item_id, detail_id}, sections=True)
    if item_id not in found:
        raise Http404("No such feedback item.")
    shown = found.get(detail_id)
    return found[item_id], None if shown is None else _panel_sections(
        workspace, cast("PanelItem", shown)
    )


def _panel_sections(workspace: Workspace, found: "PanelItem") -> dict:
    """item_detail()'s answer for an item read with its section flags."""
    return {
        "item": found,
        "links": idea_links(workspace=workspace, item=found) if found.link_count else [],
        "duplicates": (
            merged_duplicates(workspace=workspace, item=found) if found.has_duplicates else []
        ),
        "candidates": (
            duplicate_candidates(workspace=workspace, item=found) if found.has_candidates else []
        ),
        "merges": merge_history(workspace=workspace, item=found) if found.has_merges else [],
        "events": item_events(workspace=workspace, item=found) if found.has_events else [],
    }


def idea_links(*, workspace: Workspace, item: FeedbackItem) -> list[IdeaLink]:
    return list(
        IdeaLink.objects.filter(workspace=workspace, item=item)
        .select_related("idea", "idea__status", "created_by")
        .order_by("-importance", "-created_at")
    )


def merged_duplicates(*, workspace: Workspace, item: FeedbackItem) -> list[FeedbackItem]:
    """Items merged into this one: their people and companies count for it."""
    return list(
        FeedbackItem.objects.filter(workspace=workspace, duplicate_of=item)
        .select_related("contact", "account", "source")
        .order_by("-received_at", "-id")[:100]
    )


class Similarity(TypedDict):
    score: float  # the duplicate finder's similarity (DuplicateCandidate.score)


def duplicate_candidates(
    *, workspace: Workspace, item: FeedbackItem, limit: int = 5
) -> list["ScoredItem"]:
    """Earlier items that may say the same, best first (found in the background after intake)."""
    rows = (
        DuplicateCandidate.objects.filter(
            workspace=workspace,
            item=item,
            dismissed_at=None,
            candidate__duplicate_of=None,
        )
        .exclude(candidate=item)
        .select_related("candidate", "candidate__account", "candidate__source")
        .order_by("-score")[:limit]
    )
    found = []
    for row in rows:
        candidate = cast("ScoredItem", row.candidate)
        candidate.score = row.score
        found.append(candidate)
    return found


def similar_items(
    *, workspace: Workspace, item: FeedbackItem, query: str = "", limit: int = 8
) -> list[FeedbackItem]:
    """The duplicate picker's live search: the PM's words, or else words like the item's."""
    base = (
        FeedbackItem.objects.filter(workspace=workspace, duplicate_of=None)
        .exclude(pk=item.pk)
        .exclude(status=Status.SPAM)
        .select_related("account", "source")
    )
    query = query.strip()
    if query.isdigit():
        return list(base.filter(pk=int(query))[:1])
    if query:
        search = SearchQuery(fold(query), search_type="websearch", config="english")
        return list(base.filter(search=search).order_by("-received_at", "-id")[:limit])
    # Nothing typed: the same matching as the duplicate candidates found at intake.
    scores = dict(duplicate_matches(item=item, limit=limit))
    found = base.in_bulk(list(scores))
    return sorted(found.values(), key=lambda match: (-scores[match.pk], -match.pk))


def merge_history(*, workspace: Workspace, item: FeedbackItem) -> list[FeedbackMerge]:
    return list(
        FeedbackMerge.objects.filter(workspace=workspace)
        .filter(Q(original=item) | Q(duplicate=item))
        .select_related("original", "duplicate", "merged_by")
        .order_by("-merged_at", "-id")[:20]
    )


def merge(*, workspace: Workspace, merge_id: int) -> FeedbackMerge:
    return get_object_or_404(
        FeedbackMerge.objects.select_related("original", "duplicate"),
        workspace=workspace,
        pk=merge_id,
    )


def item_events(*, workspace: Workspace, item: FeedbackItem, limit: int = 20) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            workspace=workspace, object_type=ITEM_OBJECT_TYPE, object_id=str(item.pk)
        ).order_by("-created_at", "-id")[:limit]
    )


def last_change(*, workspace: Workspace, item: FeedbackItem) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(
            workspace=workspace, object_type=ITEM_OBJECT_TYPE, object_id=str(item.pk)
        )
        .order_by("-created_at", "-id")
        .first()
    )


def idea_link(*, workspace: Workspace, link_id: int) -> IdeaLink:
    return get_object_or_404(
        IdeaLink.objects.select_related("item", "idea"), workspace=workspace, pk=link_id
    )


def items(*, workspace: Workspace, item_ids: list[int]) -> list[FeedbackItem]:
    """The workspace's items among `item_ids` with their list columns, newest first."""
    return list(
        with_list_columns(
            FeedbackItem.objects.filter(workspace=workspace, pk__in=item_ids)
        ).order_by("-received_at", "-id")
    )


def item_or_none(*, workspace: Workspace, item_id: int) -> FeedbackItem | None:
    return FeedbackItem.objects.filter(workspace=workspace, pk=item_id).first()


def idea_or_none(*, workspace: Workspace, idea_id: int) -> Idea | None:
    return Idea.objects.filter(workspace=workspace, pk=idea_id).first()
