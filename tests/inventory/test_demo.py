"""The demo inventory comes from its data file, dated from the workspace's today."""

from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine

from inventory.demo import seed_inventory
from inventory.models import Contract, SeatUsageSnapshot, ToolRequest

# 17:10 UTC on 30 November is already 1 December in Auckland.
EVENING_UTC = datetime(2026, 11, 30, 17, 10, tzinfo=UTC)


def test_the_demo_contracts_renew_counting_from_the_workspace_today(
    admin, ops_lead, pm, workspace_a
):
    workspace_a.time_zone = "Pacific/Auckland"
    workspace_a.save(update_fields=["time_zone"])
    with time_machine.travel(EVENING_UTC, tick=False):
        seed_inventory(workspace_a)

    # tools.toml: Jira renews in 142 days on an annual term, after an earlier term.
    current, earlier = Contract.objects.filter(tool__name="Jira").order_by("-start_date")
    assert (current.start_date, current.renewal_date) == (date(2026, 4, 22), date(2027, 4, 22))
    assert (current.cost, current.currency, current.plan) == (Decimal("38400"), "USD", "Enterprise")
    assert (current.seats_bought, current.seats_used, current.reference) == (160, 148, "PO-2026000")
    assert (earlier.start_date, earlier.renewal_date) == (date(2025, 4, 22), date(2026, 4, 22))
    assert (earlier.cost, earlier.seats_bought, earlier.seats_used) == (Decimal("32640"), 150, 136)
    # Linear is monthly: its month started 30 days before it renews.
    linear = Contract.objects.get(tool__name="Linear")
    assert (linear.start_date, linear.renewal_date) == (date(2026, 11, 19), date(2026, 12, 19))
    history = SeatUsageSnapshot.objects.filter(tool__name="Jira").order_by("taken_on")
    assert [(s.taken_on, s.seats_used) for s in history] == [
        (date(2026, 6, 1), 151),
        (date(2026, 7, 1), 148),
        (date(2026, 8, 1), 155),
        (date(2026, 9, 1), 152),
        (date(2026, 10, 1), 150),
        (date(2026, 11, 1), 147),
        (date(2026, 12, 1), 148),
    ]
    cursor = ToolRequest.objects.get(name="Cursor")
    assert (cursor.requested_by, cursor.seats_needed) == (pm.user, 20)
