"""Background work in one shape: enqueue by task name on commit, and sweep up what was lost.

Postgres holds all work (unprocessed rows, unsent emails, import jobs, loop closures); a Celery
message only wakes a worker. So enqueueing never fails a request: when the broker cannot be
reached the row stays, a warning is logged, and the beat sweeper finds it later. Services name
tasks by their registered name and never import a tasks module, so no service depends on Celery
or on the modules that wrap it.

Every app registers, for each kind of work, a finder of the same shape: it takes how long a
wake-up call may take before it counts as lost and returns the ids to hand the task again.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)

LostWorkFinder = Callable[..., list[int]]  # finder(*, older_than: timedelta) -> ids


@dataclass(frozen=True)
class LostWork:
    task_name: str  # the task that takes one of the finder's ids
    find: LostWorkFinder
    older_than: timedelta  # how long its own wake-up call may take before the sweeper acts


_lost_work: dict[str, LostWork] = {}


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
    from productops.celery import app

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


def register_lost_work(
    name: str, *, task_name: str, find: LostWorkFinder, older_than: timedelta
) -> None:
    """Called from an AppConfig.ready(): `find(older_than=...)` returns ids for `task_name`."""
    _lost_work[name] = LostWork(task_name=task_name, find=find, older_than=older_than)


def lost_work(*, older_than: timedelta | None = None) -> dict[str, list[int]]:
    """The ids each finder reports, by name; `older_than` overrides every finder's own wait."""
    return {
        name: work.find(older_than=work.older_than if older_than is None else older_than)
        for name, work in sorted(_lost_work.items())
    }


def sweep_all(*, older_than: timedelta | None = None) -> dict[str, int]:
    """Enqueues each lost piece of work again by id; how many, by finder name."""
    found = lost_work(older_than=older_than)
    for name, ids in found.items():
        for work_id in ids:
            enqueue_now(_lost_work[name].task_name, work_id)
    return {name: len(ids) for name, ids in found.items()}
