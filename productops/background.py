"""The sweeper's registry: each app names how to find work whose wake-up call was lost.

Postgres holds all work (unsent rows, change marks, import jobs); a Celery message only wakes a
worker. A finder returns how many tasks it enqueued again.
"""

from collections.abc import Callable

LostWorkFinder = Callable[[], int]

_finders: dict[str, LostWorkFinder] = {}


def register_lost_work(name: str, finder: LostWorkFinder) -> None:
    _finders[name] = finder


def sweep_all() -> dict[str, int]:
    return {name: finder() for name, finder in sorted(_finders.items())}
