"""What every tile is made of (`Tile`, `Figure`, `Column`, each number with its `Unit`) and the
helpers the tile families share: the filters as SQL, buckets, money, links and the filter
choices."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal, get_args

from django.db import connection
from django.urls import reverse

from dashboards.filters import DashboardFilters
from feedback.models import ProductArea, Source
from feedback.selectors import intake as intake_selectors
from productops.models import Workspace

# What a number counts or measures. Every figure and every number column says its unit where
# the selector makes it; the page, the CSV and the metrics API read it from there.
Unit = Literal["count", "hours", "days", "percent", "money"]
UNITS: tuple[Unit, ...] = get_args(Unit)
Bound = Literal["at_most", "over"]


@dataclass(frozen=True)
class Figure:
    label: str
    value: Any  # a number in `unit` (money in the workspace's currency), or None
    display: str
    link: str = ""
    change: str = ""  # "+12% on the previous period"
    unit: Unit = field(kw_only=True)
    # A count the page shows as a share of a whole: that share in whole percent, as shown.
    share: int | None = field(default=None, kw_only=True)
    # A value known only to a bucket ("within 4 hours"): at most or over `value`.
    bound: Bound | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class Column:
    title: str
    unit: Unit | None = None  # None: a text column (names, periods, statuses)


@dataclass(frozen=True)
class Trend:
    """One row's weekly series, drawn as a sparkline beside its label."""

    label: str
    link: str
    weekly: list[int]  # oldest week first, the last being this week so far


@dataclass
class Tile:
    name: str
    title: str
    covers: str  # what the numbers cover, said next to "as of"
    summary: str  # the chart in one sentence, for screen readers and the digest
    figures: list[Figure]
    columns: list[Column]
    rows: list[list[Any]]
    row_links: list[str] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    note: str = ""
    filename_period: str = ""
    link_column: int = 2  # which cell (1-based) of a row links to the list behind it
    trends: list[Trend] = field(default_factory=list)
    trends_cover: str = ""  # what the sparklines show, e.g. "Mentions a week, last 12 weeks"

    @property
    def linked_rows(self) -> list[tuple[list[tuple[Any, Column]], str]]:
        """Each row as (cell, its column) pairs, with the link of the row."""
        links = self.row_links or [""] * len(self.rows)
        return [
            (list(zip(row, self.columns, strict=True)), link)
            for row, link in zip(self.rows, links, strict=True)
        ]


def fetch_rows(sql: str, values: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def change_text(current: int | Decimal, previous: int | Decimal) -> str:
    if not previous:
        return "new this period" if current else "no change"
    pct = (Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)
    return f"{pct:+.0f}% on the previous period"


def _amount(value: float, unit: str) -> str:
    # One decimal under 10 ("2.5 hours", "1 day"), whole above ("69 days", "1,204 days").
    amount = round(value, 1) if value < 10 else round(value)
    text = f"{amount:,.1f}".removesuffix(".0") if value < 10 else f"{amount:,}"
    return f"{text} {unit}" + ("" if text == "1" else "s")


def duration_text(hours: float) -> str:
    """A duration given in hours as people read it, the one rule for every duration a tile
    shows (the median's buckets and the mean time to triage alike): minutes under an hour,
    hours under a day, days from a day ("45 minutes", "4 hours", "1 day", "69 days"; never
    "1666.0 h"). Rounded first, so 23.97 hours reads "1 day", not "24 hours"."""
    minutes = round(hours * 60)
    if minutes < 60:
        return _amount(minutes, "minute")
    hours = minutes / 60
    if round(hours, 1 if hours < 10 else 0) < 24:
        return _amount(hours, "hour")
    return _amount(hours / 24, "day")


def percent_of(part: int, whole: int) -> int | None:
    """`part` as a whole-number percent of `whole`, as the page shows it; None without a whole."""
    return round(part * 100 / whole) if whole else None


def percent_text(percent: int | None) -> str:
    return "-" if percent is None else f"{percent}%"


def period_text(filters: DashboardFilters) -> str:
    return f"{filters.since:%d %b %Y} to {filters.until:%d %b %Y}"


def feedback_where(filters: DashboardFilters) -> tuple[str, dict]:
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


def source_and_area_names(workspace: Workspace) -> tuple[dict[int, str], dict[int, str]]:
    """Source and product area names: two small tables, one query each."""
    sources = dict(Source.objects.filter(workspace=workspace).values_list("id", "name"))
    areas = dict(ProductArea.objects.filter(workspace=workspace).values_list("id", "name"))
    return sources, areas


def bucket_of(day: date, filters: DashboardFilters) -> date:
    return day - timedelta(days=day.weekday()) if filters.weekly else day


def period_buckets(filters: DashboardFilters) -> list[date]:
    step = 7 if filters.weekly else 1
    first = bucket_of(filters.since, filters)
    return [
        first + timedelta(days=step * n) for n in range((filters.until - first).days // step + 1)
    ]


def link_to(name: str, workspace: Workspace, query: str = "", **kwargs: Any) -> str:
    url = reverse(name, kwargs={"slug": workspace.slug, **kwargs})
    return f"{url}?{query}" if query else url


def filter_choices(*, workspace: Workspace) -> dict[str, Any]:
    sources, areas = source_and_area_names(workspace)
    return {
        "sources": sorted(sources.items(), key=lambda kv: kv[1].lower()),
        "areas": sorted(areas.items(), key=lambda kv: kv[1].lower()),
        "segments": intake_selectors.account_segments(workspace=workspace),
    }
