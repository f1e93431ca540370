"""The tools rollups: spend and seats per month, and each tool now."""

from dashboards.rollups.rollup import Rollup

# The annual cost of contract `c` in its own currency: the twin of inventory's
# annual_cost_expression() and models.annualise().
_ANNUAL = """(CASE c.billing_period WHEN 'monthly' THEN c.cost * 12
    WHEN 'multi_year' THEN round(c.cost * 12 / coalesce(nullif(c.term_months, 0), 12), 2)
    ELSE c.cost END)"""
# Units of workspace currency per unit of the contract's currency (NULL: no budget rate).
_RATE = "(%(rates)s::jsonb ->> c.currency)::numeric"

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
               round({_ANNUAL} * {_RATE}, 2),
               coalesce(c.seats_bought, 0), coalesce(c.seats_used, 0),
               c.renewal_date, c.renewal_date - c.notice_days, coalesce(c.decision, '')
          FROM inventory_tool t
          LEFT JOIN inventory_contract c ON c.tool_id = t.id AND c.is_current
         WHERE t.workspace_id = %(ws)s {{where}}""",
    stored_scope="r.category = ANY(%(categories)s::text[])",
)
