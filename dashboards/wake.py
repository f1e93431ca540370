"""Waking the refresh after change marks commit, coalesced: a burst of marks makes one task.

The first mark of a burst queues the refresh a moment later (`productops.queueing
.enqueue_once_now`, whose claim is in Postgres); marks inside that moment find the claim and
queue nothing, across web processes and with Redis down alike (one failed publish for a burst,
not one per mark). The task releases the claim as it starts, so marks written during a refresh
wake the next one. When the broker is down the marks wait in Postgres for the sweeper
(dashboards' lost-work finder); a claim whose task never came runs out after `CLAIM_FOR`.
"""

from datetime import timedelta

from productops import queueing

COALESCE_SECONDS = 2
CLAIM_FOR = timedelta(seconds=COALESCE_SECONDS * 10)
TASK = "dashboards.tasks.refresh_rollups"


def request_refresh(workspace_id: int) -> queueing.Enqueued:
    """Queues one refresh for a burst of marks (called after the marks commit)."""
    return queueing.enqueue_once_now(TASK, workspace_id, countdown=COALESCE_SECONDS, hold=CLAIM_FOR)


def release_claim(workspace_id: int) -> None:
    """The refresh task has started: marks written from now on wake another run."""
    queueing.dequeued(TASK, workspace_id)
