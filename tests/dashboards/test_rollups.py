"""Rollups always equal a recount from the base tables, whatever the writes and their order."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dashboards import refresh
from dashboards.models import FeedbackDaily, IdeaTotal, RefreshRun, TriageFlowDaily
from feedback.intake_item import IntakeItem
from feedback.models import FeedbackItem, Status
from feedback.services import intake
from productops import clock
from productops.models import ChangeMark, Workspace
from productops.services import workspace_update
from tests.dashboards.writes import Writer

pytestmark = pytest.mark.django_db(transaction=True)


def _set_zone(workspace: Workspace, zone: str) -> None:
    """The zone in the row and in the actor's copy, which the services read for "its day"."""
    Workspace.objects.filter(pk=workspace.pk).update(time_zone=zone)
    workspace.time_zone = zone


@pytest.mark.parametrize(
    ("seed", "zone"), [(1, "UTC"), (2, "Pacific/Auckland"), (3, "America/Los_Angeles")]
)
def test_rollups_equal_a_recount_after_random_writes(admin, seed, zone):
    workspace = admin.actor.workspace
    _set_zone(workspace, zone)
    writer = Writer(admin.actor, seed)
    done = []
    for step in range(60):
        done.append(writer.step())
        if step % 7 == 6:  # refresh now and then, as the worker would between bursts
            refresh.refresh_changed(workspace_id=workspace.pk)
            assert refresh.verify(workspace_id=workspace.pk) == [], done
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert not ChangeMark.objects.filter(workspace=workspace, topic__in=refresh.TOPICS).exists()
    assert refresh.verify(workspace_id=workspace.pk) == [], done
    # What a user checks: the counted feedback equals the rows in the inbox.
    assert FeedbackDaily.objects.filter(workspace=workspace).exists()
    rows = FeedbackDaily.objects.filter(workspace=workspace).values_list("items", "spam")
    assert sum(a + b for a, b in rows) == FeedbackItem.objects.filter(workspace=workspace).count()
    # ... and the backlog's history, every exit taken off, ends at the items waiting now.
    flow = TriageFlowDaily.objects.filter(workspace=workspace).values_list("entered", "exited")
    waiting = FeedbackItem.objects.filter(workspace=workspace, status=Status.NEW).count()
    assert sum(entered - exited for entered, exited in flow) == waiting


def test_verify_names_what_differs(admin):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 7)
    for _ in range(8):
        writer.intake()
    writer.idea()
    writer.link()
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []
    row = FeedbackDaily.objects.filter(workspace=workspace).first()
    FeedbackDaily.objects.filter(pk=row.pk).update(items=row.items + 5)
    IdeaTotal.objects.filter(workspace=workspace).delete()
    differences = refresh.verify(workspace_id=workspace.pk)
    text = "\n".join(map(str, differences))
    assert "dashboards_feedbackdaily: extra" in text and "dashboards_feedbackdaily: missing" in text
    assert "dashboards_ideatotal: missing" in text
    refresh.rebuild_all(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []
    assert RefreshRun.objects.filter(workspace=workspace, kind="full").count() == 1


def test_a_workspace_that_changes_zone_gets_its_days_recounted(admin):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 8)
    for _ in range(8):
        writer.intake()
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []
    workspace_update(
        actor=admin.actor, name=workspace.name, currency="EUR", time_zone="Pacific/Auckland"
    )
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []


def _row_versions(table: str, workspace: Workspace) -> dict[tuple, str]:
    """Each stored row's key and its xmin: a row rewritten by a refresh gets a new one."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT day, source_id, area_id, segment, xmin::text FROM {table}"
            " WHERE workspace_id = %s",
            [workspace.pk],
        )
        return {row[:4]: row[4] for row in cursor.fetchall()}


def test_an_incremental_refresh_touches_only_the_marked_buckets(admin):
    workspace = admin.actor.workspace
    writer = Writer(admin.actor, 9)
    for _ in range(12):
        writer.intake()
    refresh.rebuild_all(workspace_id=workspace.pk)
    before = _row_versions("dashboards_feedbackdaily", workspace)
    received = timezone.now() - timedelta(days=3)
    intake.feedback_submit(
        actor=admin.actor,
        source=writer.source,
        items=[IntakeItem(body="One more", email="x@acme.test", received_at=received)],
    )
    outcome = refresh.refresh_changed(workspace_id=workspace.pk)
    assert outcome.marks == 1 and refresh.verify(workspace_id=workspace.pk) == []
    after = _row_versions("dashboards_feedbackdaily", workspace)
    rewritten = {key for key, version in after.items() if before.get(key) != version}
    day = clock.workspace_date(workspace, received)
    assert rewritten and {key[0] for key in rewritten} == {day}
    assert len(before) > len([k for k in before if k[0] == day])  # other days exist, untouched
