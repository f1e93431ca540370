"""The inventory's days are the workspace's: future-day checks, default dates, "renews within"
and reminders, run across midnight in Auckland and Los Angeles."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from inventory.models import Contract, InventorySettings, SeatUsageSnapshot
from inventory.services import reminders as reminder_services
from tests.conftest import signed_in
from tests.inventory.factories import ContractFactory, ToolFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/w/alpha/"
# 17:10 UTC on 30 November: 1 December in Auckland, still 30 November in Los Angeles.
EVENING_UTC = datetime(2026, 11, 30, 17, 10, tzinfo=UTC)
# 08:05 UTC on 1 December: Los Angeles has just reached 1 December too.
LA_PAST_MIDNIGHT = datetime(2026, 12, 1, 8, 5, tzinfo=UTC)
AUCKLAND, LOS_ANGELES = "Pacific/Auckland", "America/Los_Angeles"


@pytest.fixture
def in_zone(workspace_a):
    def set_zone(name: str):
        workspace_a.time_zone = name
        workspace_a.save(update_fields=["time_zone"])
        return workspace_a

    return set_zone


@pytest.mark.parametrize(("zone", "accepted"), [(AUCKLAND, True), (LOS_ANGELES, False)])
def test_usage_dated_1_december_is_today_in_auckland_and_a_future_day_in_los_angeles(
    ops_lead, in_zone, zone, accepted
):
    workspace = in_zone(zone)
    tool = ToolFactory(workspace=workspace)
    with time_machine.travel(EVENING_UTC, tick=False):
        response = signed_in(ops_lead).post(
            BASE + f"tools/{tool.pk}/usage/",
            data={"seats_used": 12, "taken_on": "2026-12-01"},
            content_type="application/json",
        )

    assert response.status_code == (201 if accepted else 400)
    if not accepted:
        assert "taken_on" in response.json()["error"]["fields"]
    assert SeatUsageSnapshot.objects.filter(tool=tool).exists() is accepted


@pytest.mark.parametrize(("zone", "day"), [(AUCKLAND, "2026-12-01"), (LOS_ANGELES, "2026-11-30")])
def test_usage_without_a_date_is_recorded_on_the_workspace_s_today(ops_lead, in_zone, zone, day):
    tool = ToolFactory(workspace=in_zone(zone))
    with time_machine.travel(EVENING_UTC, tick=False):
        response = signed_in(ops_lead).post(
            BASE + f"tools/{tool.pk}/usage/",
            data={"seats_used": 3},
            content_type="application/json",
        )
        page = signed_in(ops_lead).get(f"/w/alpha/tools/{tool.pk}/").content.decode()

    assert response.json()["taken_on"] == day
    assert f'name="taken_on" value="{day}"' in page


@pytest.mark.parametrize(("zone", "listed"), [(AUCKLAND, ["Zoom"]), (LOS_ANGELES, [])])
def test_renews_today_follows_the_workspace_s_day(ops_lead, in_zone, zone, listed):
    workspace = in_zone(zone)
    ContractFactory(
        tool=ToolFactory(workspace=workspace, name="Zoom"),
        start_date=date(2025, 12, 1),
        renewal_date=date(2026, 12, 1),
    )
    with time_machine.travel(EVENING_UTC, tick=False):
        found = signed_in(ops_lead).get(BASE + "tools/", {"renewal_within": 0}).json()

    assert [t["name"] for t in found["results"]] == listed


def test_reminders_reach_each_workspace_on_its_own_day(personas, workspace_a, workspace_b):
    """A 7-day reminder for a deadline of 8 December goes out on 1 December of each zone:
    Auckland's at 17:10 UTC on 30 November, Los Angeles' only after its own midnight."""
    zones = {workspace_a: AUCKLAND, workspace_b: LOS_ANGELES}
    for workspace, zone in zones.items():
        workspace.time_zone = zone
        workspace.save(update_fields=["time_zone"])
        InventorySettings.objects.create(workspace=workspace, reminder_days=[7])
        ContractFactory(
            tool=ToolFactory(workspace=workspace, name=f"Tool in {zone}"),
            cost=Decimal("1000"),
            start_date=date(2025, 12, 8),
            renewal_date=date(2026, 12, 8),
            notice_days=0,
        )

    with time_machine.travel(EVENING_UTC, tick=False):
        first = reminder_services.renewal_reminders_send()
    with time_machine.travel(LA_PAST_MIDNIGHT, tick=False):
        second = reminder_services.renewal_reminders_send()

    assert [r.contract_id for r in first] == contract_ids(workspace_a)
    assert [r.contract_id for r in second] == contract_ids(workspace_b)


def contract_ids(workspace) -> list[int]:
    return list(Contract.objects.filter(workspace=workspace).values_list("pk", flat=True))
