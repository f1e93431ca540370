"""Feedback tiles: volume and sentiment."""

from datetime import date, timedelta
from typing import Any

from dashboards.filters import DashboardFilters
from dashboards.selectors.shared import (
    Column,
    Figure,
    Tile,
    bucket_of,
    change_text,
    feedback_where,
    fetch_rows,
    link_to,
    percent_of,
    percent_text,
    period_buckets,
    period_text,
    source_and_area_names,
)
from productops.models import Workspace


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
        where, extra = feedback_where(filters)
        return fetch_rows(
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
    rows = fetch_rows(
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
            -- The days before the first whole month and from the month after the last, as two
            -- index ranges: one range over the period with the months filtered out read every
            -- day's breakdown rows, and days hold more of them as the volume grows.
            SELECT dimension, value, items FROM dashboards_feedbackslicedaily
             WHERE workspace_id = %(ws)s AND dimension <> 'all'
               AND day >= %(since)s AND day < least(%(first)s, %(until)s + 1)
            UNION ALL
            SELECT dimension, value, items FROM dashboards_feedbackslicedaily
             WHERE workspace_id = %(ws)s AND dimension <> 'all'
               AND day >= greatest(%(after)s, %(since)s) AND day <= %(until)s) slices
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
    sources, areas = source_and_area_names(workspace)
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
                key = bucket_of(day, filters)
                by_day[key] = by_day.get(key, 0) + current
            else:
                key = bucket_of(day + shift, filters)
                by_prev_day[key] = by_prev_day.get(key, 0) + before
        elif grouping == 0b1011 and current:
            link = link_to("feedback_inbox", workspace, filters.inbox_query(source=str(source_id)))
            by_source.append((sources.get(source_id, f"Source {source_id}"), current, link))
        elif grouping == 0b1101 and current:
            area_query = filters.inbox_query(area=str(area_id) if area_id else "none")
            by_area.append(
                (
                    areas.get(area_id, "No area") if area_id else "No area",
                    current,
                    link_to("feedback_inbox", workspace, area_query),
                )
            )
        elif grouping == 0b1110 and current:
            link = link_to("feedback_inbox", workspace, filters.inbox_query(segment=segment))
            by_segment.append((segment or "No account", current, link if segment else ""))
    buckets = period_buckets(filters)
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
        covers=f"{period_text(filters)}, spam left out",
        summary=(
            f"{total:,} feedback items received ({change_text(total, previous)}; "
            f"{previous:,} in the period before). Most came from {top_source}."
        ),
        figures=[
            Figure(
                "Received",
                total,
                f"{total:,}",
                link_to("feedback_inbox", workspace, filters.inbox_query()),
                change_text(total, previous),
                unit="count",
            ),
            Figure("Previous period", previous, f"{previous:,}", unit="count"),
        ],
        columns=[Column("Dimension"), Column("Name"), Column("Items", "count")],
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


SENTIMENTS = (("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative"))


def _filtered(filters: DashboardFilters) -> bool:
    return bool(filters.segment) or filters.source is not None or filters.area is not None


def sentiment(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Scored items per day (or week) by sentiment: one query, over the daily "all" slice
    unless a filter needs the cube."""
    where, values = feedback_where(filters)
    values |= {"ws": workspace.pk, "since": filters.since, "until": filters.until}
    table = "dashboards_feedbackdaily"
    if not _filtered(filters):
        table, where = "dashboards_feedbackslicedaily", f"{where} AND dimension = 'all'"
    rows = fetch_rows(
        f"""
        SELECT day, sum(positive), sum(neutral), sum(negative) FROM {table}
         WHERE {where} AND day BETWEEN %(since)s AND %(until)s
         GROUP BY 1
        """,
        values,
    )
    buckets = period_buckets(filters)
    counts: dict[str, dict[date, int]] = {key: {} for key, _ in SENTIMENTS}
    for day, *by_label in rows:
        key = bucket_of(day, filters)
        for (label, _), n in zip(SENTIMENTS, by_label, strict=True):
            counts[label][key] = counts[label].get(key, 0) + n
    totals = {key: sum(by.values()) for key, by in counts.items()}
    scored = sum(totals.values())

    def share(key: str) -> str:
        return percent_text(percent_of(totals[key], scored))

    return Tile(
        name="sentiment",
        title="Sentiment",
        covers=f"{period_text(filters)}, scored items",
        summary=(
            f"Of {scored:,} scored items, {share('positive')} positive, {share('neutral')} "
            f"neutral and {share('negative')} negative."
        ),
        figures=[
            Figure(
                label,
                totals[key],
                share(key),
                link_to("feedback_inbox", workspace, filters.inbox_query(sentiment=key)),
                unit="count",
                share=percent_of(totals[key], scored),
            )
            for key, label in SENTIMENTS
        ],
        columns=[Column("Period"), *[Column(label, "count") for _, label in SENTIMENTS]],
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
