"""The recount behind every rollup table, in SQL, and the set-based statements that store it.

Each `Rollup` names its table, its bucket key, its value columns, the recount of the base tables
(`fresh`, restricted to a scope or not) and the condition that selects the same scope among the
stored rows. One statement per rollup recomputes a scope: the recount is upserted
(`INSERT ... ON CONFLICT DO UPDATE`) and stored rows of the scope that the recount no longer has
are deleted. The full rebuild replaces a workspace's rows with one `INSERT ... SELECT ... GROUP
BY`. `verify` compares stored rows with the recount both ways.

Scopes: `days` (the workspace's local days), `ideas` (idea ids), `categories` (tool categories);
None means everything. Days are the workspace's: `received_at AT TIME ZONE <its zone>`.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection

from feedback.selectors.evidence import person_sql, workspace_evidence_sql

# The annual cost of contract `c` in its own currency: the twin of inventory's
# annual_cost_expression() and models.annualise().
_ANNUAL = """(CASE c.billing_period WHEN 'monthly' THEN c.cost * 12
    WHEN 'multi_year' THEN round(c.cost * 12 / coalesce(nullif(c.term_months, 0), 12), 2)
    ELSE c.cost END)"""
# Units of workspace currency per unit of the contract's currency (NULL: no budget rate).
_RATE = "(%(rates)s::jsonb ->> c.currency)::numeric"
_ALL_ITEMS = "feedback_feedbackitem i"
_LOCAL_DAY = "(i.received_at AT TIME ZONE %(tz)s)::date"


def day_runs(days: list[date]) -> dict[str, date]:
    """The scope's days as runs of consecutive local days: parameters lo_0, hi_0 (the day after
    the run), lo_1, ... for `_items_in_runs`. Constant bounds, not a join on an array, let the
    planner see how few items they hold and use the (workspace, time) index (joined to
    unnest(days) it expected a third of the table and scanned all of it)."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    values: dict[str, date] = {}
    for n, (first, last) in enumerate(runs):
        values[f"lo_{n}"], values[f"hi_{n}"] = first, last + timedelta(days=1)
    return values


def _items_in_runs(column: str, runs: int) -> str:
    """The workspace's items whose `column` falls in one of `runs` runs of local days (from the
    start of a run's first day to the start of the day after it, in the workspace's zone)."""
    ranges = " OR ".join(
        f"({column} >= (%(lo_{n})s::date::timestamp AT TIME ZONE %(tz)s)"
        f" AND {column} < (%(hi_{n})s::date::timestamp AT TIME ZONE %(tz)s))"
        for n in range(runs)
    )
    return f"""(SELECT * FROM feedback_feedbackitem
                 WHERE workspace_id = %(ws)s AND ({ranges or "FALSE"})) i"""


@dataclass(frozen=True)
class Rollup:
    table: str
    keys: tuple[str, ...]  # the bucket, after workspace_id
    values: tuple[str, ...]
    scope: str  # "days", "ideas", "categories" or "planning" (all of it or none)
    # Selects workspace_id, *keys, *values. Placeholders: {items} and {triaged} (the items
    # received / triaged on the scope's days), {where} and {evidence} (ideas, categories),
    # {cube} and {cube_where} (the daily slices, from the daily feedback cube),
    # {daily_slices_in_months} (the monthly slices, from the daily ones).
    fresh_sql: str
    stored_scope: str  # a condition on the stored row `r` selecting the scope

    def fresh(self, scoped: bool, recount: bool = False, runs: int = 0) -> str:
        """The recount of the scope (`runs`: how many day runs a day scope has, see day_runs).
        `recount`: from the base tables only, never from another stored rollup (what verify
        compares with)."""
        if self.scope == "days":
            parts = {
                "items": lambda: _items_in_runs("received_at", runs) if scoped else _ALL_ITEMS,
                "triaged": lambda: _items_in_runs("triaged_at", runs) if scoped else _ALL_ITEMS,
                "cube": lambda: _cube(recount),
                "cube_where": lambda: _CUBE_IN_DAYS if scoped else "",
                "daily_slices_in_months": lambda: (
                    _SLICES_IN_MONTHS if scoped else _daily_slices(recount)
                ),
            }
            used = {name for name in parts if "{" + name + "}" in self.fresh_sql}
            return self.fresh_sql.format(**{name: parts[name]() for name in used})
        if self.scope == "planning":
            return self.fresh_sql
        condition = {
            "ideas": "AND idea.id = ANY(%(ideas)s::bigint[])",
            "categories": "AND t.category = ANY(%(categories)s::text[])",
        }[self.scope]
        return self.fresh_sql.format(where=condition if scoped else "", evidence=_evidence(scoped))

    @property
    def columns(self) -> tuple[str, ...]:
        return ("workspace_id", *self.keys, *self.values)


FEEDBACK_DAILY = Rollup(
    table="dashboards_feedbackdaily",
    keys=("day", "source_id", "area_id", "segment"),
    values=("items", "spam", "positive", "neutral", "negative"),
    scope="days",
    fresh_sql=f"""
        SELECT i.workspace_id, {_LOCAL_DAY} AS day, i.source_id,
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
        SELECT i.workspace_id, {_LOCAL_DAY} AS day, count(*) AS received,
               count(i.triaged_at) AS triaged,
               count(*) FILTER (WHERE i.status = 'new') AS untriaged,
               coalesce(sum(greatest(0, extract(epoch FROM i.triaged_at - i.received_at))), 0)
                   ::bigint AS triage_seconds,
               count(*) FILTER (WHERE i.triaged_at - i.received_at <= interval '1 hour'),
               count(*) FILTER (WHERE i.triaged_at - i.received_at <= interval '4 hours'),
               count(*) FILTER (WHERE i.triaged_at - i.received_at <= interval '1 day'),
               count(*) FILTER (WHERE i.triaged_at - i.received_at <= interval '3 days'),
               count(*) FILTER (WHERE i.triaged_at - i.received_at <= interval '7 days')
          FROM {{items}}
         WHERE i.workspace_id = %(ws)s AND i.status <> 'spam'
         GROUP BY 1, 2""",
    stored_scope="r.day = ANY(%(days)s::date[])",
)


_WITHIN = ", ".join(
    f"count(*) FILTER (WHERE i.triaged_at - i.received_at <= interval '{span}')"
    for span in ("1 hour", "4 hours", "1 day", "3 days", "7 days")
)

TRIAGE_FLOW_DAILY = Rollup(
    table="dashboards_triageflowdaily",
    keys=("day",),
    values=(
        "entered",
        "triaged",
        "triage_seconds",
        "within_1h",
        "within_4h",
        "within_1d",
        "within_3d",
        "within_7d",
    ),
    scope="days",
    # Two scans of the scope's days, one by received_at and one by triaged_at, summed per day.
    fresh_sql=f"""
        SELECT %(ws)s::bigint, day, sum(entered), sum(triaged), sum(seconds)::bigint,
               sum(w1h), sum(w4h), sum(w1d), sum(w3d), sum(w7d)
          FROM (
            SELECT {_LOCAL_DAY} AS day, count(*) AS entered, 0 AS triaged, 0 AS seconds,
                   0 AS w1h, 0 AS w4h, 0 AS w1d, 0 AS w3d, 0 AS w7d
              FROM {{items}}
             WHERE i.workspace_id = %(ws)s AND i.status <> 'spam'
               AND (i.status = 'new' OR i.triaged_at IS NOT NULL)
             GROUP BY 1
            UNION ALL
            SELECT (i.triaged_at AT TIME ZONE %(tz)s)::date, 0, count(*),
                   sum(greatest(0, extract(epoch FROM i.triaged_at - i.received_at))),
                   {_WITHIN}
              FROM {{triaged}}
             WHERE i.workspace_id = %(ws)s AND i.status <> 'spam' AND i.triaged_at IS NOT NULL
             GROUP BY 1) flow
         GROUP BY day""",
    stored_scope="r.day = ANY(%(days)s::date[])",
)


# The counted evidence of live ideas: feedback's one definition (linked items and the duplicates
# merged into them, spam never), so the dashboards and the idea pages agree. Each row is an item
# once per idea: (idea_id, item_id, account_id, contact_id, received_at).
def _evidence(scoped: bool) -> str:
    rows = workspace_evidence_sql(
        workspace="%(ws)s", ideas="%(ideas)s::bigint[]" if scoped else None
    )
    return f"""SELECT e.* FROM ({rows}) e
        JOIN feedback_idea idea ON idea.id = e.idea_id AND idea.merged_into_id IS NULL"""


IDEA_WEEKLY = Rollup(
    table="dashboards_ideaweekly",
    keys=("idea_id", "week"),
    values=("mentions", "unique_accounts", "revenue"),
    scope="ideas",
    fresh_sql="""
        WITH evidence AS ({evidence}),
        weekly AS (
            SELECT idea_id, date_trunc('week', received_at AT TIME ZONE %(tz)s)::date AS week,
                   account_id
              FROM evidence),
        asking AS (
            SELECT w.idea_id, w.week, count(*) AS accounts, sum(a.annual_revenue) AS revenue
              FROM (SELECT DISTINCT idea_id, week, account_id FROM weekly
                     WHERE account_id IS NOT NULL) w
              JOIN feedback_account a ON a.id = w.account_id
             GROUP BY 1, 2)
        SELECT %(ws)s AS workspace_id, m.idea_id, m.week, m.mentions,
               coalesce(asking.accounts, 0), coalesce(asking.revenue, 0)
          FROM (SELECT idea_id, week, count(*) AS mentions FROM weekly GROUP BY 1, 2) m
          LEFT JOIN asking ON asking.idea_id = m.idea_id AND asking.week = m.week""",
    stored_scope="r.idea_id = ANY(%(ideas)s::bigint[])",
)

IDEA_TOTAL = Rollup(
    table="dashboards_ideatotal",
    keys=("idea_id",),
    values=(
        "title",
        "status_category",
        "owner_id",
        "area_id",
        "mentions",
        "votes",
        "unique_accounts",
        "revenue",
        "asking_contacts",
        "told_contacts",
        "status_changed_at",
        "first_told_at",
    ),
    scope="ideas",
    fresh_sql=f"""
        WITH evidence AS ({{evidence}}),
        accounts AS (
            SELECT e.idea_id, count(*) AS accounts, sum(a.annual_revenue) AS revenue
              FROM (SELECT DISTINCT idea_id, account_id FROM evidence
                     WHERE account_id IS NOT NULL) e
              JOIN feedback_account a ON a.id = e.account_id
             GROUP BY 1),
        contacts AS (
            SELECT e.idea_id, count(*) AS asking
              FROM (SELECT DISTINCT idea_id, contact_id FROM evidence) e
              JOIN feedback_contact p ON p.id = e.contact_id AND p.email <> ''
             GROUP BY 1),
        mentions AS (
            SELECT idea_id, count(*) AS n, count(DISTINCT {person_sql("evidence")}) AS votes
              FROM evidence GROUP BY 1)
        SELECT idea.workspace_id, idea.id, idea.title, st.category,
               coalesce(idea.owner_id, 0), coalesce(idea.product_area_id, 0),
               coalesce(mentions.n, 0), coalesce(mentions.votes, 0),
               coalesce(accounts.accounts, 0),
               coalesce(accounts.revenue, 0), coalesce(contacts.asking, 0),
               (SELECT count(DISTINCT n.contact_id) FROM feedback_loopnotice n
                 WHERE n.idea_id = idea.id AND n.outcome = st.category),
               idea.status_changed_at,
               (SELECT min(n.queued_at) FROM feedback_loopnotice n
                 WHERE n.idea_id = idea.id AND n.outcome = st.category)
          FROM feedback_idea idea
          JOIN feedback_ideastatus st ON st.id = idea.status_id
          LEFT JOIN mentions ON mentions.idea_id = idea.id
          LEFT JOIN accounts ON accounts.idea_id = idea.id
          LEFT JOIN contacts ON contacts.idea_id = idea.id
         WHERE idea.workspace_id = %(ws)s AND idea.merged_into_id IS NULL {{where}}""",
    stored_scope="r.idea_id = ANY(%(ideas)s::bigint[])",
)

# The months a tools rollup covers: two years back and one ahead of the workspace's month.
_MONTHS = "generate_series(%(first_month)s::date, %(last_month)s::date, interval '1 month')"
_COVERS = "c.start_date < (m.month + interval '1 month')::date AND c.renewal_date > m.month"

TOOL_SPEND_MONTHLY = Rollup(
    table="dashboards_toolspendmonthly",
    keys=("month", "category", "team"),
    values=("spend", "unconverted_contracts"),
    scope="categories",
    fresh_sql=f"""
        SELECT t.workspace_id, m.month, t.category, t.team,
               coalesce(round(sum({_ANNUAL} * {_RATE} / 12), 2), 0) AS spend,
               count(*) FILTER (WHERE {_RATE} IS NULL) AS unconverted_contracts
          FROM (SELECT month::date FROM {_MONTHS} AS month) m
          JOIN inventory_contract c ON c.workspace_id = %(ws)s AND {_COVERS}
          JOIN inventory_tool t ON t.id = c.tool_id
         WHERE t.workspace_id = %(ws)s AND t.status <> 'retired' {{where}}
         GROUP BY 1, 2, 3, 4""",
    stored_scope="r.category = ANY(%(categories)s::text[])",
)

TOOL_SEATS_MONTHLY = Rollup(
    table="dashboards_toolseatsmonthly",
    keys=("month", "tool_id"),
    values=("category", "seats_bought", "seats_used"),
    scope="categories",
    fresh_sql=f"""
        SELECT t.workspace_id, m.month, t.id, t.category,
               coalesce(bought.seats, 0), coalesce(used.seats, 0)
          FROM (SELECT month::date FROM {_MONTHS} AS month) m
          CROSS JOIN inventory_tool t
          LEFT JOIN LATERAL (
              SELECT max(c.seats_bought) AS seats FROM inventory_contract c
               WHERE c.tool_id = t.id AND {_COVERS}) bought ON true
          LEFT JOIN LATERAL (
              SELECT s.seats_used AS seats FROM inventory_seatusagesnapshot s
               WHERE s.tool_id = t.id AND s.taken_on < (m.month + interval '1 month')::date
               ORDER BY s.taken_on DESC LIMIT 1) used ON true
         WHERE t.workspace_id = %(ws)s AND t.status <> 'retired' {{where}}
           AND (bought.seats IS NOT NULL OR used.seats IS NOT NULL)""",
    stored_scope="r.category = ANY(%(categories)s::text[])",
)

TOOL_NOW = Rollup(
    table="dashboards_toolnow",
    keys=("tool_id",),
    values=(
        "name",
        "category",
        "team",
        "in_spend",
        "annual_cost",
        "seats_bought",
        "seats_used",
        "renewal_date",
        "notice_deadline",
        "decision",
    ),
    scope="categories",
    fresh_sql=f"""
        SELECT t.workspace_id, t.id, t.name, t.category, t.team,
               (c.id IS NOT NULL AND c.decision <> 'cancel' AND t.status <> 'retired'),
               {_ANNUAL} * {_RATE}, coalesce(c.seats_bought, 0), coalesce(c.seats_used, 0),
               c.renewal_date, c.renewal_date - c.notice_days, coalesce(c.decision, '')
          FROM inventory_tool t
          LEFT JOIN inventory_contract c ON c.tool_id = t.id AND c.is_current
         WHERE t.workspace_id = %(ws)s {{where}}""",
    stored_scope="r.category = ANY(%(categories)s::text[])",
)

# Decisions and shipped ideas per quarter. A quarter is the first day of the quarter holding
# the session's period start, else the (local) day of the decision; an idea ships in the quarter
# of its last status change. Small (a workspace's decisions), so recounted whole.
_QUARTER = "date_trunc('quarter', {day})::date"
_DECISION_DAY = "coalesce(s.period_start, (d.decided_at AT TIME ZONE %(tz)s)::date)"
_WANTED_EVIDENCE = workspace_evidence_sql(
    workspace="%(ws)s", ideas="(SELECT ids FROM wanted)::bigint[]"
)
PLANNING_QUARTERLY = Rollup(
    table="dashboards_planningquarterly",
    keys=("quarter",),
    values=(
        "decided",
        "committed",
        "committed_with_demand",
        "committed_shipped",
        "shipped_ideas",
        "shipped_accounts",
        "shipped_revenue",
    ),
    scope="planning",
    fresh_sql=f"""
        WITH decided AS (
            SELECT {_QUARTER.format(day=_DECISION_DAY)}
                       AS quarter,
                   d.outcome, idea.id AS idea_id, st.category
              FROM planning_decision d
              JOIN planning_planningsession s ON s.id = d.session_id
              LEFT JOIN feedback_idea merged ON merged.id = d.idea_id
              LEFT JOIN feedback_idea idea ON idea.id = coalesce(merged.merged_into_id, merged.id)
              LEFT JOIN feedback_ideastatus st ON st.id = idea.status_id
             WHERE d.workspace_id = %(ws)s),
        shipped AS (
            SELECT idea.id AS idea_id,
                   {_QUARTER.format(day="(idea.status_changed_at AT TIME ZONE %(tz)s)::date")}
                       AS quarter
              FROM feedback_idea idea JOIN feedback_ideastatus st ON st.id = idea.status_id
             WHERE idea.workspace_id = %(ws)s AND idea.merged_into_id IS NULL
               AND st.category = 'shipped'),
        wanted AS (
            SELECT array_agg(DISTINCT idea_id) AS ids FROM (
                SELECT idea_id FROM decided WHERE outcome = 'commit' AND idea_id IS NOT NULL
                UNION ALL SELECT idea_id FROM shipped) w),
        evidence AS ({_WANTED_EVIDENCE}),
        demanded AS (SELECT DISTINCT idea_id FROM evidence),
        decisions AS (
            SELECT quarter, count(*) AS decided,
                   count(*) FILTER (WHERE outcome = 'commit') AS committed,
                   count(*) FILTER (WHERE outcome = 'commit'
                       AND idea_id IN (SELECT idea_id FROM demanded)) AS with_demand,
                   count(*) FILTER (WHERE outcome = 'commit' AND category = 'shipped')
                       AS committed_shipped
              FROM decided GROUP BY 1),
        shipped_counts AS (SELECT quarter, count(*) AS ideas FROM shipped GROUP BY 1),
        asking AS (
            SELECT x.quarter, count(*) AS accounts, sum(a.annual_revenue) AS revenue
              FROM (SELECT DISTINCT s.quarter, e.account_id FROM shipped s
                      JOIN evidence e ON e.idea_id = s.idea_id
                     WHERE e.account_id IS NOT NULL) x
              JOIN feedback_account a ON a.id = x.account_id
             GROUP BY 1),
        quarters AS (SELECT quarter FROM decisions UNION SELECT quarter FROM shipped_counts)
        SELECT %(ws)s::bigint, q.quarter, coalesce(d.decided, 0), coalesce(d.committed, 0),
               coalesce(d.with_demand, 0), coalesce(d.committed_shipped, 0),
               coalesce(sc.ideas, 0), coalesce(asking.accounts, 0), coalesce(asking.revenue, 0)
          FROM quarters q
          LEFT JOIN decisions d ON d.quarter = q.quarter
          LEFT JOIN shipped_counts sc ON sc.quarter = q.quarter
          LEFT JOIN asking ON asking.quarter = q.quarter""",
    stored_scope="TRUE",
)

# In dependency order: the slices read the daily cube stored just before them.
ROLLUPS = (
    FEEDBACK_DAILY,
    FEEDBACK_SLICE_DAILY,
    FEEDBACK_SLICE_MONTHLY,
    TRIAGE_DAILY,
    TRIAGE_FLOW_DAILY,
    IDEA_WEEKLY,
    IDEA_TOTAL,
    TOOL_SPEND_MONTHLY,
    TOOL_SEATS_MONTHLY,
    TOOL_NOW,
    PLANNING_QUARTERLY,
)


@dataclass(frozen=True)
class Scope:
    """What to recompute. None for a kind: all of it; an empty list: none of it."""

    days: list[date] | None = None
    ideas: list[int] | None = None
    categories: list[str] | None = None
    planning: list[int] | None = None  # any entry: recount it whole, like None

    def of(self, kind: str) -> list | None:
        return getattr(self, kind)


EVERYTHING = Scope()


def params(*, workspace_id: int, time_zone: str, today: date, rates: dict[str, Decimal]) -> dict:
    month = today.replace(day=1)
    first = _add_months(month, -24)
    last = _add_months(month, 12)
    return {
        "ws": workspace_id,
        "tz": time_zone,
        "rates": json.dumps({code: str(rate) for code, rate in rates.items()}),
        "first_month": first,
        "last_month": last,
    }


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def apply(rollup: Rollup, scope: Scope, base: dict) -> tuple[int, int]:
    """Recomputes `scope` of one rollup: (rows upserted, rows deleted). One statement."""
    chosen = scope.of(rollup.scope)
    if chosen is not None and not chosen:
        return 0, 0
    if rollup.scope == "planning":
        chosen = None
    scoped = chosen is not None
    values = dict(base, **{rollup.scope: chosen})
    runs = {}
    if chosen is not None and rollup.scope == "days":
        runs = day_runs(chosen)
        values |= runs
    cols = ", ".join(rollup.columns)
    key = ("workspace_id", *rollup.keys)
    conflict = ", ".join(key)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in rollup.values)
    same_key = " AND ".join(f"f.{c} = r.{c}" for c in key)
    stored = rollup.stored_scope if scoped else "TRUE"
    sql = f"""
        WITH fresh ({cols}) AS ({rollup.fresh(scoped, runs=len(runs) // 2)}),
        upserted AS (
            INSERT INTO {rollup.table} ({cols}) SELECT {cols} FROM fresh
            ON CONFLICT ({conflict}) DO UPDATE SET {updates}
            RETURNING 1),
        deleted AS (
            DELETE FROM {rollup.table} r
             WHERE r.workspace_id = %(ws)s AND {stored}
               AND NOT EXISTS (SELECT 1 FROM fresh f WHERE {same_key})
            RETURNING 1)
        SELECT (SELECT count(*) FROM upserted), (SELECT count(*) FROM deleted)"""
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        upserted, deleted = cursor.fetchone()
    return upserted, deleted


def rebuild(rollup: Rollup, base: dict) -> tuple[int, int]:
    """Replaces every row of the workspace: one DELETE and one INSERT ... SELECT ... GROUP BY."""
    cols = ", ".join(rollup.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup.table} WHERE workspace_id = %(ws)s", base)
        deleted = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {rollup.table} ({cols}) SELECT * FROM ({rollup.fresh(False)}) fresh",
            base,
        )
        return cursor.rowcount, deleted


@dataclass(frozen=True)
class Difference:
    rollup: str
    kind: str  # "missing" (in the recount, not stored), "extra" (stored, not in the recount)
    row: tuple

    def __str__(self) -> str:
        return f"{self.rollup}: {self.kind} {self.row}"


def verify(rollup: Rollup, base: dict, limit: int = 50) -> list[Difference]:
    """Stored rows against a recount from the base tables, both ways (EXCEPT)."""
    cols = ", ".join(rollup.columns)
    stored = f"SELECT {cols} FROM {rollup.table} WHERE workspace_id = %(ws)s"
    fresh = f"SELECT {cols} FROM ({rollup.fresh(False, recount=True)}) AS fresh ({cols})"
    found: list[Difference] = []
    with connection.cursor() as cursor:
        for kind, left, right in (("missing", fresh, stored), ("extra", stored, fresh)):
            cursor.execute(f"({left}) EXCEPT ({right}) LIMIT {int(limit)}", base)
            found += [Difference(rollup.table, kind, row) for row in cursor.fetchall()]
    return found


def ideas_touched_on(days: list[date], base: dict) -> list[int]:
    """Live ideas whose evidence includes an item received on one of `days` (local days)."""
    if not days:
        return []
    runs = day_runs(days)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT DISTINCT l.idea_id FROM {_items_in_runs("received_at", len(runs) // 2)}
                  JOIN feedback_idealink l ON l.item_id IN (i.id, i.duplicate_of_id)""",
            dict(base, **runs),
        )
        return [row[0] for row in cursor.fetchall()]


def scope_has_rows(scope: Scope, base: dict) -> bool:
    """Whether the base tables hold anything in `scope` (so a recount must store something)."""
    checks: list[tuple[str, Mapping[str, object]]] = []  # (SQL, its values besides `base`)
    if scope.days is None:
        checks.append(("SELECT 1 FROM feedback_feedbackitem i WHERE i.workspace_id = %(ws)s", {}))
    elif scope.days:
        runs = day_runs(scope.days)
        checks.append((f"SELECT 1 FROM {_items_in_runs('received_at', len(runs) // 2)}", runs))
    if scope.ideas is None or scope.ideas:
        where = "" if scope.ideas is None else "AND idea.id = ANY(%(ideas)s::bigint[])"
        checks.append(
            (
                "SELECT 1 FROM feedback_idea idea WHERE idea.workspace_id = %(ws)s"
                f" AND idea.merged_into_id IS NULL {where}",
                {"ideas": scope.ideas},
            )
        )
    if scope.categories is None or scope.categories:
        where = "" if scope.categories is None else "AND t.category = ANY(%(categories)s::text[])"
        checks.append(
            (
                f"SELECT 1 FROM inventory_tool t WHERE t.workspace_id = %(ws)s {where}",
                {"categories": scope.categories},
            )
        )
    with connection.cursor() as cursor:
        for sql, values in checks:
            cursor.execute(f"SELECT EXISTS ({sql})", dict(base, **values))
            if cursor.fetchone()[0]:
                return True
    return False
