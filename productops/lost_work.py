"""The sweeper's registry of lost-work finders: work whose wake-up call never reached a worker.

Every app registers, for each kind of work, a finder of the same shape from its
AppConfig.ready(): it takes how long a wake-up call may take before it counts as lost and returns
the ids to hand the task again. The beat task `productops.tasks.sweep` calls `sweep_all()`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from productops.queueing import enqueue_now, enqueue_once_now

LostWorkFinder = Callable[..., list[int]]  # finder(*, older_than: timedelta) -> ids


@dataclass(frozen=True)
class LostWork:
    task_name: str  # the task that takes one of the finder's ids
    find: LostWorkFinder
    older_than: timedelta  # how long its own wake-up call may take before the sweeper acts
    # Its task is sent with `queueing.enqueue_once_*`: the sweeper adds no message while one
    # waits (a backlog worked through in stretches looks lost to the finder the whole time).
    once: bool = False


_finders: dict[str, LostWork] = {}


def register_finder(
    name: str,
    *,
    task_name: str,
    find: LostWorkFinder,
    older_than: timedelta,
    once: bool = False,
) -> None:
    """Called from an AppConfig.ready(): `find(older_than=...)` returns ids for `task_name`."""
    _finders[name] = LostWork(task_name=task_name, find=find, older_than=older_than, once=once)


def find_all(*, older_than: timedelta | None = None) -> dict[str, list[int]]:
    """The ids each finder reports, by name; `older_than` overrides every finder's own wait."""
    return {
        name: work.find(older_than=work.older_than if older_than is None else older_than)
        for name, work in sorted(_finders.items())
    }


def sweep_all(*, older_than: timedelta | None = None) -> dict[str, int]:
    """Enqueues each lost piece of work again by id; how many, by finder name."""
    found = find_all(older_than=older_than)
    for name, ids in found.items():
        work = _finders[name]
        for work_id in ids:
            if work.once:  # over a claim whose publish failed too: the broker may be back
                enqueue_once_now(work.task_name, work_id, retry_unsent=True)
            else:
                enqueue_now(work.task_name, work_id)
    return {name: len(ids) for name, ids in found.items()}
