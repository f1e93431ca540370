"""The one way to wake a worker: enqueue a task by its registered name once the transaction commits.

Postgres holds all work (unprocessed rows, unsent emails, import jobs, loop closures); a Celery
message only wakes a worker. So enqueueing never fails a request: when the broker cannot be
reached the row stays, a warning is logged, and the beat sweeper (`productops.lost_work`) finds it
later. Services name tasks by their registered name and never import a tasks module, so no service
depends on Celery or on the modules that wrap it.
"""

import contextlib
import logging
from datetime import timedelta
from functools import partial
from typing import Any

from django.core.cache import cache
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


# How long a queued wake-up keeps others of the same task and arguments out of the queue. Past
# it one more may be sent: harmless, since tasks are idempotent.
QUEUED_FOR = timedelta(minutes=10)


def enqueue_once_on_commit(task_name: str, *args: Any) -> None:
    """`enqueue_on_commit`, but at most one message of `task_name` with these arguments waits in
    the queue at a time (`enqueue_once_now`)."""
    transaction.on_commit(partial(enqueue_once_now, task_name, *args), robust=True)


def enqueue_once_now(task_name: str, *args: Any) -> bool:
    """Sends the wake-up call unless one for the same task and arguments already waits: True
    when this call sent it.

    For work done in stretches that wakes itself again (a workspace's processing, an import):
    a burst of wake-ups (every API call, every import stretch, the sweeper each minute) would
    otherwise start as many chains, and a task queued behind them would wait a stretch for each.
    The task calls `dequeued()` as it starts, so a wake-up during its run queues the next one.
    The mark is a cache key; when the cache cannot be reached the message is sent anyway.
    """
    key = _queued_key(task_name, args)
    try:
        if not cache.add(key, 1, timeout=int(QUEUED_FOR.total_seconds())):
            return False
    except Exception:  # the cache is Redis, down: a duplicate message is harmless, a lost one not
        log.warning("Could not mark %s%r queued; sending it anyway.", task_name, args)
    if enqueue_now(task_name, *args):
        return True
    with contextlib.suppress(Exception):
        cache.delete(key)
    return False


def dequeued(task_name: str, *args: Any) -> None:
    """Called by a task sent with `enqueue_once_*` as it starts: its message left the queue."""
    with contextlib.suppress(Exception):  # the cache down: the mark expires on its own
        cache.delete(_queued_key(task_name, args))


def _queued_key(task_name: str, args: tuple) -> str:
    return f"queued:{task_name}:{':'.join(map(str, args))}"
