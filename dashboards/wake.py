"""Waking the refresh after change marks commit, coalesced: a burst of marks makes one task.

The first mark of a burst claims the workspace's wake-up (a timestamp on its refresh state row,
in Postgres) and queues the refresh a moment later; marks inside that moment find the claim
and queue nothing. The task clears the claim as it starts, so marks written during a refresh
wake the next one. The claim is in Postgres, not in the cache, so coalescing holds with Redis
down (one failed publish for a burst, not one per mark, each waiting on the broker) and across
web processes. When the broker is down nothing is queued and the marks wait in Postgres for the
sweeper (dashboards' lost-work finder); a claim whose task never came runs out after
`CLAIM_SECONDS`.
"""

import logging
from enum import StrEnum

from django.db import connection

from productops.celery import app

log = logging.getLogger(__name__)

COALESCE_SECONDS = 2
CLAIM_SECONDS = COALESCE_SECONDS * 10
TASK = "dashboards.tasks.refresh_rollups"


class Wake(StrEnum):
    QUEUED = "queued"
    COALESCED = "coalesced"  # a refresh is already on its way
    NOT_QUEUED = "not queued"  # the broker could not be reached: the sweeper will


def _claim(workspace_id: int) -> bool:
    """True for the first caller of a burst (one conditional upsert, so two at once claim once)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dashboards_refreshstate AS s
                   (workspace_id, holder, last_error, wake_requested_at)
            VALUES (%(ws)s, '', '', now())
            ON CONFLICT (workspace_id) DO UPDATE SET wake_requested_at = now()
             WHERE s.wake_requested_at IS NULL
                OR s.wake_requested_at < now() - make_interval(secs => %(claim)s)
            RETURNING id
            """,
            {"ws": workspace_id, "claim": CLAIM_SECONDS},
        )
        return cursor.fetchone() is not None


def release_claim(workspace_id: int) -> None:
    """The refresh task has started: marks written from now on wake another run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dashboards_refreshstate SET wake_requested_at = NULL WHERE workspace_id = %s",
            [workspace_id],
        )


def request_refresh(workspace_id: int) -> Wake:
    """Queues one refresh for a burst of marks (called after the marks commit).

    Like productops.queueing.enqueue_now, but delayed by the coalescing moment and sent only
    by the first mark of a burst; the broker settings make a failed publish give up at once.
    """
    if not _claim(workspace_id):
        return Wake.COALESCED
    try:
        app.send_task(TASK, args=(workspace_id,), countdown=COALESCE_SECONDS, ignore_result=True)
    except Exception:  # any Redis or broker failure: the marks are committed rows
        log.warning(
            "Could not queue a dashboards refresh for workspace %s; the sweeper will.",
            workspace_id,
            exc_info=True,
        )
        return Wake.NOT_QUEUED
    return Wake.QUEUED
