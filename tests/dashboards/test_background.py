"""Refresh in the background: a real worker after intake, coalescing, single flight, a worker
killed mid-refresh, Redis down, and a failed refresh that keeps the last good numbers."""

import signal
import time
from datetime import timedelta

import psycopg2
import pytest
from django.db import connection, transaction
from django.utils import timezone

from dashboards import refresh, wake
from dashboards.models import FeedbackDaily, RefreshRun, RefreshState
from feedback.models import FeedbackItem, Status
from productops import lost_work, queueing
from productops.audit import mark_changed
from productops.celery import app as celery_app
from productops.models import ChangeMark, QueuedWakeup
from tests.conftest import signed_in, subprocess_database_url, wait_for
from tests.dashboards.conftest import worker_process
from tests.dashboards.writes import Writer

pytestmark = pytest.mark.django_db(transaction=True)


def _marks(workspace) -> int:
    return ChangeMark.objects.filter(workspace=workspace).count()


def _counted(workspace) -> int:
    """Every item the daily rollup counts, spam included (to compare with the items table)."""
    rows = FeedbackDaily.objects.filter(workspace=workspace).values_list("items", "spam")
    return sum(items + spam for items, spam in rows)


def test_a_worker_refreshes_after_intake_and_the_page_shows_it(admin, exec_, private_celery_queue):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 21)
    with worker_process(private_celery_queue):
        for _ in range(5):
            writer.intake()
        total = FeedbackItem.objects.filter(workspace=workspace).count()
        # Intake wakes the processing (sentiment, accounts) too, which marks the days again:
        # processed first, then no marks left, means a refresh ran after the processing.
        wait_for(
            lambda: (
                not FeedbackItem.objects.filter(workspace=workspace, processed_at=None).exists()
                and _marks(workspace) == 0
                and _counted(workspace) == total
            ),
            60,
        )
    assert refresh.verify(workspace_id=workspace.pk) == []
    html = (
        signed_in(exec_)
        .get("/w/alpha/dashboards/tiles/volume/?range=90d", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    shown = FeedbackItem.objects.filter(workspace=workspace).exclude(status=Status.SPAM).count()
    assert f">{shown:,}</a>" in html


def test_fifty_marks_in_a_burst_make_one_refresh(admin, private_celery_queue):
    workspace = admin.actor.workspace
    Writer(admin.actor, 22)  # the source
    from tests.feedback.triage_data import item

    # The day each item was received (at any hour of the run, not only after noon).
    days = [
        item(workspace, f"Item {n}", hours_ago=24 * n + 12).received_at.date() for n in range(50)
    ]
    with worker_process(private_celery_queue):
        for day in days:  # fifty separate writes, as fifty services would make them
            with transaction.atomic():
                mark_changed(workspace, "feedback", bucket=day.isoformat())
        wait_for(lambda: _marks(workspace) == 0, 60)
    runs = RefreshRun.objects.filter(workspace=workspace)
    assert runs.count() == 1
    assert runs.get().marks == 50 and runs.get().error == ""
    assert refresh.verify(workspace_id=workspace.pk) == []


def test_a_process_that_sent_a_refresh_asks_for_no_claim_until_that_refresh_may_start(
    admin, workspace_b, private_celery_queue, django_assert_num_queries
):
    """Every triage key commits marks; while a refresh this process sent is still due, the
    marks need no claim of their own (a statement committed on its own), as that refresh will
    read them. (The fifty-marks test above shows one refresh reads a whole burst.)"""
    workspace = admin.actor.workspace
    assert wake.request_refresh(workspace.pk) == queueing.Enqueued.SENT
    with django_assert_num_queries(0):
        assert wake.request_refresh(workspace.pk) == queueing.Enqueued.ALREADY_QUEUED
    with django_assert_num_queries(1):  # another workspace claims its own
        assert wake.request_refresh(workspace_b.pk) == queueing.Enqueued.SENT
    time.sleep(wake.SENT_COVERS_SECONDS)
    # The refresh may be starting now: ask the claim again (it holds: no worker took the task).
    with django_assert_num_queries(1):
        assert wake.request_refresh(workspace.pk) == queueing.Enqueued.ALREADY_QUEUED


def test_only_one_refresh_runs_at_a_time_and_a_dead_holders_lease_is_taken_over(admin):
    workspace = admin.actor.workspace
    holder = refresh.take_lease(workspace.pk)
    assert holder is not None
    assert refresh.take_lease(workspace.pk) is None
    assert refresh.refresh_changed(workspace_id=workspace.pk).ran is False
    # The holder died: its lease runs out and the next refresh takes it over.
    RefreshState.objects.filter(workspace=workspace).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert refresh.refresh_changed(workspace_id=workspace.pk).ran is True
    assert RefreshState.objects.get(workspace=workspace).holder == ""


def _blocked_backends(dbname: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT pid FROM pg_stat_activity
                WHERE datname = %s AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()""",
            [dbname],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_worker_killed_mid_refresh_leaves_right_totals_after_the_next_run(
    admin, private_celery_queue
):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 23)
    writer.intake()
    refresh.refresh_changed(workspace_id=workspace.pk)
    before = _counted(workspace)
    for _ in range(4):
        writer.intake()
    writer.idea()
    writer.link()
    assert _marks(workspace) > 0
    dbname = connection.settings_dict["NAME"]
    # Hold a lock the refresh needs after it has upserted the daily feedback rollup, so the
    # worker is stopped in the middle of its transaction; then kill it there.
    blocker = psycopg2.connect(subprocess_database_url())
    try:
        blocker.cursor().execute("LOCK TABLE dashboards_ideatotal IN ACCESS EXCLUSIVE MODE")
        with worker_process(private_celery_queue) as process:
            celery_app.send_task("dashboards.tasks.refresh_rollups", args=(workspace.pk,))
            pids = wait_for(lambda: _blocked_backends(dbname), 60)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
    wait_for(lambda: not set(pids) & set(_blocked_backends(dbname) + _live(dbname)), 30)
    # Nothing of the killed run stayed: the marks wait and the totals are the old ones.
    assert _marks(workspace) > 0
    assert _counted(workspace) == before
    assert refresh.refresh_changed(workspace_id=workspace.pk).ran is False  # its lease holds
    RefreshState.objects.filter(workspace=workspace).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert refresh.refresh_changed(workspace_id=workspace.pk).ran is True
    assert _marks(workspace) == 0
    assert _counted(workspace) == FeedbackItem.objects.filter(workspace=workspace).count()
    assert refresh.verify(workspace_id=workspace.pk) == []


def _live(dbname: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        )
        return [row[0] for row in cursor.fetchall()]


def test_with_redis_down_marks_wait_in_postgres_then_the_sweeper_applies_them(
    admin, app_on_private_redis, private_celery_queue
):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 24)
    app_on_private_redis.stop()
    for _ in range(3):
        writer.intake()  # intake answers while Redis is down
    writer.tool()
    assert _marks(workspace) > 0
    assert not RefreshRun.objects.filter(workspace=workspace).exists()
    app_on_private_redis.start()
    ChangeMark.objects.filter(workspace=workspace).update(
        marked_at=timezone.now() - timedelta(minutes=5)  # the wake-up calls were lost long ago
    )
    with worker_process(private_celery_queue, app_on_private_redis.url):
        swept = lost_work.sweep_all()
        assert swept["dashboards.change_marks"] == 1
        wait_for(lambda: _marks(workspace) == 0, 60)
    assert refresh.verify(workspace_id=workspace.pk) == []
    assert _counted(workspace) == FeedbackItem.objects.filter(workspace=workspace).count()


def test_with_redis_down_fifty_marks_still_make_one_refresh(
    admin, app_on_private_redis, private_celery_queue, caplog
):
    workspace = admin.actor.workspace
    Writer(admin.actor, 26)  # the source
    from tests.feedback.triage_data import item

    days = [
        item(workspace, f"Item {n}", hours_ago=24 * n + 12).received_at.date() for n in range(50)
    ]
    app_on_private_redis.stop()
    with caplog.at_level("WARNING", logger="productops.queueing"):
        for day in days:  # fifty separate writes, each waking the refresh after it commits
            with transaction.atomic():
                mark_changed(workspace, "feedback", bucket=day.isoformat())
    # The burst was coalesced in Postgres: one wake-up tried the broker, 49 found it claimed.
    failed = [r for r in caplog.records if f"Could not enqueue {wake.TASK}" in r.message]
    assert len(failed) == 1
    assert wake.request_refresh(workspace.pk) == queueing.Enqueued.ALREADY_QUEUED
    assert _marks(workspace) == 50 and not RefreshRun.objects.filter(workspace=workspace).exists()
    app_on_private_redis.start()
    ChangeMark.objects.filter(workspace=workspace).update(
        marked_at=timezone.now() - timedelta(minutes=5)  # the wake-up call was lost
    )
    with worker_process(private_celery_queue, app_on_private_redis.url):
        assert lost_work.sweep_all()["dashboards.change_marks"] == 1
        wait_for(lambda: _marks(workspace) == 0, 60)
    runs = RefreshRun.objects.filter(workspace=workspace)
    assert runs.count() == 1 and runs.get().marks == 50 and runs.get().error == ""
    assert refresh.verify(workspace_id=workspace.pk) == []
    assert _counted(workspace) == 50
    # The task cleared the claim as it started: the next mark wakes a refresh again.
    assert not QueuedWakeup.objects.filter(key__startswith=wake.TASK).exists()


def test_a_failed_refresh_keeps_the_last_good_numbers_and_says_why(admin, exec_):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 25)
    writer.intake()
    refresh.refresh_changed(workspace_id=workspace.pk)
    good = list(FeedbackDaily.objects.filter(workspace=workspace).values_list("day", "items"))
    writer.intake()
    # A table the refresh writes is locked past the statement timeout: the refresh fails.
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '300ms'")
    blocker = psycopg2.connect(subprocess_database_url())
    try:
        blocker.cursor().execute("LOCK TABLE dashboards_feedbackdaily IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(Exception, match="statement timeout"):
            refresh.refresh_changed(workspace_id=workspace.pk)
    finally:
        blocker.rollback()
        blocker.close()
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
    assert (
        list(FeedbackDaily.objects.filter(workspace=workspace).values_list("day", "items")) == good
    )
    state = RefreshState.objects.get(workspace=workspace)
    assert state.holder == "" and "statement timeout" in state.last_error
    assert _marks(workspace) > 0
    page = signed_in(exec_).get("/w/alpha/dashboards/").content.decode()
    assert "The last refresh failed" in page
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []
    assert (
        "The last refresh failed"
        not in signed_in(exec_).get("/w/alpha/dashboards/").content.decode()
    )
