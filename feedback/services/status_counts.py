"""The per-workspace status counters behind the inbox tabs (feedback.models.StatusCount).

Every service that creates items or moves one between statuses adds its deltas here, inside its
own transaction: the counter rows are upserted (and so row-locked) in status order, one
statement per transaction, so two writers never deadlock and a rolled-back action leaves the
counts as they were. The counts then equal `count(*) ... GROUP BY status` at every commit, and
the inbox reads four rows instead of counting a million. `recount` repairs a workspace whose
rows were written around the services (a bulk COPY).

Each write also adds one to the `changes` of every counter row it touches (a recount to all of
them), never taking any away: the sum of a workspace's `changes` grows with every commit, so it
orders the states readers saw (the inbox's tabs ignore an answer older than the one shown).
"""

from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import connection, transaction

from feedback.models import Status
from productops.models import Workspace

_ADD = """
INSERT INTO feedback_statuscount (workspace_id, status, items, changes) VALUES {rows}
ON CONFLICT (workspace_id, status)
DO UPDATE SET items = feedback_statuscount.items + EXCLUDED.items,
              changes = feedback_statuscount.changes + 1
"""


def add(workspace: Workspace | int, deltas: Mapping[str, int]) -> None:
    """Adds `deltas` ({status: +/- items}) to the workspace's counters; zeros are skipped."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    rows = [(workspace_id, status, n) for status, n in sorted(deltas.items()) if n]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _ADD.format(rows=", ".join(["(%s, %s, %s, 1)"] * len(rows))),
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
    The counter rows are locked first, so a writer's delta lands before or after, never lost;
    every status gets its row (0 when none), and each row's `changes` one more."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM feedback_statuscount WHERE workspace_id = %s ORDER BY status FOR UPDATE",
            [workspace_id],
        )
        cursor.execute(
            """
            WITH counted AS (
                SELECT status, count(*) AS items FROM feedback_feedbackitem
                WHERE workspace_id = %s GROUP BY status
            )
            INSERT INTO feedback_statuscount (workspace_id, status, items, changes)
            SELECT %s, wanted.status, coalesce(counted.items, 0), 1
            FROM unnest(%s::varchar[]) AS wanted (status) LEFT JOIN counted USING (status)
            ORDER BY wanted.status
            ON CONFLICT (workspace_id, status)
            DO UPDATE SET items = EXCLUDED.items, changes = feedback_statuscount.changes + 1
            """,
            [workspace_id, workspace_id, sorted(Status.values)],
        )
