"""The background processing after intake (sentiment, contact and account matching, duplicate
candidates), and the wake-up call that asks a worker for it.

Intake never waits on Redis: a lost wake-up call (Redis down, worker killed) is found by the
sweeper through `unprocessed_workspaces`.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from feedback import sentiment
from feedback.batch_upsert import Person, mark_days, resolve_people
from feedback.models import Channel, DuplicateCandidate, FeedbackItem, Status
from feedback.selectors import intake as selectors
from productops import clock, queueing

PROCESS_BATCH = 200
LOST_AFTER = timedelta(minutes=2)


def wake_processing(workspace_id: int) -> None:
    """Asks a worker to process the workspace's new items once this transaction commits."""
    queueing.enqueue_on_commit("feedback.tasks.process_feedback", workspace_id)


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
    total = 0
    while total == 0 or deadline is None or time.monotonic() < deadline:
        with transaction.atomic():
            batch = list(
                FeedbackItem.objects.select_for_update(skip_locked=True, no_key=True, of=("self",))
                .select_related("source", "workspace")
                .filter(workspace_id=workspace_id, processed_at=None)
                .order_by("created_at", "id")[:PROCESS_BATCH]
            )
            if not batch:
                return ProcessingRun(total, more=False)
            _process(batch)
            total += len(batch)
            if len(batch) < PROCESS_BATCH:
                return ProcessingRun(total, more=False)
    return ProcessingRun(total, more=True)


def processing_left(*, workspace_id: int, since: datetime | None = None) -> int:
    """How many of the workspace's items (received through intake after `since`) still wait
    for processing: an import's progress page shows it."""
    pending = FeedbackItem.objects.filter(workspace_id=workspace_id, processed_at=None)
    if since is not None:
        pending = pending.filter(created_at__gte=since)
    return pending.order_by().count()


def _process(items: list[FeedbackItem]) -> None:
    workspace = items[0].workspace
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
    candidates = []
    for item in items:
        if item.status == Status.SPAM or item.duplicate_of_id:
            continue
        for candidate_id, score in selectors.duplicate_matches(item=item):
            candidates.append(
                DuplicateCandidate(
                    workspace_id=item.workspace_id,
                    item=item,
                    candidate_id=candidate_id,
                    score=score,
                )
            )
    DuplicateCandidate.objects.bulk_create(candidates, ignore_conflicts=True)

    FeedbackItem.objects.bulk_update(
        items, ["sentiment", "sentiment_score", "contact", "account", "processed_at"]
    )
    mark_days(workspace, {clock.workspace_date(workspace, i.received_at) for i in items})
