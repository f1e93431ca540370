"""The workspace's time zone: chosen at creation, changed by admins, and the day it makes."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from productops import clock
from productops.models import AuditEvent, Workspace
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

# 17:10 UTC on 30 November: already 06:10 on 1 December in Auckland, 09:10 on the 30th in LA.
EVENING_UTC = datetime(2026, 11, 30, 17, 10, tzinfo=UTC)
# 07:30 UTC on 1 December: 23:30 on 30 November in LA, 20:30 on 1 December in Auckland.
LA_LATE_EVENING = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "today"),
    [
        (EVENING_UTC, "Pacific/Auckland", date(2026, 12, 1)),
        (EVENING_UTC, "America/Los_Angeles", date(2026, 11, 30)),
        (EVENING_UTC, "UTC", date(2026, 11, 30)),
        (LA_LATE_EVENING, "America/Los_Angeles", date(2026, 11, 30)),
        (LA_LATE_EVENING, "Pacific/Auckland", date(2026, 12, 1)),
    ],
)
def test_today_is_the_workspace_s_day(moment, zone, today):
    workspace = Workspace(time_zone=zone)
    with time_machine.travel(moment, tick=False):
        assert clock.workspace_today(workspace) == today
        assert clock.workspace_now(workspace).utcoffset() is not None
        assert clock.is_future_day(workspace, date(2026, 12, 1)) is (today < date(2026, 12, 1))


def test_a_day_runs_from_the_zone_s_midnight_to_the_next_even_across_a_clock_change():
    auckland = Workspace(time_zone="Pacific/Auckland")
    # Daylight saving starts in Auckland on 27 September 2026: that day has 23 hours.
    start, end = clock.day_range(auckland, date(2026, 9, 27), date(2026, 9, 27))

    assert start.astimezone(UTC) == datetime(2026, 9, 26, 12, 0, tzinfo=UTC)
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 23 * 3600
    assert clock.day_end(auckland, date.max) > start


def test_a_workspace_is_created_in_the_zone_chosen(personas):
    client = signed_in(personas["pm"])
    response = client.post(
        "/workspaces/", {"name": "Kiwi", "slug": "kiwi", "time_zone": "Pacific/Auckland"}
    )

    assert response.status_code == 302
    assert Workspace.objects.get(slug="kiwi").time_zone == "Pacific/Auckland"


def test_an_unknown_zone_is_refused_with_the_field_named(personas):
    client = signed_in(personas["pm"])
    response = client.post("/workspaces/", {"name": "X", "slug": "x", "time_zone": "Mars/Base"})

    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    assert not Workspace.objects.filter(slug="x").exists()


def test_an_admin_changes_the_zone_in_the_settings_and_it_is_audited(admin, workspace_a):
    client = signed_in(admin)
    page = client.get("/w/alpha/settings/")
    response = client.post(
        "/w/alpha/settings/",
        {
            "name": "Alpha Inc",
            "currency": "USD",
            "time_zone": "America/Los_Angeles",
            "date_order": "mdy",
        },
    )

    assert 'value="UTC" selected' in page.content.decode()
    assert response.status_code == 302
    workspace_a.refresh_from_db()
    assert workspace_a.time_zone == "America/Los_Angeles"
    event = AuditEvent.objects.get(verb="workspace.updated")
    assert (event.before, event.after) == (
        {"time_zone": "UTC"},
        {"time_zone": "America/Los_Angeles"},
    )


def test_a_pm_cannot_change_the_zone(pm, workspace_a):
    response = signed_in(pm).post(
        "/w/alpha/settings/", {"name": "A", "currency": "USD", "time_zone": "Asia/Tokyo"}
    )

    assert response.status_code == 403
    workspace_a.refresh_from_db()
    assert workspace_a.time_zone == "UTC"


def test_the_api_tells_the_workspace_s_zone(pm, workspace_a):
    workspace_a.time_zone = "Pacific/Auckland"
    workspace_a.save()

    assert signed_in(pm).get("/api/v1/w/alpha/").json()["time_zone"] == "Pacific/Auckland"
