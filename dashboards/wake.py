"""Waking the refresh after change marks commit, coalesced: a burst of marks makes one task.

The first mark of a burst queues the refresh a moment later (`productops.queueing
.enqueue_once_now`, whose claim is in Postgres); marks inside that moment find the claim and
queue nothing, across web processes and with Redis down alike (one failed publish for a burst,
not one per mark). The task releases the claim as it starts, so marks written during a refresh
wake the next one. A process that sent a refresh skips the claim for the marks it commits
while that refresh is still due (`SENT_COVERS_SECONDS`). When the broker is down the marks
wait in Postgres for the sweeper (dashboards' lost-work finder); a claim whose task never came
runs out after `CLAIM_FOR`.
"""

import time
from datetime import timedelta

from django.db import connection

from productops import queueing
from productops.celery import app

COALESCE_SECONDS = 2
CLAIM_FOR = timedelta(seconds=COALESCE_SECONDS * 10)
TASK = "dashboards.tasks.refresh_rollups"
# A refresh this process sent starts no earlier than COALESCE_SECONDS after it was sent, and
# reads every mark committed before it starts: marks this process commits until a margin before
# then need no wake-up of their own, nor the claim's statement (a write committed on its own,
# so a WAL flush, after every triage key a PM presses).
SENT_COVERS_SECONDS = COALESCE_SECONDS - 0.5
_sent_until: dict[tuple[str, str, int], float] = {}  # (database, queue, workspace) -> monotonic


def request_refresh(workspace_id: int) -> queueing.Enqueued:
    """Queues one refresh for a burst of marks (called after the marks commit); ALREADY_QUEUED
    without a statement while a refresh this process sent is still due to start."""
    key = (connection.settings_dict["NAME"], app.conf.task_default_queue, workspace_id)
    asked = time.monotonic()
    if _sent_until.get(key, 0.0) > asked:
        return queueing.Enqueued.ALREADY_QUEUED
    outcome = queueing.enqueue_once_now(
        TASK, workspace_id, countdown=COALESCE_SECONDS, hold=CLAIM_FOR
    )
    if outcome is queueing.Enqueued.SENT:
        _sent_until[key] = asked + SENT_COVERS_SECONDS
    return outcome


def release_claim(workspace_id: int) -> None:
    """The refresh task has started: marks written from now on wake another run."""
    queueing.dequeued(TASK, workspace_id)
