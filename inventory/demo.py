"""Seeds the demo inventory from `inventory/demo_data/tools.toml` (the file says what is in it).

Idempotent: a tool or request that exists by name is left alone. Tools, contracts and requests
go through the services; the seat-use history is written directly, as an import of the past.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from inventory.models import BillingPeriod, SeatUsageSnapshot, Tool, ToolRequest, UsageSource
from inventory.services import contracts as contract_services
from inventory.services import requests as request_services
from inventory.services import tools as tool_services
from productops import clock, demo
from productops.access import Actor
from productops.models import Role, Workspace


def seed_inventory(workspace: Workspace) -> int:
    """Adds the demo tools that are missing; returns how many it added."""
    demo.refuse_production()
    content = demo.load("inventory", "tools")
    cast = demo.Cast(workspace)
    admin = cast.actor(Role.ADMIN)
    today = clock.workspace_today(workspace)
    existing = {
        name.lower()
        for name in Tool.objects.filter(workspace=workspace).values_list("name", flat=True)
    }
    added = 0
    with transaction.atomic():
        for spec in content["tools"]:
            if spec["name"].lower() in existing:
                continue
            tool = tool_services.tool_create(
                actor=admin,
                name=spec["name"],
                vendor=spec["vendor"],
                url=spec["url"],
                category=spec["category"],
                team=spec["team"],
                owner=cast.member(spec["owner"]),
                status=spec["status"],
                sso_enabled=spec["sso"],
                data_sensitivity=spec["sensitivity"],
                tags=spec.get("tags", []),
                feedback_source_kinds=spec.get("feeds", []),
            )
            added += 1
            if "contract" in spec:
                _contracts(admin, tool, spec, today)
        for spec in content["requests"]:
            if not ToolRequest.objects.filter(workspace=workspace, name=spec["name"]).exists():
                request_services.tool_request_create(
                    actor=cast.actor(spec["by"]),
                    name=spec["name"],
                    category=spec["category"],
                    team=spec["team"],
                    reason=spec["reason"],
                    seats_needed=spec["seats_needed"],
                    estimated_annual_cost=Decimal(spec["estimated_annual_cost"]),
                )
    return added


def _contracts(actor: Actor, tool: Tool, spec: dict[str, Any], today: date) -> None:
    current = spec["contract"]
    period = current["period"]
    renewal = today + timedelta(days=current["renews_in_days"])
    if period == BillingPeriod.MONTHLY:
        start = renewal - timedelta(days=30)
    else:
        start = _months_before(renewal, current.get("term_months", 12))
    if previous := spec.get("previous_contract"):
        contract_services.contract_create(
            actor=actor,
            tool=tool,
            plan=previous["plan"],
            billing_period=period,
            cost=Decimal(previous["cost"]),
            currency=current["currency"],
            seats_bought=previous["seats_bought"],
            seats_used=previous["seats_used"],
            start_date=_months_before(start, 12),
            renewal_date=start,
            notice_days=current["notice_days"],
        )
    contract_services.contract_create(
        actor=actor,
        tool=tool,
        plan=current["plan"],
        billing_period=period,
        term_months=current.get("term_months"),
        cost=Decimal(current["cost"]),
        currency=current["currency"],
        seats_bought=current["seats_bought"],
        seats_used=current["seats_used"],
        start_date=start,
        renewal_date=renewal,
        auto_renew=current["auto_renew"],
        notice_days=current["notice_days"],
        reference=current["reference"],
    )
    if current["seats_bought"]:
        _seat_history(actor, tool, current, today)


def _months_before(day: date, months: int) -> date:
    """The same day `months` earlier, moved to the 28th at most so every month has it."""
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


def _seat_history(actor: Actor, tool: Tool, contract: dict[str, Any], today: date) -> None:
    """One snapshot a month for the six months before today, and today's."""
    used = [*contract["seats_used_before"], contract["seats_used"]]
    days = [_months_before(today, months_ago) for months_ago in range(6, 0, -1)] + [today]
    SeatUsageSnapshot.objects.bulk_create(
        [
            SeatUsageSnapshot(
                workspace=tool.workspace,
                tool=tool,
                taken_on=day,
                seats_used=seats,
                seats_bought=contract["seats_bought"],
                source=UsageSource.IMPORT,
                recorded_by=actor.user,
            )
            for day, seats in zip(days, used, strict=True)
        ],
        ignore_conflicts=True,
    )
