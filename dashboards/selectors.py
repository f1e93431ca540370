"""Every read of the dashboards: each tile from the rollup tables only, in a fixed number of
queries, so a tile costs the same at ten thousand or ten million feedback items.

A tile is one `Tile`: its headline figures (each linking to the list behind it), a chart spec
for Chart.js, a table of the same numbers and the freshness of the refresh it was read from.
The page, the CSV export, the digest and the API all render that one object.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dashboards.filters import DashboardFilters
from dashboards.models import RefreshState
from dashboards.refresh import TOPICS
from feedback.models import ProductArea, Source
from feedback.selectors import intake as intake_selectors
from productops import clock
from productops.models import ChangeMark, Workspace
from productops.money import format_money

STALE_AFTER = timedelta(minutes=2)  # marks older than this: the tile says it is refreshing
PENDING_CAP = 1000


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None  # when the last successful refresh finished
    pending: int  # change marks not applied yet (capped)
    oldest_pending: datetime | None
    failed_at: datetime | None
    error: str
    refreshing: bool  # someone holds the lease right now

    @property
    def stale(self) -> bool:
        return self.oldest_pending is not None and (
            timezone.now() - self.oldest_pending > STALE_AFTER
        )

    @property
    def failed(self) -> bool:
        return bool(self.error) and (
            self.as_of is None or (self.failed_at is not None and self.failed_at >= self.as_of)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "pending_changes": self.pending,
            "stale": self.stale,
            "refreshing": self.refreshing,
            "last_error": self.error if self.failed else None,
        }


def freshness(*, workspace: Workspace) -> Freshness:
    """One query: the refresh state and the marks still waiting."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.last_success_at, s.last_failure_at, s.last_error,
                   s.holder <> '' AND s.lease_expires_at > now(),
                   (SELECT count(*) FROM (SELECT 1 FROM productops_changemark m
                     WHERE m.workspace_id = %(ws)s AND m.topic = ANY(%(topics)s)
                     LIMIT %(cap)s) capped),
                   (SELECT min(m.marked_at) FROM productops_changemark m
                     WHERE m.workspace_id = %(ws)s AND m.topic = ANY(%(topics)s))
              FROM (SELECT 1) one
              LEFT JOIN dashboards_refreshstate s ON s.workspace_id = %(ws)s
            """,
            {"ws": workspace.pk, "topics": list(TOPICS), "cap": PENDING_CAP},
        )
        as_of, failed_at, error, refreshing, pending, oldest = cursor.fetchone()
    return Freshness(
        as_of=as_of,
        pending=pending,
        oldest_pending=oldest,
        failed_at=failed_at,
        error=error or "",
        refreshing=bool(refreshing),
    )


def refresh_state(*, workspace: Workspace) -> RefreshState | None:
    return RefreshState.objects.filter(workspace=workspace).first()


@dataclass(frozen=True)
class Figure:
    label: str
    value: Any
    display: str
    link: str = ""
    change: str = ""  # "+12% on the previous period"


@dataclass
class Tile:
    name: str
    title: str
    covers: str  # what the numbers cover, said next to "as of"
    summary: str  # the chart in one sentence, for screen readers and the digest
    figures: list[Figure]
    columns: list[str]
    rows: list[list[Any]]
    row_links: list[str] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    note: str = ""
    filename_period: str = ""
    link_column: int = 2  # which cell (1-based) of a row links to the list behind it

    @property
    def linked_rows(self) -> list[tuple[list[Any], str]]:
        links = self.row_links or [""] * len(self.rows)
        return list(zip(self.rows, links, strict=True))

    def as_json(self) -> dict[str, Any]:
        return {
            "tile": self.name,
            "title": self.title,
            "covers": self.covers,
            "summary": self.summary,
            "figures": [{"label": f.label, "value": _plain(f.value)} for f in self.figures],
            "columns": self.columns,
            "rows": [[_plain(v) for v in row] for row in self.rows],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _rows(sql: str, values: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def _money(amount: Decimal | int | None, currency: str) -> str:
    """productops.money's format; a sum over no rows (NULL) reads as nothing: 0."""
    return format_money(amount or 0, currency)


def _change(current: int | Decimal, previous: int | Decimal) -> str:
    if not previous:
        return "new this period" if current else "no change"
    pct = (Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)
    return f"{pct:+.0f}% on the previous period"


def _period(filters: DashboardFilters) -> str:
    return f"{filters.since:%d %b %Y} to {filters.until:%d %b %Y}"


def _feedback_where(filters: DashboardFilters) -> tuple[str, dict]:
    clauses = ["workspace_id = %(ws)s"]
    values: dict[str, Any] = {}
    if filters.segment:
        clauses.append("segment = %(segment)s")
        values["segment"] = filters.segment
    if filters.source is not None:
        clauses.append("source_id = %(source)s")
        values["source"] = filters.source
    if filters.area is not None:
        clauses.append("area_id = %(area)s")
        values["area"] = filters.area
    return " AND ".join(clauses), values


def _names(workspace: Workspace) -> tuple[dict[int, str], dict[int, str]]:
    """Source and product area names: two small tables, one query each."""
    sources = dict(Source.objects.filter(workspace=workspace).values_list("id", "name"))
    areas = dict(ProductArea.objects.filter(workspace=workspace).values_list("id", "name"))
    return sources, areas


def _bucket_of(day: date, filters: DashboardFilters) -> date:
    return day - timedelta(days=day.weekday()) if filters.weekly else day


def _buckets(filters: DashboardFilters) -> list[date]:
    step = 7 if filters.weekly else 1
    first = _bucket_of(filters.since, filters)
    return [
        first + timedelta(days=step * n) for n in range((filters.until - first).days // step + 1)
    ]


def _url(name: str, workspace: Workspace, query: str = "", **kwargs: Any) -> str:
    url = reverse(name, kwargs={"slug": workspace.slug, **kwargs})
    return f"{url}?{query}" if query else url


# Feedback volume ---------------------------------------------------------------------------


def _whole_months(since: date, until: date) -> tuple[date, date]:
    """[first, after): the calendar months wholly inside [since, until] (first == after: none)."""
    first = since if since.day == 1 else _next_month(since)
    after = _next_month(until) if (until + timedelta(days=1)).day == 1 else until.replace(day=1)
    return first, max(first, after)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


_DIMENSION_BITS = {"source": 0b1011, "area": 0b1101, "segment": 0b1110}


def _volume_rows(workspace: Workspace, filters: DashboardFilters) -> list[tuple]:
    """Rows (day, source_id, area_id, segment, grouping, current, before) as GROUPING SETS
    ((day), (source_id), (area_id), (segment), ()) of the cube would give them.

    Filtered, they come from the daily cube. Unfiltered, from the one-dimension slices: the
    days from the daily "all" slice, the breakdowns from the monthly slices for the whole months
    of the period and the daily ones for the days at its ends; so a year reads a few thousand
    rows at any volume.
    """
    prev_since, _prev_until = filters.previous
    values: dict[str, Any] = {
        "ws": workspace.pk,
        "since": filters.since,
        "until": filters.until,
        "prev_since": prev_since,
    }
    if _filtered(filters):
        where, extra = _feedback_where(filters)
        return _rows(
            f"""
            SELECT day, source_id, area_id, segment, GROUPING(day, source_id, area_id, segment),
                   sum(items) FILTER (WHERE day >= %(since)s),
                   sum(items) FILTER (WHERE day < %(since)s)
              FROM dashboards_feedbackdaily
             WHERE {where} AND day BETWEEN %(prev_since)s AND %(until)s
             GROUP BY GROUPING SETS ((day), (source_id), (area_id), (segment), ())
            """,
            values | extra,
        )
    first, after = _whole_months(filters.since, filters.until)
    values |= {"first": first, "after": after}
    rows = _rows(
        """
        SELECT 'day', day::text, sum(items) FILTER (WHERE day >= %(since)s),
               sum(items) FILTER (WHERE day < %(since)s)
          FROM dashboards_feedbackslicedaily
         WHERE workspace_id = %(ws)s AND dimension = 'all'
           AND day BETWEEN %(prev_since)s AND %(until)s
         GROUP BY day
        UNION ALL
        SELECT dimension, value, sum(items), 0 FROM (
            SELECT dimension, value, items FROM dashboards_feedbackslicemonthly
             WHERE workspace_id = %(ws)s AND dimension <> 'all'
               AND month >= %(first)s AND month < %(after)s
            UNION ALL
            SELECT dimension, value, items FROM dashboards_feedbackslicedaily
             WHERE workspace_id = %(ws)s AND dimension <> 'all'
               AND day BETWEEN %(since)s AND %(until)s
               AND NOT (day >= %(first)s AND day < %(after)s)) slices
         GROUP BY 1, 2
        """,
        values,
    )
    found: list[tuple] = []
    total = previous = 0
    for dimension, value, current, before in rows:
        current, before = current or 0, before or 0
        if dimension == "day":
            found.append((date.fromisoformat(value), None, None, None, 0b0111, current, before))
            total, previous = total + current, previous + before
        elif dimension == "segment":
            found.append((None, None, None, value, 0b1110, current, 0))
        else:
            key = int(value)
            source, area = (key, None) if dimension == "source" else (None, key)
            found.append((None, source, area, None, _DIMENSION_BITS[dimension], current, 0))
    found.append((None, None, None, None, 0b1111, total, previous))
    return found


def volume(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Feedback received by day (or week), source, area and segment, against the period before.

    One query over the rollups (see _volume_rows), plus the two name tables.
    """
    rows = _volume_rows(workspace, filters)
    sources, areas = _names(workspace)
    total = previous = 0
    by_day: dict[date, int] = {}
    by_prev_day: dict[date, int] = {}
    by_source: list[tuple[str, int, str]] = []
    by_area: list[tuple[str, int, str]] = []
    by_segment: list[tuple[str, int, str]] = []
    shift = timedelta(days=filters.days)
    for day, source_id, area_id, segment, grouping, current, before in rows:
        current, before = current or 0, before or 0
        if grouping == 0b1111:
            total, previous = current, before
        elif grouping == 0b0111:
            if day >= filters.since:
                key = _bucket_of(day, filters)
                by_day[key] = by_day.get(key, 0) + current
            else:
                key = _bucket_of(day + shift, filters)
                by_prev_day[key] = by_prev_day.get(key, 0) + before
        elif grouping == 0b1011 and current:
            link = _url("feedback_inbox", workspace, filters.inbox_query(source=str(source_id)))
            by_source.append((sources.get(source_id, f"Source {source_id}"), current, link))
        elif grouping == 0b1101 and current:
            area_query = filters.inbox_query(area=str(area_id) if area_id else "none")
            by_area.append(
                (
                    areas.get(area_id, "No area") if area_id else "No area",
                    current,
                    _url("feedback_inbox", workspace, area_query),
                )
            )
        elif grouping == 0b1110 and current:
            link = _url("feedback_inbox", workspace, filters.inbox_query(segment=segment))
            by_segment.append((segment or "No account", current, link if segment else ""))
    buckets = _buckets(filters)
    labels = [b.isoformat() for b in buckets]
    table_rows: list[list[Any]] = []
    links: list[str] = []
    for dimension, entries in (("Source", by_source), ("Area", by_area), ("Segment", by_segment)):
        for name, count, link in sorted(entries, key=lambda e: (-e[1], e[0])):
            table_rows.append([dimension, name, count])
            links.append(link)
    unit = "week" if filters.weekly else "day"
    top_source = max(by_source, key=lambda e: e[1])[0] if by_source else "none"
    return Tile(
        name="volume",
        title="Feedback volume",
        covers=f"{_period(filters)}, spam left out",
        summary=(
            f"{total:,} feedback items received ({_change(total, previous)}; "
            f"{previous:,} in the period before). Most came from {top_source}."
        ),
        figures=[
            Figure(
                "Received",
                total,
                f"{total:,}",
                _url("feedback_inbox", workspace, filters.inbox_query()),
                _change(total, previous),
            ),
            Figure("Previous period", previous, f"{previous:,}"),
        ],
        columns=["Dimension", "Name", "Items"],
        rows=table_rows,
        row_links=links,
        chart={
            "type": "line",
            "labels": labels,
            "datasets": [
                {"label": f"Items per {unit}", "data": [by_day.get(b, 0) for b in buckets]},
                {
                    "label": "Previous period",
                    "data": [by_prev_day.get(b, 0) for b in buckets],
                    "dashed": True,
                },
            ],
        },
    )


# Sentiment ---------------------------------------------------------------------------------

SENTIMENTS = (("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative"))


def _filtered(filters: DashboardFilters) -> bool:
    return bool(filters.segment) or filters.source is not None or filters.area is not None


def sentiment(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Scored items per day (or week) by sentiment: one query, over the daily "all" slice
    unless a filter needs the cube."""
    where, values = _feedback_where(filters)
    values |= {"ws": workspace.pk, "since": filters.since, "until": filters.until}
    table = "dashboards_feedbackdaily"
    if not _filtered(filters):
        table, where = "dashboards_feedbackslicedaily", f"{where} AND dimension = 'all'"
    rows = _rows(
        f"""
        SELECT day, sum(positive), sum(neutral), sum(negative) FROM {table}
         WHERE {where} AND day BETWEEN %(since)s AND %(until)s
         GROUP BY 1
        """,
        values,
    )
    buckets = _buckets(filters)
    counts: dict[str, dict[date, int]] = {key: {} for key, _ in SENTIMENTS}
    for day, *by_label in rows:
        key = _bucket_of(day, filters)
        for (label, _), n in zip(SENTIMENTS, by_label, strict=True):
            counts[label][key] = counts[label].get(key, 0) + n
    totals = {key: sum(by.values()) for key, by in counts.items()}
    scored = sum(totals.values())

    def share(key: str) -> str:
        return f"{totals[key] * 100 / scored:.0f}%" if scored else "-"

    return Tile(
        name="sentiment",
        title="Sentiment",
        covers=f"{_period(filters)}, scored items",
        summary=(
            f"Of {scored:,} scored items, {share('positive')} positive, {share('neutral')} "
            f"neutral and {share('negative')} negative."
        ),
        figures=[
            Figure(
                label,
                totals[key],
                share(key),
                _url("feedback_inbox", workspace, filters.inbox_query(sentiment=key)),
            )
            for key, label in SENTIMENTS
        ],
        columns=["Period", *[label for _, label in SENTIMENTS]],
        rows=[[b.isoformat(), *[counts[k].get(b, 0) for k, _ in SENTIMENTS]] for b in buckets],
        chart={
            "type": "bar",
            "stacked": True,
            "labels": [b.isoformat() for b in buckets],
            "datasets": [
                {"label": label, "data": [counts[key].get(b, 0) for b in buckets]}
                for key, label in SENTIMENTS
            ],
        },
    )


# Top ideas ---------------------------------------------------------------------------------

TOP_IDEAS = 8
SPARK_WEEKS = 12


def top_ideas(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Ideas by revenue and by unique accounts (the idea pages' figures), with a sparkline of
    their weekly mentions. Two queries."""
    values: dict[str, Any] = {"ws": workspace.pk, "n": TOP_IDEAS}
    area = ""
    if filters.area is not None:
        area, values["area"] = "AND area_id = %(area)s", filters.area
    rows = _rows(
        f"""
        (SELECT 'revenue', idea_id, title, status_category, mentions, unique_accounts, revenue
           FROM dashboards_ideatotal WHERE workspace_id = %(ws)s {area} AND mentions > 0
          ORDER BY revenue DESC, unique_accounts DESC, idea_id LIMIT %(n)s)
        UNION ALL
        (SELECT 'accounts', idea_id, title, status_category, mentions, unique_accounts, revenue
           FROM dashboards_ideatotal WHERE workspace_id = %(ws)s {area} AND mentions > 0
          ORDER BY unique_accounts DESC, revenue DESC, idea_id LIMIT %(n)s)
        """,
        values,
    )
    today = clock.workspace_today(workspace)
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=SPARK_WEEKS - 1)
    ids = sorted({r[1] for r in rows})
    weekly = _rows(
        """SELECT idea_id, week, mentions FROM dashboards_ideaweekly
            WHERE workspace_id = %(ws)s AND idea_id = ANY(%(ids)s) AND week >= %(first)s""",
        {"ws": workspace.pk, "ids": ids, "first": first},
    )
    weeks = [first + timedelta(weeks=n) for n in range(SPARK_WEEKS)]
    spark: dict[int, dict[date, int]] = {}
    for idea_id, week, mentions in weekly:
        spark.setdefault(idea_id, {})[week] = mentions
    by_revenue = [r for r in rows if r[0] == "revenue"]
    by_accounts = [r for r in rows if r[0] == "accounts"]
    table_rows, links = [], []
    for ranking, entries in (("By revenue", by_revenue), ("By accounts", by_accounts)):
        for _, idea_id, title, category, mentions, accounts, revenue in entries:
            series = [spark.get(idea_id, {}).get(w, 0) for w in weeks]
            table_rows.append(
                [ranking, title, category, mentions, accounts, revenue, " ".join(map(str, series))]
            )
            links.append(_url("idea_detail", workspace, idea_id=idea_id))
    leader = by_revenue[0] if by_revenue else None
    currency = workspace.currency
    return Tile(
        name="ideas",
        title="Top ideas",
        covers="all customer demand, as on the idea pages; sparklines: the last 12 weeks",
        summary=(
            f"The idea with the most revenue behind it is “{leader[2]}”: "
            f"{_money(leader[6], currency)} from {leader[5]} accounts."
            if leader
            else "No idea has customer demand yet."
        ),
        figures=[
            Figure(
                "Ideas with demand",
                len(ids),
                f"{len(ids)}",
                _url("idea_list", workspace, "sort=revenue"),
            )
        ],
        columns=["Ranking", "Idea", "Status", "Mentions", "Accounts", "Revenue", "Weekly mentions"],
        rows=table_rows,
        row_links=links,
        chart={
            "type": "bar",
            "horizontal": True,
            "labels": [r[2][:40] for r in by_revenue],
            "datasets": [
                {"label": f"Revenue ({currency})", "data": [str(r[6]) for r in by_revenue]}
            ],
        },
    )


# Triage health -----------------------------------------------------------------------------

MEDIAN_BUCKETS = ("1 hour", "4 hours", "1 day", "3 days", "7 days")


def _median_bucket(triaged: int, within: list[int]) -> str:
    """The first of MEDIAN_BUCKETS holding half the triaged items: the median's bucket."""
    if not triaged:
        return "-"
    for label, count in zip(MEDIAN_BUCKETS, within, strict=True):
        if count * 2 >= triaged:
            return f"within {label}"
    return "over 7 days"


def triage(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Triage health: the backlog today and its age (by the day items arrived), and the flow
    of the period by the day things happened: received, triaged (on the day they were
    triaged, with how long they had waited) and the backlog at the end of each day or week.

    Two queries: the backlog by received day, and the flow (whose running sum is the backlog's
    history) up to the period's end; each reads one row per day of the workspace's history.
    """
    today = clock.workspace_today(workspace)
    values = {"ws": workspace.pk, "since": filters.since, "until": filters.until, "today": today}
    (row,) = _rows(
        """
        SELECT coalesce(sum(received) FILTER (WHERE day BETWEEN %(since)s AND %(until)s), 0),
               coalesce(sum(untriaged), 0),
               coalesce(sum(untriaged) FILTER (WHERE day >= %(today)s - 1), 0),
               coalesce(sum(untriaged) FILTER (
                   WHERE day BETWEEN %(today)s - 7 AND %(today)s - 2), 0),
               coalesce(sum(untriaged) FILTER (
                   WHERE day BETWEEN %(today)s - 30 AND %(today)s - 8), 0),
               coalesce(sum(untriaged) FILTER (WHERE day < %(today)s - 30), 0),
               min(day) FILTER (WHERE untriaged > 0)
          FROM dashboards_triagedaily WHERE workspace_id = %(ws)s
        """,
        values,
    )
    received, backlog, age_1, age_7, age_30, age_old, oldest = row
    flow = _rows(
        """
        SELECT day, triaged, triage_seconds, within_1h, within_4h, within_1d, within_3d,
               within_7d, sum(entered - triaged) OVER (ORDER BY day)
          FROM dashboards_triageflowdaily
         WHERE workspace_id = %(ws)s AND day <= %(until)s
         ORDER BY day
        """,
        values,
    )
    received_by_day = _rows(
        """SELECT day, received FROM dashboards_triagedaily
            WHERE workspace_id = %(ws)s AND day BETWEEN %(since)s AND %(until)s""",
        values,
    )
    triaged, seconds, within = 0, 0, [0] * len(MEDIAN_BUCKETS)
    buckets = _buckets(filters)
    got: dict[date, int] = {}
    done: dict[date, int] = {}
    backlog_at: dict[date, int] = {}  # at the end of each bucket's last day with a change
    carried = 0  # the backlog at the end of the day before the period
    for day, n, secs, *rest in flow:
        *bucket_within, running = rest
        if day < filters.since:
            carried = running
            continue
        triaged, seconds = triaged + n, seconds + secs
        within = [a + b for a, b in zip(within, bucket_within, strict=True)]
        key = _bucket_of(day, filters)
        done[key] = done.get(key, 0) + n
        backlog_at[key] = running
    for day, n in received_by_day:
        key = _bucket_of(day, filters)
        got[key] = got.get(key, 0) + n
    history = []
    for bucket in buckets:
        carried = backlog_at.get(bucket, carried)
        history.append(carried)
    median = _median_bucket(triaged, within)
    mean_hours = seconds / triaged / 3600 if triaged else 0
    inbox = "feedback_inbox"
    ages = [
        ("0-1 days", age_1, (today - timedelta(days=1), today)),
        ("2-7 days", age_7, (today - timedelta(days=7), today - timedelta(days=2))),
        ("8-30 days", age_30, (today - timedelta(days=30), today - timedelta(days=8))),
        ("over 30 days", age_old, (None, today - timedelta(days=31))),
    ]
    rows: list[list[Any]] = []
    links = []
    for label, count, (since, until) in ages:
        rows.append([f"Waiting {label}", "", "", count])
        query = f"status=new&sort=oldest&until={until.isoformat()}"
        if since:
            query += f"&since={since.isoformat()}"
        links.append(_url(inbox, workspace, query))
    for bucket, waiting in zip(buckets, history, strict=True):
        rows.append([bucket.isoformat(), got.get(bucket, 0), done.get(bucket, 0), waiting])
        links.append("")
    oldest_days = (today - oldest).days if oldest else 0
    return Tile(
        name="triage",
        title="Triage health",
        covers=(
            f"backlog today; received, triaged and backlog by the day each happened, "
            f"{_period(filters)}"
        ),
        summary=(
            f"{backlog:,} items wait for triage"
            + (f", the oldest for {oldest_days} days" if oldest else "")
            + f". In the period {received:,} arrived and {triaged:,} were triaged, "
            f"median time to triage {median}; the backlog went from "
            f"{history[0] if history else 0:,} to {history[-1] if history else 0:,}."
        ),
        figures=[
            Figure("Backlog", backlog, f"{backlog:,}", _url(inbox, workspace, "status=new")),
            Figure(
                "Oldest waiting",
                oldest_days,
                f"{oldest_days} days" if oldest else "-",
                _url(inbox, workspace, "status=new&sort=oldest"),
            ),
            Figure("Median time to triage", median, median),
            Figure("Mean time to triage", round(mean_hours, 1), f"{mean_hours:.1f} h"),
            Figure(
                "Received in period",
                received,
                f"{received:,}",
                _url(inbox, workspace, filters.inbox_query()),
            ),
            Figure("Triaged in period", triaged, f"{triaged:,}"),
        ],
        columns=["Backlog age or period", "Received", "Triaged", "Backlog"],
        rows=rows,
        row_links=links,
        link_column=1,
        chart={
            "type": "bar",
            "labels": [b.isoformat() for b in buckets],
            "datasets": [
                {"label": "Received", "data": [got.get(b, 0) for b in buckets]},
                {"label": "Triaged", "data": [done.get(b, 0) for b in buckets]},
                {"label": "Backlog at the end", "data": history, "type": "line"},
            ],
        },
    )


# Loop closure ------------------------------------------------------------------------------


def loop_closure(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Ideas shipped or declined in the period: how many asking customers were told, how fast.
    Two queries over the idea totals."""
    values = {
        "ws": workspace.pk,
        "start": clock.day_start(workspace, filters.since),
        "end": clock.day_end(workspace, filters.until),
    }
    closed = """workspace_id = %(ws)s AND status_category IN ('shipped', 'declined')
        AND status_changed_at >= %(start)s AND status_changed_at < %(end)s"""
    (row,) = _rows(
        f"""
        SELECT count(*), coalesce(sum(asking_contacts), 0), coalesce(sum(told_contacts), 0),
               avg(extract(epoch FROM first_told_at - status_changed_at) / 86400)
                   FILTER (WHERE first_told_at IS NOT NULL)
          FROM dashboards_ideatotal WHERE {closed}
        """,
        values,
    )
    ideas, asking, told, days_to_tell = row
    waiting = _rows(
        f"""SELECT idea_id, title, status_category, asking_contacts, told_contacts
              FROM dashboards_ideatotal WHERE {closed}
             ORDER BY asking_contacts - told_contacts DESC, idea_id LIMIT 10""",
        values,
    )
    share = f"{told * 100 / asking:.0f}%" if asking else "-"
    days_text = f"{days_to_tell:.1f} days" if days_to_tell is not None else "-"
    return Tile(
        name="loop",
        title="Closing the loop",
        covers=f"ideas shipped or declined {_period(filters)}",
        summary=(
            f"{ideas} ideas were shipped or declined; {told:,} of {asking:,} asking customers "
            f"were told ({share}), on average {days_text} after the decision."
        ),
        figures=[
            Figure("Customers told", told, share),
            Figure("Asking customers", asking, f"{asking:,}"),
            Figure("Days from decision to told", days_to_tell, days_text),
            Figure("Ideas closed", ideas, f"{ideas}", _url("idea_board", workspace)),
        ],
        columns=["Idea", "Outcome", "Asking", "Told"],
        rows=[[w[1], w[2], w[3], w[4]] for w in waiting],
        row_links=[_url("idea_detail", workspace, idea_id=w[0]) for w in waiting],
        chart={
            "type": "doughnut",
            "labels": ["Told", "Not told yet"],
            "datasets": [{"label": "Asking customers", "data": [told, max(asking - told, 0)]}],
        },
    )


# Planning ----------------------------------------------------------------------------------

SHOWN_QUARTERS = 4  # at least this many, ending with the period's last


def _quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarter_name(quarter: date) -> str:
    return f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"


def _quarters(filters: DashboardFilters) -> list[date]:
    last = _quarter_of(filters.until)
    index = last.year * 4 + (last.month - 1) // 3
    first = min(_quarter_of(filters.since), _from_index(index - SHOWN_QUARTERS + 1))
    count = index - (first.year * 4 + (first.month - 1) // 3) + 1
    return [_from_index(index - n) for n in reversed(range(count))]


def _from_index(index: int) -> date:
    return date(index // 4, 3 * (index % 4) + 1, 1)


@dataclass(frozen=True)
class _Quarter:
    decided: int = 0
    committed: int = 0
    with_demand: int = 0
    committed_shipped: int = 0
    shipped_ideas: int = 0
    shipped_accounts: int = 0
    shipped_revenue: Decimal = Decimal(0)


def _planning(workspace: Workspace, quarters: list[date]) -> dict[date, _Quarter]:
    """The quarters' planning rollup rows and this quarter's (one query)."""
    this = _quarter_of(clock.workspace_today(workspace))
    rows = _rows(
        """SELECT quarter, decided, committed, committed_with_demand, committed_shipped,
                  shipped_ideas, shipped_accounts, shipped_revenue
             FROM dashboards_planningquarterly
            WHERE workspace_id = %(ws)s AND quarter = ANY(%(quarters)s::date[])""",
        {"ws": workspace.pk, "quarters": sorted({*quarters, this})},
    )
    return {row[0]: _Quarter(*row[1:]) for row in rows}


def _share(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.0f}%" if whole else "-"


def roadmap(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Roadmap evidence: how much of what was committed customers asked for, and the revenue
    of the customers whose asks shipped this quarter. One query over the planning rollup."""
    quarters = _quarters(filters)
    by_quarter = _planning(workspace, quarters)
    this = by_quarter.get(_quarter_of(clock.workspace_today(workspace)), _Quarter())
    shown = [by_quarter.get(q, _Quarter()) for q in quarters]
    committed = sum(q.committed for q in shown)
    backed = sum(q.with_demand for q in shown)
    currency = workspace.currency
    board = _url("planning_board_decisions", workspace)
    return Tile(
        name="roadmap",
        title="Roadmap evidence",
        covers=(
            f"decisions of {_quarter_name(quarters[0])} to {_quarter_name(quarters[-1])}; "
            "shipped: this quarter"
        ),
        summary=(
            f"{backed} of {committed} committed items ({_share(backed, committed)}) are backed "
            f"by customer demand. This quarter {this.shipped_ideas} ideas shipped to "
            f"{this.shipped_accounts} asking customers worth "
            f"{_money(this.shipped_revenue, currency)} a year."
        ),
        figures=[
            Figure("Committed backed by demand", backed, _share(backed, committed), board),
            Figure(
                "Revenue of customers whose asks shipped this quarter",
                this.shipped_revenue,
                _money(this.shipped_revenue, currency),
                _url("idea_board", workspace),
            ),
            Figure(
                "Customers whose asks shipped", this.shipped_accounts, f"{this.shipped_accounts}"
            ),
            Figure("Ideas shipped this quarter", this.shipped_ideas, f"{this.shipped_ideas}"),
        ],
        columns=[
            "Quarter",
            "Committed",
            "Backed by demand",
            "Ideas shipped",
            "Customers",
            f"Revenue ({currency})",
        ],
        rows=[
            [
                _quarter_name(q),
                r.committed,
                r.with_demand,
                r.shipped_ideas,
                r.shipped_accounts,
                r.shipped_revenue,
            ]
            for q, r in zip(quarters, shown, strict=True)
        ],
        row_links=[board] * len(quarters),
        link_column=2,
        chart={
            "type": "bar",
            "labels": [_quarter_name(q) for q in quarters],
            "datasets": [
                {"label": "Committed", "data": [r.committed for r in shown]},
                {"label": "Backed by demand", "data": [r.with_demand for r in shown]},
            ],
        },
    )


def predictability(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Planning predictability: what was committed each quarter against what of it shipped.
    One query over the planning rollup."""
    quarters = _quarters(filters)
    by_quarter = _planning(workspace, quarters)
    shown = [by_quarter.get(q, _Quarter()) for q in quarters]
    committed = sum(q.committed for q in shown)
    shipped = sum(q.committed_shipped for q in shown)
    board = _url("planning_board_decisions", workspace)
    return Tile(
        name="predictability",
        title="Planning predictability",
        covers=f"decisions of {_quarter_name(quarters[0])} to {_quarter_name(quarters[-1])}",
        summary=(
            f"Of {committed} items committed, {shipped} have shipped "
            f"({_share(shipped, committed)})."
        ),
        figures=[
            Figure("Committed", committed, f"{committed}", board),
            Figure("Shipped of them", shipped, f"{shipped}"),
            Figure("Shipped share", _share(shipped, committed), _share(shipped, committed)),
        ],
        columns=["Quarter", "Decided", "Committed", "Shipped", "Shipped share"],
        rows=[
            [
                _quarter_name(q),
                r.decided,
                r.committed,
                r.committed_shipped,
                _share(r.committed_shipped, r.committed),
            ]
            for q, r in zip(quarters, shown, strict=True)
        ],
        row_links=[board] * len(quarters),
        link_column=3,
        chart={
            "type": "bar",
            "labels": [_quarter_name(q) for q in quarters],
            "datasets": [
                {"label": "Committed", "data": [r.committed for r in shown]},
                {"label": "Shipped", "data": [r.committed_shipped for r in shown]},
            ],
        },
    )


# Tools -------------------------------------------------------------------------------------


def tools(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Annual spend by category, spend per active seat, waste and renewals in the next 90 days
    (the inventory's own rules), and spend per month. Two queries."""
    today = clock.workspace_today(workspace)
    values = {"ws": workspace.pk, "today": today, "horizon": today + timedelta(days=90)}
    rows = _rows(
        """
        SELECT category, GROUPING(category),
               coalesce(sum(annual_cost) FILTER (WHERE in_spend), 0),
               coalesce(sum(seats_used) FILTER (WHERE in_spend), 0),
               coalesce(sum(greatest(seats_bought - seats_used, 0) * annual_cost / seats_bought)
                   FILTER (WHERE in_spend AND seats_bought > 0), 0),
               count(*) FILTER (WHERE in_spend AND renewal_date BETWEEN %(today)s AND %(horizon)s),
               coalesce(sum(annual_cost) FILTER (
                   WHERE in_spend AND renewal_date BETWEEN %(today)s AND %(horizon)s), 0)
          FROM dashboards_toolnow WHERE workspace_id = %(ws)s
         GROUP BY GROUPING SETS ((category), ())
        """,
        values,
    )
    first = (today.replace(day=1) - timedelta(days=334)).replace(day=1)
    monthly = _rows(
        """SELECT month, sum(spend) FROM dashboards_toolspendmonthly
            WHERE workspace_id = %(ws)s AND month BETWEEN %(first)s AND %(today)s
            GROUP BY 1 ORDER BY 1""",
        values | {"first": first},
    )
    currency = workspace.currency
    total = next((r for r in rows if r[1] == 1), (None, 1, 0, 0, 0, 0, 0))
    _, _, spend, seats, waste, renewals, renewing = total
    per_seat = Decimal(spend) / seats if seats else None
    categories = sorted((r for r in rows if r[1] == 0 and r[2]), key=lambda r: (-r[2], r[0]))
    tool_list = "tool_list"
    return Tile(
        name="tools",
        title="Tools",
        covers="current contracts as of today, at the workspace's budget rates",
        summary=(
            f"Tools cost {_money(spend, currency)} a year"
            + (f", {_money(per_seat, currency)} per active seat" if per_seat else "")
            + f"; unused seats waste {_money(waste, currency)}; {renewals} contracts worth "
            f"{_money(renewing, currency)} renew in the next 90 days."
        ),
        figures=[
            Figure("Annual spend", spend, _money(spend, currency), _url("spend", workspace)),
            Figure(
                "Spend per active seat",
                per_seat,
                _money(per_seat, currency) if per_seat else "-",
            ),
            Figure("Waste", waste, _money(waste, currency), _url("waste", workspace)),
            Figure(
                "Renewals in 90 days",
                renewals,
                f"{renewals} · {_money(renewing, currency)}",
                _url("renewals", workspace),
            ),
        ],
        columns=["Category", f"Annual spend ({currency})"],
        rows=[[r[0], r[2]] for r in categories],
        row_links=[_url(tool_list, workspace, f"category={_quote(r[0])}") for r in categories],
        chart={
            "type": "bar",
            "labels": [m.isoformat()[:7] for m, _ in monthly],
            "datasets": [
                {"label": f"Spend per month ({currency})", "data": [str(s) for _, s in monthly]}
            ],
        },
    )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


TILES = {
    "volume": volume,
    "sentiment": sentiment,
    "ideas": top_ideas,
    "triage": triage,
    "loop": loop_closure,
    "roadmap": roadmap,
    "predictability": predictability,
    "tools": tools,
}


def tile(*, workspace: Workspace, name: str, filters: DashboardFilters) -> Tile:
    found = TILES[name](workspace=workspace, filters=filters)
    found.filename_period = f"{filters.since.isoformat()}-{filters.until.isoformat()}"
    return found


def filter_choices(*, workspace: Workspace) -> dict[str, Any]:
    sources, areas = _names(workspace)
    return {
        "sources": sorted(sources.items(), key=lambda kv: kv[1].lower()),
        "areas": sorted(areas.items(), key=lambda kv: kv[1].lower()),
        "segments": intake_selectors.account_segments(workspace=workspace),
    }


def pending_marks(*, workspace: Workspace) -> int:
    return ChangeMark.objects.filter(workspace=workspace, topic__in=TOPICS).count()
