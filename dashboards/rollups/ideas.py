"""The idea and loop rollups: weekly mentions and each live idea's totals and loop state."""

from collections.abc import Callable

from dashboards.rollups.rollup import Rollup
from feedback.selectors.evidence import person_sql, workspace_evidence_sql


# The counted evidence of live ideas: feedback's one definition (linked items and the duplicates
# merged into them, spam never), so the dashboards and the idea pages agree. Each row is an item
# once per idea: (idea_id, item_id, account_id, contact_id, received_at).
def _evidence(scoped: bool) -> str:
    rows = workspace_evidence_sql(
        workspace="%(ws)s", ideas="%(ideas)s::bigint[]" if scoped else None
    )
    return f"""SELECT e.* FROM ({rows}) e
        JOIN feedback_idea idea ON idea.id = e.idea_id AND idea.merged_into_id IS NULL"""


def _evidence_placeholder(scoped: bool, recount: bool) -> dict[str, Callable[[], str]]:
    return {"evidence": lambda: _evidence(scoped)}


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
    placeholders=_evidence_placeholder,
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
    placeholders=_evidence_placeholder,
)
