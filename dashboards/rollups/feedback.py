"""The feedback rollups: the daily cube and its daily and monthly slices."""

from dashboards.rollups.rollup import RECEIVED_DAY, Rollup

FEEDBACK_DAILY = Rollup(
    table="dashboards_feedbackdaily",
    keys=("day", "source_id", "area_id", "segment"),
    values=("items", "spam", "positive", "neutral", "negative"),
    scope="days",
    fresh_sql=f"""
        SELECT i.workspace_id, {RECEIVED_DAY} AS day, i.source_id,
               coalesce(i.product_area_id, 0) AS area_id, coalesce(a.segment, '') AS segment,
               count(*) FILTER (WHERE i.status <> 'spam'),
               count(*) FILTER (WHERE i.status = 'spam'),
               count(*) FILTER (WHERE i.status <> 'spam' AND i.sentiment = 'positive'),
               count(*) FILTER (WHERE i.status <> 'spam' AND i.sentiment = 'neutral'),
               count(*) FILTER (WHERE i.status <> 'spam' AND i.sentiment = 'negative')
          FROM {{items}}
          LEFT JOIN feedback_account a ON a.id = i.account_id
         WHERE i.workspace_id = %(ws)s
         GROUP BY 1, 2, 3, 4, 5""",
    stored_scope="r.day = ANY(%(days)s::date[])",
)

CUBE_COLUMNS = ("workspace_id", *FEEDBACK_DAILY.keys, *FEEDBACK_DAILY.values)


def _cube(recount: bool) -> str:
    """The daily feedback cube as table `c`: the stored one (kept in the same transaction, just
    before the rollups that read it), or its recount from the items (what verify compares)."""
    if not recount:
        return "dashboards_feedbackdaily c"
    return f"({FEEDBACK_DAILY.fresh(False)}) AS c ({', '.join(CUBE_COLUMNS)})"


_CUBE_IN_DAYS = "AND c.day = ANY(%(days)s::date[])"
# One row per (bucket, dimension, value): the whole, then each dimension on its own.
_SLICES = """CROSS JOIN LATERAL (VALUES ('all', ''), ('source', c.source_id::text),
        ('area', c.area_id::text), ('segment', c.segment)) AS d(dimension, value)"""
_SLICE_VALUES = ("items", "spam", "positive", "neutral", "negative")
_SLICE_SUMS = ", ".join(f"sum(c.{v})" for v in _SLICE_VALUES)

FEEDBACK_SLICE_DAILY = Rollup(
    table="dashboards_feedbackslicedaily",
    keys=("day", "dimension", "value"),
    values=_SLICE_VALUES,
    scope="days",
    fresh_sql=f"""
        SELECT c.workspace_id, c.day, d.dimension, d.value, {_SLICE_SUMS}
          FROM {{cube}} {_SLICES}
         WHERE c.workspace_id = %(ws)s {{cube_where}}
         GROUP BY 1, 2, 3, 4""",
    stored_scope="r.day = ANY(%(days)s::date[])",
    placeholders=lambda scoped, recount: {
        "cube": lambda: _cube(recount),
        "cube_where": lambda: _CUBE_IN_DAYS if scoped else "",
    },
)


def _daily_slices(recount: bool) -> str:
    """The daily slices as table `c`: stored (just refreshed), or recounted from the items."""
    if not recount:
        return "dashboards_feedbackslicedaily c"
    columns = ", ".join(FEEDBACK_SLICE_DAILY.columns)
    return f"({FEEDBACK_SLICE_DAILY.fresh(False, recount=True)}) AS c ({columns})"


# The stored daily slices of every month that holds a scope day (an index range per month):
# about 30 x (1 + sources + areas + segments) rows a month, whatever the volume.
_SLICES_IN_MONTHS = """(SELECT DISTINCT date_trunc('month', d)::date AS month
                          FROM unnest(%(days)s::date[]) d) scope
    JOIN dashboards_feedbackslicedaily c ON c.workspace_id = %(ws)s AND c.day >= scope.month
     AND c.day < (scope.month + interval '1 month')::date"""

FEEDBACK_SLICE_MONTHLY = Rollup(
    table="dashboards_feedbackslicemonthly",
    keys=("month", "dimension", "value"),
    values=_SLICE_VALUES,
    scope="days",
    fresh_sql=f"""
        SELECT c.workspace_id, date_trunc('month', c.day)::date, c.dimension, c.value,
               {_SLICE_SUMS}
          FROM {{daily_slices_in_months}}
         WHERE c.workspace_id = %(ws)s
         GROUP BY 1, 2, 3, 4""",
    stored_scope="""r.month IN (SELECT date_trunc('month', d)::date
                                  FROM unnest(%(days)s::date[]) d)""",
    placeholders=lambda scoped, recount: {
        "daily_slices_in_months": lambda: _SLICES_IN_MONTHS if scoped else _daily_slices(recount),
    },
)
