"""The per-workspace status counters behind the inbox tabs (feedback.models.StatusCount).

Every service that creates items or moves one between statuses adds its deltas here, inside its
own transaction: the counter rows are upserted (and so row-locked) in status order, one
statement per transaction, so two writers never deadlock and a rolled-back action leaves the
counts as they were. The counts then equal `count(*) ... GROUP BY status` at every commit, and
the inbox reads four rows instead of counting a million. `recount` repairs a workspace whose
rows were written around the services (a bulk COPY).
"""

from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import connection, transaction

from productops.models import Workspace

_ADD = """
INSERT INTO feedback_statuscount (workspace_id, status, items) VALUES {rows}
ON CONFLICT (workspace_id, status)
DO UPDATE SET items = feedback_statuscount.items + EXCLUDED.items
"""


def add(workspace: Workspace | int, deltas: Mapping[str, int]) -> None:
    """Adds `deltas` ({status: +/- items}) to the workspace's counters; zeros are skipped."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    rows = [(workspace_id, status, n) for status, n in sorted(deltas.items()) if n]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _ADD.format(rows=", ".join(["(%s, %s, %s)"] * len(rows))),
            [value for row in rows for value in row],
        )


def moves(pairs: Iterable[tuple[str, str]]) -> Counter[str]:
    """The deltas of items moving (from status, to status): -1 from, +1 to."""
    deltas: Counter[str] = Counter()
    for before, after in pairs:
        if before != after:
            deltas[before] -= 1
            deltas[after] += 1
    return deltas


def move(workspace: Workspace, before: str, after: str) -> None:
    add(workspace, moves([(before, after)]))


@transaction.atomic
def recount(workspace: Workspace | int) -> None:
    """Sets the counters from a count over the workspace's items (a repair, O(items)).
    The counter rows are locked first, so a writer's delta lands before or after, never lost."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM feedback_statuscount WHERE workspace_id = %s ORDER BY status FOR UPDATE",
            [workspace_id],
        )
        cursor.execute("DELETE FROM feedback_statuscount WHERE workspace_id = %s", [workspace_id])
        cursor.execute(
            """
            INSERT INTO feedback_statuscount (workspace_id, status, items)
            SELECT workspace_id, status, count(*) FROM feedback_feedbackitem
            WHERE workspace_id = %s GROUP BY workspace_id, status
            """,
            [workspace_id],
        )
