"""Ideas' weekly mentions, for the sparklines of the ideas list, board and page.

Counted as demand is (selectors/evidence.py): linked items and their merged duplicates, never
spam, in the week the customer wrote, on the workspace's calendar (weeks start on Monday).
"""

from datetime import timedelta

from django.db import connection

from feedback.selectors.evidence import workspace_evidence_sql
from productops import clock
from productops.models import Workspace

SPARK_WEEKS = 12


def weekly_mentions(
    *, workspace: Workspace, idea_ids: list[int], weeks: int = SPARK_WEEKS
) -> dict[int, list[int]]:
    """Each idea's mentions in each of the last `weeks` weeks, oldest first, the last being this
    week so far; every id asked for is present (all zeros without mentions). One query."""
    if not idea_ids:
        return {}
    today = clock.workspace_today(workspace)
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT e.idea_id,
                   (date_trunc('week', e.received_at AT TIME ZONE %(zone)s))::date,
                   count(*)
              FROM ({workspace_evidence_sql(ideas="%(ideas)s")}) e
             WHERE e.received_at >= %(since)s
             GROUP BY 1, 2
            """,
            {
                "workspace": workspace.pk,
                "ideas": list(idea_ids),
                "zone": workspace.time_zone,
                "since": clock.day_start(workspace, first),
            },
        )
        counted = cursor.fetchall()
    series = {idea_id: [0] * weeks for idea_id in idea_ids}
    for idea_id, week, mentions in counted:
        index = (week - first).days // 7
        if 0 <= index < weeks:
            series[idea_id][index] = mentions
    return series
