"""Feedback days are the workspace's: the inbox date filter and dashboards' change marks."""

from datetime import UTC, datetime

import pytest

from feedback.models import FeedbackItem
from productops.models import ChangeMark
from tests.conftest import signed_in
from tests.feedback import ideas_data as data

pytestmark = pytest.mark.django_db
# 12:00 UTC on 30 November: 01:00 on 1 December in Auckland, 04:00 on 30 November in LA.
NOON_UTC = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "on_30th", "on_1st"),
    [("Pacific/Auckland", [], ["Late"]), ("America/Los_Angeles", ["Late"], [])],
)
def test_the_inbox_date_filter_takes_whole_days_of_the_workspace(
    pm, workspace_a, zone, on_30th, on_1st
):
    workspace_a.time_zone = zone
    workspace_a.save(update_fields=["time_zone"])
    data.item(workspace_a, "Late")
    FeedbackItem.objects.update(received_at=NOON_UTC)
    client = signed_in(pm)

    def found(day: str) -> list[str]:
        params = {"status": "all", "since": day, "until": day}
        return [
            r["body"] for r in client.get("/api/v1/w/alpha/feedback/", params).json()["results"]
        ]

    assert found("2026-11-30") == on_30th
    assert found("2026-12-01") == on_1st


@pytest.mark.parametrize(
    ("zone", "day"), [("Pacific/Auckland", "2026-12-01"), ("UTC", "2026-11-30")]
)
def test_intake_marks_the_received_day_of_the_workspace(admin, workspace_a, zone, day):
    from productops import services as platform

    workspace_a.time_zone = zone
    workspace_a.save(update_fields=["time_zone"])
    _, secret = platform.token_create(actor=admin.actor, name="Zendesk", scopes=["intake"])
    from django.test import Client

    response = Client(headers={"Authorization": f"Bearer {secret}"}).post(
        "/api/v1/w/alpha/feedback/",
        {"body": "Dark mode please", "received_at": NOON_UTC.isoformat()},
        content_type="application/json",
    )

    assert response.status_code in (200, 201), response.content
    assert list(
        ChangeMark.objects.filter(workspace=workspace_a, topic="feedback").values_list(
            "bucket", flat=True
        )
    ) == [day]


@pytest.mark.parametrize(
    ("zone", "shown"), [("Pacific/Auckland", "01 Dec 2026 01:00"), ("UTC", "30 Nov 2026 12:00")]
)
def test_pages_show_dates_in_the_workspace_s_zone(pm, workspace_a, zone, shown):
    workspace_a.time_zone = zone
    workspace_a.save(update_fields=["time_zone"])
    data.item(workspace_a, "Late")
    item = FeedbackItem.objects.get()
    FeedbackItem.objects.update(received_at=NOON_UTC)

    page = signed_in(pm).get(f"/w/alpha/feedback/{item.pk}/").content.decode()

    assert f">{shown}</time>" in page
