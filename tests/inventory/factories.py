from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from inventory.models import Contract, Tool


class ToolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tool

    name = factory.Sequence(lambda n: f"Tool {n}")
    vendor = "Vendor"
    category = "Analytics"
    team = "Product"
    status = "active"


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    tool = factory.SubFactory(ToolFactory)
    workspace = factory.SelfAttribute("tool.workspace")
    billing_period = "annual"
    cost = Decimal("1200.00")
    currency = "USD"
    seats_bought = 10
    seats_used = 10
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=200))
    renewal_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=165))
    notice_days = 30
