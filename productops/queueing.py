"""The one way to wake a worker: enqueue a task by its registered name once the transaction commits.

Postgres holds all work (unprocessed rows, unsent emails, import jobs, loop closures); a Celery
message only wakes a worker. So enqueueing never fails a request: when the broker cannot be
reached the row stays, a warning is logged, and the beat sweeper (`productops.lost_work`) finds it
later. Services name tasks by their registered name and never import a tasks module, so no service
depends on Celery or on the modules that wrap it.
"""

import logging
from functools import partial
from typing import Any

from django.db import transaction

from productops.celery import app

log = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Wakes a worker for `task_name` once the current transaction commits (now if none).

    Never raises: if the broker is down the message is dropped with a warning, and the sweeper
    finds the work from its rows.
    """
    transaction.on_commit(partial(enqueue_now, task_name, *args, **kwargs), robust=True)


def enqueue_now(task_name: str, *args: Any, **kwargs: Any) -> bool:
    """Sends the wake-up call at once; False (and a warning) when the broker cannot be reached.

    The broker settings make a failed publish give up at once (no connection retries), so a
    request never waits on a broker that is down.
    """
    try:
        app.send_task(task_name, args=args, kwargs=kwargs, ignore_result=True)
    except Exception as error:  # any broker failure: the row in Postgres is the truth
        # One line, no traceback: during an outage every request would log one.
        log.warning(
            "Could not enqueue %s%r (%s: %s); the sweeper will find the work.",
            task_name,
            args,
            type(error).__name__,
            error,
        )
        return False
    return True
