"""Triage health and loop closure tiles."""

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from dashboards.filters import DashboardFilters
from dashboards.selectors.shared import (
    Bound,
    Column,
    Figure,
    Tile,
    bucket_of,
    duration_text,
    fetch_rows,
    link_to,
    percent_of,
    percent_text,
    period_buckets,
    period_text,
)
from productops import clock
from productops.models import Workspace

# The rollup's buckets of time to triage (dashboards/rollups/triage.py's within_* columns): each
# one's name, in the one duration rule the mean follows too, and its edge in hours.
MEDIAN_BUCKETS = tuple((duration_text(hours), hours) for hours in (1, 4, 24, 72, 168))


def _median_bucket(triaged: int, within: list[int]) -> tuple[str, int | None, Bound | None]:
    """The first of MEDIAN_BUCKETS holding half the triaged items, the median's bucket: its
    text ("within 4 hours", "over 7 days", "-"), its edge in hours and which side of it."""
    if not triaged:
        return "-", None, None
    for (label, hours), count in zip(MEDIAN_BUCKETS, within, strict=True):
        if count * 2 >= triaged:
            return f"within {label}", hours, "at_most"
    label, hours = MEDIAN_BUCKETS[-1]
    return f"over {label}", hours, "over"


def triage(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Triage health: the backlog today and its age (by the day items arrived), and the flow
    of the period by the day things happened: received, triaged (on the day they were
    triaged, with how long they had waited) and the backlog at the end of each day or week.

    Two queries: the backlog by received day, and the flow (whose running sum is the backlog's
    history) up to the period's end; each reads one row per day of the workspace's history.
    """
    today = clock.workspace_today(workspace)
    values = {"ws": workspace.pk, "since": filters.since, "until": filters.until, "today": today}
    (row,) = fetch_rows(
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
    flow = fetch_rows(
        """
        SELECT day, triaged, triage_seconds, within_1h, within_4h, within_1d, within_3d,
               within_7d, sum(entered - exited) OVER (ORDER BY day)
          FROM dashboards_triageflowdaily
         WHERE workspace_id = %(ws)s AND day <= %(until)s
         ORDER BY day
        """,
        values,
    )
    received_by_day = fetch_rows(
        """SELECT day, received FROM dashboards_triagedaily
            WHERE workspace_id = %(ws)s AND day BETWEEN %(since)s AND %(until)s""",
        values,
    )
    triaged, seconds, within = 0, 0, [0] * len(MEDIAN_BUCKETS)
    buckets = period_buckets(filters)
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
        key = bucket_of(day, filters)
        done[key] = done.get(key, 0) + n
        backlog_at[key] = running
    for day, n in received_by_day:
        key = bucket_of(day, filters)
        got[key] = got.get(key, 0) + n
    history = []
    for bucket in buckets:
        carried = backlog_at.get(bucket, carried)
        history.append(carried)
    median, median_hours, median_bound = _median_bucket(triaged, within)
    mean_hours = seconds / triaged / 3600 if triaged else None
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
        links.append(link_to(inbox, workspace, query))
    for bucket, waiting in zip(buckets, history, strict=True):
        rows.append([bucket.isoformat(), got.get(bucket, 0), done.get(bucket, 0), waiting])
        links.append("")
    oldest_days = (today - oldest).days if oldest else 0
    return Tile(
        name="triage",
        title="Triage health",
        covers=(
            f"backlog today; received, triaged and backlog by the day each happened, "
            f"{period_text(filters)}"
        ),
        summary=(
            f"{backlog:,} items wait for triage"
            + (f", the oldest for {oldest_days} days" if oldest else "")
            + f". In the period {received:,} arrived and {triaged:,} were triaged, "
            f"median time to triage {median}; the backlog went from "
            f"{history[0] if history else 0:,} to {history[-1] if history else 0:,}."
        ),
        figures=[
            Figure(
                "Backlog",
                backlog,
                f"{backlog:,}",
                link_to(inbox, workspace, "status=new"),
                unit="count",
            ),
            Figure(
                "Oldest waiting",
                oldest_days,
                f"{oldest_days} days" if oldest else "-",
                link_to(inbox, workspace, "status=new&sort=oldest"),
                unit="days",
            ),
            Figure("Median time to triage", median_hours, median, unit="hours", bound=median_bound),
            Figure(
                "Mean time to triage",
                None if mean_hours is None else round(mean_hours, 1),
                "-" if mean_hours is None else duration_text(mean_hours),
                unit="hours",
            ),
            Figure(
                "Received in period",
                received,
                f"{received:,}",
                # The triage rollups have no segment, source or area: neither has the list.
                link_to(inbox, workspace, filters.inbox_query(narrowed=False)),
                unit="count",
            ),
            Figure(
                "Triaged in period",
                triaged,
                f"{triaged:,}",
                link_to(inbox, workspace, filters.triaged_query()),
                unit="count",
            ),
        ],
        columns=[
            Column("Backlog age or period"),
            Column("Received", "count"),
            Column("Triaged", "count"),
            Column("Backlog", "count"),
        ],
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
    (row,) = fetch_rows(
        f"""
        SELECT count(*), coalesce(sum(asking_contacts), 0), coalesce(sum(told_contacts), 0),
               avg(extract(epoch FROM first_told_at - status_changed_at) / 86400)
                   FILTER (WHERE first_told_at IS NOT NULL)
          FROM dashboards_ideatotal WHERE {closed}
        """,
        values,
    )
    ideas, asking, told, days_to_tell = row
    waiting = fetch_rows(
        f"""SELECT idea_id, title, status_category, asking_contacts, told_contacts
              FROM dashboards_ideatotal WHERE {closed}
             ORDER BY asking_contacts - told_contacts DESC, idea_id LIMIT 10""",
        values,
    )
    share = percent_text(percent_of(told, asking))
    days_text = f"{days_to_tell:.1f} days" if days_to_tell is not None else "-"
    return Tile(
        name="loop",
        title="Closing the loop",
        covers=f"ideas shipped or declined {period_text(filters)}",
        summary=(
            f"{ideas} ideas were shipped or declined; {told:,} of {asking:,} asking customers "
            f"were told ({share}), on average {days_text} after the decision."
        ),
        figures=[
            Figure("Customers told", told, share, unit="count", share=percent_of(told, asking)),
            Figure("Asking customers", asking, f"{asking:,}", unit="count"),
            Figure("Days from decision to told", days_to_tell, days_text, unit="days"),
            Figure(
                "Ideas closed",
                ideas,
                f"{ideas}",
                link_to(
                    "idea_list",
                    workspace,
                    urlencode(
                        {
                            "category": "shipped,declined",
                            "changed_since": filters.since.isoformat(),
                            "changed_until": filters.until.isoformat(),
                        }
                    ),
                ),
                unit="count",
            ),
        ],
        columns=[
            Column("Idea"),
            Column("Outcome"),
            Column("Asking", "count"),
            Column("Told", "count"),
        ],
        rows=[[w[1], w[2], w[3], w[4]] for w in waiting],
        row_links=[link_to("idea_detail", workspace, idea_id=w[0]) for w in waiting],
        chart={
            "type": "doughnut",
            "labels": ["Told", "Not told yet"],
            "datasets": [{"label": "Asking customers", "data": [told, max(asking - told, 0)]}],
        },
    )
