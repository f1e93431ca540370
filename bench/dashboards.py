"""Dashboards at 1M feedback items (`BENCH_ITEMS`), each figure a ratio measured in one run:

- the overview (page and every tile, in-process through every middleware) at 1M vs 10k items;
- the volume tile's numbers from the rollup vs the same numbers by a live GROUP BY over the items;
- an incremental refresh after 1,000 new items vs a full rebuild;
- the full rebuild of the item rollups vs one hand-written INSERT ... SELECT ... GROUP BY each.

Part of `make bench`; alone: `python -c "from bench.__main__ import set_up; set_up();
from bench import dashboards; [print(f.line()) for f in dashboards.run()]"`.
"""

import os
import statistics
import time
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.feedback_data import load
from bench.figures import Figure, median_ms
from dashboards import refresh, rollups, selectors
from dashboards.filters import DashboardFilters
from dashboards.rollups import store
from dashboards.selectors import feedback as feedback_tiles
from feedback.batch_upsert import mark_days
from productops import clock
from productops.models import Membership, Workspace

ITEMS = int(os.environ.get("BENCH_ITEMS", "1000000"))
SMALL = 10_000
TILES = tuple(selectors.TILES)


def _client(workspace: Workspace) -> Client:
    member = Membership.objects.filter(workspace=workspace).select_related("user").first()
    client = Client()
    client.force_login(member.user)
    return client


def _overview_ms(workspace: Workspace) -> float:
    """The page and every tile it loads, as a browser would fetch them (12 months)."""
    client = _client(workspace)
    query = "range=12m"
    page = f"/w/{workspace.slug}/dashboards/?{query}"
    # The tiles as htmx asks for them (a tile's URL opened as a page redirects to the page).
    tiles = [f"/w/{workspace.slug}/dashboards/tiles/{name}/?{query}" for name in TILES]
    requests = [(page, {})] + [(url, {"HX-Request": "true"}) for url in tiles]
    for url, headers in requests:
        assert client.get(url, headers=headers).status_code == 200, url

    def load_all() -> None:
        for url, headers in requests:
            client.get(url, headers=headers)

    return median_ms(load_all, repeat=9)


def _db_ms(sql: str, params, repeat: int = 5) -> float:
    samples = []
    with connection.cursor() as cursor:
        for _ in range(repeat + 1):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples[1:])


_LIVE_VOLUME = """
    SELECT (i.received_at AT TIME ZONE %(tz)s)::date AS day, i.source_id,
           coalesce(i.product_area_id, 0), coalesce(a.segment, ''),
           GROUPING((i.received_at AT TIME ZONE %(tz)s)::date, i.source_id,
                    coalesce(i.product_area_id, 0), coalesce(a.segment, '')),
           count(*) FILTER (WHERE i.received_at >= %(since)s),
           count(*) FILTER (WHERE i.received_at < %(since)s)
      FROM feedback_feedbackitem i LEFT JOIN feedback_account a ON a.id = i.account_id
     WHERE i.workspace_id = %(ws)s AND i.status <> 'spam'
       AND i.received_at >= %(prev)s AND i.received_at < %(end)s
     GROUP BY GROUPING SETS ((1), (2), (3), (4), ())
"""


def _live_figure(workspace: Workspace) -> Figure:
    """The volume tile's numbers (12 months and the 12 before) from the rollup, as the selector
    issues them, against a live GROUP BY over the items for the same numbers."""
    today = clock.workspace_today(workspace)
    filters = DashboardFilters(since=today - timedelta(days=364), until=today, preset="12m")
    with CaptureQueriesContext(connection) as captured:
        feedback_tiles.volume(workspace=workspace, filters=filters)
    ours_sql = [
        q["sql"]
        for q in captured.captured_queries
        if "dashboards_feedbackslice" in q["sql"] or "dashboards_feedbackdaily" in q["sql"]
    ]
    assert len(ours_sql) == 1, ours_sql
    ours = _db_ms(ours_sql[0], None)
    since = datetime.combine(filters.since, datetime.min.time(), tzinfo=UTC)
    live = _db_ms(
        _LIVE_VOLUME,
        {
            "tz": clock.zone(workspace).key,
            "ws": workspace.pk,
            "since": since,
            "prev": since - timedelta(days=365),
            "end": since + timedelta(days=366),
        },
        repeat=3,
    )
    return Figure(
        f"volume tile from the rollup vs a live GROUP BY, {ITEMS:,} items (database)", ours, live
    )


def _add_items(workspace: Workspace, n: int, batch: int) -> None:
    """`n` new items over the last few days, as intake stores them, with their change marks."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO feedback_feedbackitem
                   (workspace_id, source_id, external_id, title, body, received_at, status,
                    priority, sentiment, sentiment_overridden, version, submitter_email,
                    submitter_name, created_at, updated_at, processed_at)
            SELECT %(ws)s, (SELECT min(id) FROM feedback_source WHERE workspace_id = %(ws)s),
                   'bench-inc-' || %(batch)s || '-' || g, '', 'New feedback about exports',
                   now() - (g %% 72) * interval '1 hour', 'new', 0, 'neutral', false, 1, '', '',
                   now(), now(), now()
              FROM generate_series(1, %(n)s) g
            """,
            {"ws": workspace.pk, "n": n, "batch": batch},
        )
    now = datetime.now(UTC)
    mark_days(
        workspace, {clock.workspace_date(workspace, now - timedelta(hours=h)) for h in range(73)}
    )


def _refresh_figures(workspace: Workspace) -> list[Figure]:
    incremental, full = [], []
    for batch in range(3):
        with transaction.atomic():
            _add_items(workspace, 1000, batch=int(time.time() * 1000) + batch)
        started = time.perf_counter()
        outcome = refresh.refresh_changed(workspace_id=workspace.pk)
        incremental.append((time.perf_counter() - started) * 1000)
        assert outcome.ran and outcome.marks > 0
        started = time.perf_counter()
        refresh.rebuild_all(workspace_id=workspace.pk)
        full.append((time.perf_counter() - started) * 1000)
    rebuild_ms = statistics.median(full)
    figures = [
        Figure(
            f"incremental refresh after 1,000 new items vs a full rebuild, {ITEMS:,} items",
            statistics.median(incremental),
            rebuild_ms,
        )
    ]
    # The hand-written floor: one INSERT ... SELECT ... GROUP BY per item rollup, into a copy
    # of its table with the same unique index (a rollup needs its key; WAL and index upkeep are
    # paid by both sides), the slices from the copied cube as ours read the stored one. What
    # ours adds: the DELETE of the old rows, the scope bookkeeping, the run record.
    base = refresh.base_params(workspace)
    item_rollups = [r for r in rollups.ROLLUPS if r.scope == "days"]

    def hand_written() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for rollup in item_rollups:
                cols = ", ".join(rollup.columns)
                cursor.execute(
                    f"CREATE TABLE hand_{rollup.table} (LIKE {rollup.table} INCLUDING ALL)"
                )
                sql = rollup.fresh(False).replace(
                    "dashboards_feedbackdaily c", "hand_dashboards_feedbackdaily c"
                )
                cursor.execute(f"INSERT INTO hand_{rollup.table} ({cols}) {sql}", base)
            transaction.set_rollback(True)

    def ours() -> None:
        with transaction.atomic():
            for rollup in item_rollups:
                store.rebuild(rollup, base)
            transaction.set_rollback(True)

    figures.append(
        Figure(
            "full rebuild of the item rollups vs hand-written INSERT ... SELECT ... GROUP BY",
            median_ms(ours, repeat=3, warmup=1),
            median_ms(hand_written, repeat=3, warmup=1),
        )
    )
    figures.append(
        Figure(f"full rebuild of every rollup, {ITEMS:,} items (absolute)", rebuild_ms, 1.0)
    )
    return figures


def run() -> list[Figure]:
    big = load(slug="bench", items=ITEMS)
    small = load(slug="bench10k", items=SMALL)
    for workspace in (big, small):
        refresh.rebuild_all(workspace_id=workspace.pk)
    figures = [
        Figure(
            f"dashboards overview and its {len(TILES)} tiles at {ITEMS:,} vs 10k items (server)",
            _overview_ms(big),
            _overview_ms(small),
        ),
        _live_figure(big),
    ]
    return figures + _refresh_figures(big)
