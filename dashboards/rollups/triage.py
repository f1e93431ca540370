"""The triage rollups: backlog by received day, and the daily flow."""

from dashboards.rollups.rollup import RECEIVED_DAY, Rollup
from productops import clock

TRIAGED_DAY = clock.local_day_sql("i.triaged_at")
EXIT_DAY = clock.local_day_sql("i.left_inbox_at")

# The within_1h ... within_7d columns, in that order: items triaged within each span of arriving.
_WITHIN = ", ".join(
    f"count(*) FILTER (WHERE i.triaged_at - i.received_at <= interval '{span}')"
    for span in ("1 hour", "4 hours", "1 day", "3 days", "7 days")
)

TRIAGE_DAILY = Rollup(
    table="dashboards_triagedaily",
    keys=("day",),
    values=(
        "received",
        "triaged",
        "untriaged",
        "triage_seconds",
        "within_1h",
        "within_4h",
        "within_1d",
        "within_3d",
        "within_7d",
    ),
    scope="days",
    fresh_sql=f"""
        SELECT i.workspace_id, {RECEIVED_DAY} AS day, count(*) AS received,
               count(i.triaged_at) AS triaged,
               count(*) FILTER (WHERE i.status = 'new') AS untriaged,
               coalesce(sum(greatest(0, extract(epoch FROM i.triaged_at - i.received_at))), 0)
                   ::bigint AS triage_seconds,
               {_WITHIN}
          FROM {{items}}
         WHERE i.workspace_id = %(ws)s AND i.status <> 'spam'
         GROUP BY 1, 2""",
    stored_scope="r.day = ANY(%(days)s::date[])",
)


TRIAGE_FLOW_DAILY = Rollup(
    table="dashboards_triageflowdaily",
    keys=("day",),
    values=(
        "entered",
        "exited",
        "triaged",
        "triage_seconds",
        "within_1h",
        "within_4h",
        "within_1d",
        "within_3d",
        "within_7d",
    ),
    scope="days",
    # Three scans of the scope's days, by received_at, left_inbox_at and triaged_at (each an
    # index range), summed per day. Every item enters; an item triaged counts on its triage day
    # whatever happened to it since (marked spam later too), as the inbox lists them.
    fresh_sql=f"""
        SELECT %(ws)s::bigint, day, sum(entered), sum(exited), sum(triaged), sum(seconds)::bigint,
               sum(w1h), sum(w4h), sum(w1d), sum(w3d), sum(w7d)
          FROM (
            SELECT {RECEIVED_DAY} AS day, count(*) AS entered, 0 AS exited, 0 AS triaged,
                   0 AS seconds, 0 AS w1h, 0 AS w4h, 0 AS w1d, 0 AS w3d, 0 AS w7d
              FROM {{items}}
             WHERE i.workspace_id = %(ws)s
             GROUP BY 1
            UNION ALL
            SELECT {EXIT_DAY}, 0, count(*), 0, 0, 0, 0, 0, 0, 0
              FROM {{exited}}
             WHERE i.workspace_id = %(ws)s AND i.left_inbox_at IS NOT NULL
             GROUP BY 1
            UNION ALL
            SELECT {TRIAGED_DAY}, 0, 0, count(*),
                   sum(greatest(0, extract(epoch FROM i.triaged_at - i.received_at))),
                   {_WITHIN}
              FROM {{triaged}}
             WHERE i.workspace_id = %(ws)s AND i.triaged_at IS NOT NULL
             GROUP BY 1) flow
         GROUP BY day""",
    stored_scope="r.day = ANY(%(days)s::date[])",
)
