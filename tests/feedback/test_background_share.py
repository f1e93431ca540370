"""A big import and the processing after it share the worker: each runs in stretches as one chain
of tasks, so work queued meanwhile waits for a stretch or two, never for the whole import."""

import contextlib
import time
import uuid
from datetime import timedelta

import pytest
from amqp.exceptions import ChannelError
from django.conf import settings
from django.db import connection
from django.utils import timezone

from feedback.models import FeedbackItem, Source
from feedback.services import processing
from productops import imports, lost_work, queueing
from productops.celery import app as celery_app
from productops.models import ImportJob
from tests.conftest import (
    start_celery_worker,
    stop_celery_worker,
    wait_for,
    wait_until_worker_ready,
)

PROCESS = "feedback.tasks.process_feedback"
RUN_IMPORT = "productops.tasks.run_import"
PROBE = "productops.tasks.purge_idempotency_keys"  # a task that takes milliseconds


@pytest.fixture
def queue():
    """A queue of the test's own, so the messages counted are the test's."""
    name = f"share-{uuid.uuid4().hex[:8]}"
    before = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name
    yield name
    celery_app.conf.task_default_queue = before
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(name)


def waiting(queue: str) -> int:
    """Messages waiting in `queue`. Redis keeps a queue only while it holds messages, so a
    queue that is not there has none waiting (kombu's passive declare answers 404 for it)."""
    with celery_app.connection_for_read() as connection:
        try:
            declared = connection.default_channel.queue_declare(queue=queue, passive=True)
        except ChannelError:
            return 0
        return declared.message_count


def zendesk_csv(rows: int) -> bytes:
    return (
        "Ticket ID,Subject,Description,Requester email\n"
        + "".join(
            f"T{n},Export number {n} fails,The CSV export of board {n % 97} times out,"
            f"u{n}@company{n % 300}.com\n"
            for n in range(rows)
        )
    ).encode()


def test_a_burst_of_wake_ups_queues_one_processing_task(
    workspace_a, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(30):  # every API call, every import stretch
            processing.wake_processing(workspace_a.pk)
    assert waiting(queue) == 1

    queueing.dequeued(PROCESS, workspace_a.pk)  # what the task does as it starts
    with django_capture_on_commit_callbacks(execute=True):
        processing.wake_processing(workspace_a.pk)
        processing.wake_processing(workspace_a.pk)
    assert waiting(queue) == 2  # items that came during the run get a run of their own


def test_the_sweeper_adds_no_chain_for_a_backlog_already_queued(workspace_a, pm, queue):
    # A 100,000-item backlog looks lost to the finder (items older than 2 minutes) until the
    # last stretch: each sweep, every minute, would start one more chain.
    source = Source.objects.create(workspace=workspace_a, name="API", channel="api")
    FeedbackItem.objects.create(workspace=workspace_a, source=source, body="Old and waiting")
    FeedbackItem.objects.update(created_at=timezone.now() - timedelta(minutes=10))
    job = imports.import_upload(
        actor=pm.actor, kind="feedback", filename="z.csv", raw=zendesk_csv(3)
    )
    imports.import_start(actor=pm.actor, job=job, mapping=job.mapping)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert queueing.enqueue_once_now(PROCESS, workspace_a.pk) == queueing.Enqueued.SENT
    assert queueing.enqueue_once_now(RUN_IMPORT, job.pk) == queueing.Enqueued.SENT

    found = lost_work.sweep_all()

    assert found["feedback_processing"] == 1 and found["imports"] == 1  # found, and ...
    assert waiting(queue) == 2  # ... left to the messages already waiting


def test_a_wake_up_whose_publish_failed_is_sent_by_the_next_sweep(
    pm, app_on_private_redis, queue, django_capture_on_commit_callbacks
):
    job = imports.import_upload(
        actor=pm.actor, kind="feedback", filename="z.csv", raw=zendesk_csv(3)
    )
    app_on_private_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_start(actor=pm.actor, job=job, mapping=job.mapping)  # its wake-up fails
    # The rest of a burst makes no attempt of its own while the broker is down ...
    assert queueing.enqueue_once_now(RUN_IMPORT, job.pk) == queueing.Enqueued.ALREADY_QUEUED
    app_on_private_redis.start()
    assert queueing.enqueue_once_now(RUN_IMPORT, job.pk) == queueing.Enqueued.ALREADY_QUEUED

    found = lost_work.sweep_all(older_than=timedelta(0))

    # ... but the sweeper, run once the broker is back, sends it at once: not a minute later.
    assert found["imports"] == 1
    assert waiting(queue) == 1


@contextlib.contextmanager
def worker_in_stretches(tmp_path, seconds: int):
    """A real worker whose imports and processing yield the queue every `seconds`."""
    queue = f"share-{uuid.uuid4().hex[:8]}"
    before = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    log = tmp_path / "worker.log"
    process = start_celery_worker(
        queue,
        redis_url=settings.REDIS_URL,
        loglevel="INFO",
        output=log.open("w"),
        BACKGROUND_STRETCH_SECONDS=str(seconds),
    )
    try:
        wait_until_worker_ready(log)
        yield queue
    finally:
        celery_app.conf.task_default_queue = before
        stop_celery_worker(process)
        assert "Traceback" not in log.read_text(), log.read_text()


def probe(queue: str) -> int:
    """Queues a task that takes milliseconds and waits for it: how many messages waited at most
    (itself included) while it did."""
    result = celery_app.send_task(PROBE, queue=queue)
    most = 0
    while not result.ready():
        most = max(most, waiting(queue))
        time.sleep(0.1)
    assert result.successful()
    return most


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_during_a_big_import_starts_before_the_import_is_done(personas, tmp_path):
    pm = personas["pm"].actor
    rows = 12000  # several stretches of storing even on a quiet machine
    with worker_in_stretches(tmp_path, seconds=1) as queue:
        job = imports.import_upload(
            actor=pm, kind="feedback", filename="zendesk.csv", raw=zendesk_csv(rows)
        )
        imports.import_start(actor=pm, job=job, mapping=job.mapping)
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).processed_rows > 0, 120)

        while_storing = probe(queue)
        job.refresh_from_db()
        stored_at_probe = job.processed_rows

        # Every stretch of the import woke the processing: one chain, not one per stretch.
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, 300)
        while_processing = probe(queue)
        left_at_probe = processing.processing_left(workspace_id=job.workspace_id)

        wait_for(lambda: processing.processing_left(workspace_id=job.workspace_id) == 0, 300)

    assert stored_at_probe < rows and left_at_probe > 0  # both ran before the work was done
    # Each waited behind at most one message of each chain: the import's, the processing's and
    # the dashboards' coalesced refresh (itself counted too). Without coalescing, every import
    # stretch would have started a processing chain of its own, all queued ahead of the probe.
    assert while_storing <= 4 and while_processing <= 3
    assert FeedbackItem.objects.filter(workspace_id=job.workspace_id).count() == rows
    assert not FeedbackItem.objects.filter(processed_at=None).exists()


def test_every_stretch_of_an_import_stores_a_batch_however_long_the_reading_took(pm):
    # A budget spent before the first batch (100,000 rows take longer to read than a stretch on
    # a busy machine) still stores one batch of 500, so an import of any size moves on.
    job = imports.import_upload(
        actor=pm.actor, kind="feedback", filename="zendesk.csv", raw=zendesk_csv(1200)
    )
    imports.import_start(actor=pm.actor, job=job, mapping=job.mapping)

    stretches = []
    for _ in range(4):
        outcome = imports.import_run(job_id=job.pk, budget_seconds=0)
        stretches.append((outcome, ImportJob.objects.get(pk=job.pk).processed_rows))

    assert stretches[:3] == [("more", 500), ("more", 1000), ("more", 1200)]
    assert stretches[3][0] == ImportJob.Status.DONE
    assert FeedbackItem.objects.filter(workspace=job.workspace).count() == 1200


def planner_rows() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'feedback_feedbackitem'")
        return cursor.fetchone()[0]


def test_an_import_past_each_power_of_two_refreshes_the_planners_counts(workspace_a):
    # Without it the planner believes a freshly imported workspace nearly empty and finds each
    # item's duplicate candidates the slow way (sorting every match) until autovacuum comes.
    source = Source.objects.create(workspace=workspace_a, name="CSV", channel="csv_import")
    FeedbackItem.objects.bulk_create(
        FeedbackItem(workspace=workspace_a, source=source, body=f"Export {n} fails")
        for n in range(1500)
    )

    assert not processing.analyze_after_growth(stored_before=0, stored_after=1000)
    assert processing.analyze_after_growth(stored_before=1000, stored_after=1500)
    assert planner_rows() >= 1500
    assert not processing.analyze_after_growth(stored_before=1500, stored_after=2000)
    assert processing.analyze_after_growth(stored_before=2000, stored_after=2500)
