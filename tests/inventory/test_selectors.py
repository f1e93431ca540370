from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.models import annualise
from inventory.selectors import renewals as renewal_selectors
from inventory.selectors import spend
from inventory.selectors import tools as tool_selectors
from tests.inventory.factories import ContractFactory, ToolFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("period", "cost", "term", "annual"),
    [
        ("monthly", "100.00", None, "1200.00"),
        ("annual", "6000.00", None, "6000.00"),
        ("multi_year", "36000.00", 36, "12000.00"),
        ("multi_year", "50000.00", 24, "25000.00"),
    ],
)
def test_it_annualises_each_billing_period_alike_in_python_and_sql(
    workspace_a, period, cost, term, annual
):
    contract = ContractFactory(
        tool=ToolFactory(workspace=workspace_a),
        billing_period=period,
        cost=Decimal(cost),
        term_months=term,
    )

    row = tool_selectors.inventory(workspace=workspace_a).get(pk=contract.tool_id)

    assert annualise(Decimal(cost), period, term) == Decimal(annual)
    assert contract.annual_cost == Decimal(annual)
    assert row.annual_cost == Decimal(annual)


def test_totals_count_current_uncancelled_contracts_converted_at_budget_rates(
    known_inventory, workspace_a
):
    tools = tool_selectors.inventory(workspace=workspace_a)

    totals = tool_selectors.inventory_totals(workspace=workspace_a, tools=tools)

    assert totals.tools == 7
    assert totals.annual_spend == Decimal("20300.00")  # 1,200 + 6,000 + 12,000 + 1,100
    assert totals.unconverted == {"SEK": Decimal("5000.00")}
    assert (totals.seats_bought, totals.seats_used) == (44, 31)
    assert round(totals.utilisation, 1) == 70.5


def test_totals_follow_the_filters(known_inventory, workspace_a):
    from inventory.filters import ToolFilter

    filtered = ToolFilter(
        {"category": "analytics"}, queryset=tool_selectors.inventory(workspace=workspace_a)
    ).qs

    totals = tool_selectors.inventory_totals(workspace=workspace_a, tools=filtered)

    assert totals.tools == 3
    assert totals.annual_spend == Decimal("7200.00")
    assert (totals.seats_bought, totals.seats_used) == (30, 25)


def test_a_contract_history_row_does_not_count(known_inventory, workspace_a, ops_lead, today):
    from inventory.services import contracts

    contracts.contract_create(
        actor=ops_lead.actor,
        tool=known_inventory["annual"].tool,
        billing_period="annual",
        cost=Decimal("7000"),
        currency="USD",
        seats_bought=20,
        seats_used=20,
        start_date=today,
        renewal_date=today + timedelta(days=365),
    )

    totals = tool_selectors.inventory_totals(
        workspace=workspace_a, tools=tool_selectors.inventory(workspace=workspace_a)
    )

    assert totals.annual_spend == Decimal("21300.00")  # 6,000 replaced by 7,000


def test_spend_by_category_and_team_add_up_to_the_total(known_inventory, workspace_a):
    by_category = spend.spend_by(workspace=workspace_a, dimension="category")
    by_team = spend.spend_by(workspace=workspace_a, dimension="team")

    assert [(r.label, r.annual_spend) for r in by_category] == [
        ("Design", Decimal("13100.00")),
        ("Analytics", Decimal("7200.00")),
        ("Docs", Decimal("0")),
    ]
    assert sum(r.annual_spend for r in by_team) == Decimal("20300.00")
    assert spend.unconverted_spend(workspace=workspace_a) == {"SEK": Decimal("5000.00")}


def test_overlap_lists_categories_with_more_than_one_active_tool(known_inventory, workspace_a):
    groups = spend.overlap(workspace=workspace_a)

    assert [g.category for g in groups] == ["Analytics"]  # Design's Miro is only evaluating
    analytics = groups[0]
    assert sorted(t.name for t in analytics.tools) == ["Amplitude", "Heap", "Mixpanel"]
    assert analytics.annual_spend == Decimal("7200.00")  # Heap is cancelled: not counted
    assert (analytics.seats_bought, analytics.seats_used) == (30, 25)


def test_waste_prices_unused_seats_and_lists_tools_under_the_threshold(
    known_inventory, workspace_a
):
    result = spend.waste(workspace=workspace_a)

    assert result.threshold == 70
    assert [(t.name, t.unused_seats, t.waste) for t in result.rows] == [
        ("Miro", 8, Decimal("880.00")),
        ("Mixpanel", 5, Decimal("600.00")),
    ]
    assert result.total_waste == Decimal("1480.00")
    assert result.under_threshold == 2


def test_waste_follows_the_workspace_threshold(known_inventory, workspace_a):
    from inventory.models import InventorySettings

    InventorySettings.objects.filter(workspace=workspace_a).update(utilisation_threshold=40)

    result = spend.waste(workspace=workspace_a)

    assert [t.name for t in result.rows if t.under_threshold] == ["Miro"]


def test_renewals_due_gives_the_notice_deadline_and_keeps_to_the_window(workspace_a, today):
    soon = ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Soon"),
        renewal_date=today + timedelta(days=40),
        notice_days=30,
    )
    ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Later"),
        renewal_date=today + timedelta(days=200),
    )

    within_30 = list(renewal_selectors.renewals_due(workspace=workspace_a, days=30))
    within_90 = list(renewal_selectors.renewals_due(workspace=workspace_a, days=90))

    assert within_30 == []
    assert [c.pk for c in within_90] == [soon.pk]
    assert within_90[0].deadline == today + timedelta(days=10)
    assert soon.notice_deadline == today + timedelta(days=10)


def test_the_calendar_places_renewals_and_notice_deadlines_on_their_days(workspace_a, today):
    contract = ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Loom"),
        renewal_date=today + timedelta(days=10),
        notice_days=5,
    )

    month = renewal_selectors.renewal_calendar(
        workspace=workspace_a, month=contract.notice_deadline
    )
    days = {d.day: d for week in month.weeks for d in week}

    assert [c.pk for c in days[contract.notice_deadline].deadlines] == [contract.pk]
    if contract.renewal_date in days:
        assert [c.pk for c in days[contract.renewal_date].renewals] == [contract.pk]
    assert all(len(week) == 7 for week in month.weeks)


def test_reads_never_cross_workspaces(known_inventory, workspace_b):
    ContractFactory(tool=ToolFactory(workspace=workspace_b, name="Other"), cost=Decimal("5"))

    totals = tool_selectors.inventory_totals(
        workspace=workspace_b, tools=tool_selectors.inventory(workspace=workspace_b)
    )

    assert (totals.tools, totals.annual_spend) == (1, Decimal("5.00"))
    assert spend.overlap(workspace=workspace_b) == []
