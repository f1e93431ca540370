"""The one way to wake a worker: enqueue a task by its registered name once the transaction commits.

Postgres holds all work (unprocessed rows, unsent emails, import jobs, loop closures); a Celery
message only wakes a worker. So enqueueing never fails a request: when the broker cannot be
reached the row stays, a warning is logged, and the beat sweeper (`productops.lost_work`) finds it
later. Services name tasks by their registered name and never import a tasks module, so no service
depends on Celery or on the modules that wrap it.
"""

import logging
from datetime import timedelta
from enum import StrEnum
from functools import partial
from typing import Any

from django.db import connection, transaction

from productops.celery import app

log = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Wakes a worker for `task_name` once the current transaction commits (now if none).

    Never raises: if the broker is down the message is dropped with a warning, and the sweeper
    finds the work from its rows.
    """
    transaction.on_commit(partial(enqueue_now, task_name, *args, **kwargs), robust=True)


def enqueue_now(task_name: str, *args: Any, countdown: float = 0, **kwargs: Any) -> bool:
    """Sends the wake-up call at once (to run `countdown` seconds later); False (and a warning)
    when the broker cannot be reached.

    The broker settings make a failed publish give up at once (no connection retries), so a
    request never waits on a broker that is down.
    """
    try:
        app.send_task(
            task_name, args=args, kwargs=kwargs, countdown=countdown or None, ignore_result=True
        )
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
# After a failed publish (the broker down) the claim stays this long at most: the rest of a burst
# makes no attempt of its own, and the sweeper's next round may try again.
FAILED_FOR = timedelta(seconds=20)


class Enqueued(StrEnum):
    SENT = "sent"
    ALREADY_QUEUED = "already queued"  # one for the same task and arguments waits
    NOT_SENT = "not sent"  # the broker could not be reached: the sweeper will


def enqueue_once_on_commit(task_name: str, *args: Any) -> None:
    """`enqueue_on_commit`, but at most one message of `task_name` with these arguments waits in
    the queue at a time (`enqueue_once_now`)."""
    transaction.on_commit(partial(enqueue_once_now, task_name, *args), robust=True)


def enqueue_once_now(
    task_name: str,
    *args: Any,
    countdown: float = 0,
    hold: timedelta = QUEUED_FOR,
    retry_unsent: bool = False,
) -> Enqueued:
    """Sends the wake-up call (to run `countdown` seconds later) unless one for the same task
    and arguments already waits.

    For work that a burst of callers wakes (every API call, every import stretch, a burst of
    change marks, the sweeper each minute): without it each would start a task, and a task
    queued behind them would wait for each. The first caller claims the wake-up in Postgres (one
    conditional upsert, so two at once claim once) for `hold` at most; the task calls
    `dequeued()` as it starts, so a wake-up during its run queues the next one. A failed publish
    keeps the claim for `FAILED_FOR` at most: one attempt per burst while the broker is down;
    `retry_unsent` (the sweeper) tries again at once over a claim whose publish failed.
    """
    key = _queued_key(task_name, args)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO productops_queuedwakeup AS q (key, expires_at, sent)
            VALUES (%(key)s, now() + make_interval(secs => %(hold)s), true)
            ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, sent = true
             WHERE q.expires_at <= now() OR (%(retry_unsent)s AND NOT q.sent)
            RETURNING id
            """,
            {"key": key, "hold": hold.total_seconds(), "retry_unsent": retry_unsent},
        )
        if cursor.fetchone() is None:
            return Enqueued.ALREADY_QUEUED
    if enqueue_now(task_name, *args, countdown=countdown):
        return Enqueued.SENT
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE productops_queuedwakeup
                  SET expires_at = least(expires_at, now() + make_interval(secs => %s)),
                      sent = false
                WHERE key = %s""",
            [FAILED_FOR.total_seconds(), key],
        )
    return Enqueued.NOT_SENT


def dequeued(task_name: str, *args: Any) -> None:
    """Called by a task sent with `enqueue_once_*` as it starts: its message left the queue."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM productops_queuedwakeup WHERE key = %s", [_queued_key(task_name, args)]
        )


def _queued_key(task_name: str, args: tuple) -> str:
    return f"{task_name}:{':'.join(map(str, args))}"
