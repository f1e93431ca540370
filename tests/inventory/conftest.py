from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import InventorySettings
from tests.inventory.factories import ContractFactory, ToolFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def known_inventory(personas, workspace_a, today):
    """Seven tools whose figures the tests below work out by hand.

    Budget rate: 1 EUR = 1.10 USD; SEK has no rate. Threshold 70%.
    """
    InventorySettings.objects.create(
        workspace=workspace_a, exchange_rates={"EUR": "1.10"}, reminder_days=[90, 30, 7]
    )
    ws = workspace_a

    def contract(name, category, status="active", **terms):
        tool = ToolFactory(workspace=ws, name=name, category=category, status=status)
        return ContractFactory(tool=tool, **terms)

    return {
        # 100/month -> 1,200/yr; 5 of 10 seats: 5 unused x 120 = 600 wasted
        "monthly": contract(
            "Mixpanel",
            "Analytics",
            billing_period="monthly",
            cost=Decimal("100"),
            seats_bought=10,
            seats_used=5,
        ),
        # 6,000/yr, all 20 seats used
        "annual": contract(
            "Amplitude", "Analytics", cost=Decimal("6000"), seats_bought=20, seats_used=20
        ),
        # 36,000 for 36 months -> 12,000/yr, flat fee
        "multi_year": contract(
            "Figma",
            "Design",
            billing_period="multi_year",
            term_months=36,
            cost=Decimal("36000"),
            seats_bought=0,
            seats_used=0,
        ),
        # 1,000 EUR/yr -> 1,100 USD; 2 of 10 seats: 8 unused x 110 = 880 wasted
        "euro": contract(
            "Miro",
            "Design",
            status="evaluating",
            cost=Decimal("1000"),
            currency="EUR",
            seats_bought=10,
            seats_used=2,
        ),
        # 5,000 SEK/yr: no rate, so shown apart; 4 of 4 seats
        "krona": contract(
            "Notion", "Docs", cost=Decimal("5000"), currency="SEK", seats_bought=4, seats_used=4
        ),
        # cancelled: ends at renewal, out of spend
        "cancelled": contract(
            "Heap",
            "Analytics",
            cost=Decimal("3000"),
            decision="cancel",
            renewal_date=today + timedelta(days=20),
        ),
        # retired tool: out of spend
        "retired": contract("Aha", "Docs", status="retired", cost=Decimal("999")),
    }
