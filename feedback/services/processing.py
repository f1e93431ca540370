"""The background processing after intake (sentiment, contact and account matching, duplicate
candidates), and the wake-up call that asks a worker for it.

Intake never waits on Redis: a lost wake-up call (Redis down, worker killed) is found by the
sweeper through `unprocessed_workspaces`.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from feedback import sentiment
from feedback.batch_upsert import Person, mark_days, resolve_people
from feedback.models import Channel, DuplicateCandidate, FeedbackItem, Status
from feedback.selectors import intake as selectors
from productops import clock, queueing
from productops.models import Workspace

PROCESS_BATCH = 200
LOST_AFTER = timedelta(minutes=2)


def wake_processing(workspace_id: int) -> None:
    """Asks a worker to process the workspace's new items once this transaction commits."""
    queueing.enqueue_once_on_commit("feedback.tasks.process_feedback", workspace_id)


def analyze_after_growth(*, stored_before: int, stored_after: int) -> bool:
    """Refreshes the planner's statistics of the items table when a bulk store (an import's
    stretch) took a workspace's rows past a power of two from 1,024 on: True when it did.

    The planner counts rows from the last ANALYZE. Autovacuum's comes minutes after a bulk load
    (never, where it is turned off), and meanwhile a workspace it believes nearly empty gets
    duplicate candidates by sorting every full-text match of each item by date instead of
    walking the newest-first index: a batch of 200 took 30 s instead of 0.3 s after a 100,000-row
    import. Powers of two keep it to a few analyses an import (seven for 100,000 rows), about a
    second each.
    """
    if stored_after < 1024 or stored_after.bit_length() <= stored_before.bit_length():
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feedback_feedbackitem")
    return True


def unprocessed_workspaces(*, older_than: timedelta = LOST_AFTER) -> list[int]:
    """The sweeper's finder: workspaces with items whose wake-up call was lost."""
    return list(
        FeedbackItem.objects.filter(processed_at=None, created_at__lt=timezone.now() - older_than)
        .order_by()
        .values_list("workspace_id", flat=True)
        .distinct()[:200]
    )


@dataclass(frozen=True)
class ProcessingRun:
    processed: int
    more: bool  # stopped at its time budget with items left: queue the next stretch


def feedback_process_pending(
    *, workspace_id: int, budget_seconds: float | None = None
) -> ProcessingRun:
    """Processes the workspace's unprocessed items in batches, for at most `budget_seconds`.

    Rows are claimed with FOR NO KEY UPDATE SKIP LOCKED, so two workers share the work instead
    of doing it twice, and a processed item is never processed again unless intake changes it.
    (Not FOR UPDATE: a candidate row's foreign key takes KEY SHARE on the item it names, which
    FOR UPDATE would block, and two workers naming each other's items would deadlock.)

    A run stops at its budget so that a 100,000-row import never holds a worker past the task
    time limit: the task queues the next stretch behind whatever else is waiting (another
    import, reminders, dashboards), and `more` says there is one.
    """
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:  # deleted since the wake-up call
        return ProcessingRun(0, more=False)
    total = 0
    while total == 0 or deadline is None or time.monotonic() < deadline:
        with transaction.atomic():
            _commit_without_waiting_for_disk()
            batch = list(
                FeedbackItem.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
                .select_related("source")
                .defer("search")  # the generated tsvector: long, and not read here
                .filter(workspace_id=workspace_id, processed_at=None)
                .order_by("created_at", "id")[:PROCESS_BATCH]
            )
            if not batch:
                return ProcessingRun(total, more=False)
            _process(workspace, batch)
            total += len(batch)
            if len(batch) < PROCESS_BATCH:
                return ProcessingRun(total, more=False)
    return ProcessingRun(total, more=True)


def _commit_without_waiting_for_disk() -> None:
    """Processing only derives values from stored rows, and `processed_at` is written in the same
    transaction, so a batch lost to a server crash comes back unprocessed and is done again:
    nothing gained by waiting for each batch's commit to reach the disk (tens of ms on a busy
    machine, a fifth of a batch)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def processing_left(*, workspace_id: int, since: datetime | None = None) -> int:
    """How many of the workspace's items (received through intake after `since`) still wait
    for processing: an import's progress page shows it."""
    pending = FeedbackItem.objects.filter(workspace_id=workspace_id, processed_at=None)
    if since is not None:
        pending = pending.filter(created_at__gte=since)
    return pending.order_by().count()


def _process(workspace: Workspace, items: list[FeedbackItem]) -> None:
    now = timezone.now()
    for item in items:
        if not item.sentiment_overridden:
            scored = sentiment.score(f"{item.title}. {item.body}" if item.title else item.body)
            item.sentiment, item.sentiment_score = scored.label, scored.score
        item.processed_at = now

    # Contacts and accounts for items intake could not match (or that arrived without them).
    unmatched = [
        i
        for i in items
        if i.status != Status.SPAM
        and i.submitter_email
        and (i.contact_id is None or i.account_id is None)
    ]
    if unmatched:
        people = resolve_people(
            workspace,
            [
                Person(
                    email=i.submitter_email,
                    name=i.submitter_name,
                    trusted=i.source.channel != Channel.WEB_FORM,
                )
                for i in unmatched
            ],
        )
        for item, (contact_id, account_id) in zip(unmatched, people, strict=True):
            item.contact_id = item.contact_id or contact_id
            item.account_id = item.account_id or account_id

    # Duplicate candidates, found afresh: a changed body may match other items now.
    DuplicateCandidate.objects.filter(item__in=items, dismissed_at=None).delete()
    matches = selectors.duplicate_matches_for(
        workspace_id=workspace.pk,
        items=[i for i in items if i.status != Status.SPAM and not i.duplicate_of_id],
    )
    DuplicateCandidate.objects.bulk_create(
        [
            DuplicateCandidate(
                workspace_id=workspace.pk, item_id=item_id, candidate_id=candidate_id, score=score
            )
            for item_id, found in matches.items()
            for candidate_id, score in found
        ],
        ignore_conflicts=True,
    )
    _store_results(workspace.pk, items)
    mark_days(workspace, {clock.workspace_date(workspace, i.received_at) for i in items})


# One statement for the batch: Django's bulk_update writes a CASE per column with a branch per
# row, which Postgres evaluates for every row (quadratic: most of a batch's time at 200 rows).
_STORE_RESULTS = """
    UPDATE feedback_feedbackitem f
    SET sentiment = v.sentiment, sentiment_score = v.sentiment_score,
        contact_id = v.contact_id, account_id = v.account_id, processed_at = v.processed_at
    FROM (VALUES %s) AS v(id, sentiment, sentiment_score, contact_id, account_id, processed_at)
    WHERE f.id = v.id AND f.workspace_id = {workspace_id}
"""


def _store_results(workspace_id: int, items: list[FeedbackItem]) -> None:
    with connection.cursor() as cursor:
        execute_values(
            cursor,
            _STORE_RESULTS.format(workspace_id=int(workspace_id)),
            [
                (i.pk, i.sentiment, i.sentiment_score, i.contact_id, i.account_id, i.processed_at)
                for i in items
            ],
            template="(%s::bigint, %s, %s::double precision, %s::bigint, %s::bigint,"
            " %s::timestamptz)",
            page_size=len(items),
        )
