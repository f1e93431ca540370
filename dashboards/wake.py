"""Waking the refresh after change marks commit, coalesced: a burst of marks makes one task.

The first mark of a burst claims a short-lived cache key and queues the refresh a moment later;
marks inside that moment find the key and queue nothing. The task deletes the key as it starts,
so marks written during a refresh wake the next one. When Redis is down nothing is queued and
the marks wait in Postgres for the sweeper (dashboards' lost-work finder).
"""

import logging

from django.core.cache import cache

log = logging.getLogger(__name__)

COALESCE_SECONDS = 2
TASK = "dashboards.tasks.refresh_rollups"


def coalesce_key(workspace_id: int) -> str:
    return f"dashboards:refresh-queued:{workspace_id}"


def request_refresh(workspace_id: int) -> bool:
    """Queues one refresh for a burst of marks. True when this call queued it.

    Like productops.queueing.enqueue_now, but delayed by the coalescing moment and sent only
    by the first mark of a burst; the broker settings make a failed publish give up at once.
    """
    from productops.celery import app

    try:
        if not cache.add(coalesce_key(workspace_id), 1, timeout=COALESCE_SECONDS * 10):
            return False
        app.send_task(
            TASK,
            args=(workspace_id,),
            countdown=COALESCE_SECONDS,
            ignore_result=True,
        )
    except Exception:  # any Redis or broker failure: the marks are committed rows
        log.warning(
            "Could not queue a dashboards refresh for workspace %s; the sweeper will.",
            workspace_id,
            exc_info=True,
        )
        return False
    return True
