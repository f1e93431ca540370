"""The planning rollup: decisions and shipped ideas per quarter."""

from dashboards.rollups.rollup import Rollup
from feedback.selectors.evidence import workspace_evidence_sql
from productops import clock

# Decisions and shipped ideas per quarter. A quarter is the first day of the quarter holding
# the session's period start, else the (local) day of the decision; an idea ships in the quarter
# of its last status change. Small (a workspace's decisions), so recounted whole.
_QUARTER = "date_trunc('quarter', {day})::date"
_DECISION_DAY = f"coalesce(s.period_start, {clock.local_day_sql('d.decided_at')})"
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
                   {_QUARTER.format(day=clock.local_day_sql("idea.status_changed_at"))}
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
