"""Demo data for the inventory: about 40 tools a product org pays for, with contracts in mixed
billing periods and currencies, overlapping categories, underused seats, renewals due soon and a
few months of seat-use history. Idempotent: a tool that exists by name is left alone."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from inventory.models import SeatUsageSnapshot, Tool, ToolRequest, UsageSource
from inventory.services import contracts as contract_services
from inventory.services import requests
from inventory.services import tools as tool_services
from productops import clock
from productops.access import Actor
from productops.models import Membership, Role, Workspace

# name, vendor, category, team, owner role, status, sso, sensitivity, tags, feeds,
# (period, cost, currency, bought, used, renews in days, notice days, term months)
M, A, Y = "monthly", "annual", "multi_year"
TOOLS = [
    (
        "Jira",
        "Atlassian",
        "Issue tracking",
        "Engineering",
        "ops",
        "active",
        True,
        "confidential",
        ["core"],
        [],
        (A, "38400", "USD", 160, 148, 142, 60, None),
    ),
    (
        "Linear",
        "Linear",
        "Issue tracking",
        "Platform",
        "pm",
        "active",
        True,
        "confidential",
        [],
        [],
        (M, "640", "USD", 40, 22, 18, 0, None),
    ),
    (
        "Confluence",
        "Atlassian",
        "Docs & wiki",
        "Engineering",
        "ops",
        "active",
        True,
        "confidential",
        ["core"],
        [],
        (A, "14200", "USD", 160, 97, 142, 60, None),
    ),
    (
        "Notion",
        "Notion Labs",
        "Docs & wiki",
        "Product",
        "pm",
        "active",
        True,
        "confidential",
        [],
        [],
        (A, "9600", "USD", 100, 81, 24, 30, None),
    ),
    (
        "Productboard",
        "Productboard",
        "Product management",
        "Product",
        "ops",
        "active",
        True,
        "confidential",
        ["roadmap"],
        ["productboard"],
        (A, "24000", "USD", 25, 12, 21, 30, None),
    ),
    (
        "Aha!",
        "Aha! Labs",
        "Product management",
        "Product",
        "pm",
        "retiring",
        False,
        "internal",
        [],
        [],
        (A, "7800", "USD", 10, 3, 57, 30, None),
    ),
    (
        "Canny",
        "Canny",
        "Feedback",
        "Product",
        "pm",
        "active",
        True,
        "confidential",
        [],
        ["canny"],
        (M, "399", "USD", 0, 0, 11, 0, None),
    ),
    (
        "Amplitude",
        "Amplitude",
        "Product analytics",
        "Product",
        "pm",
        "active",
        True,
        "restricted",
        ["core"],
        [],
        (Y, "96000", "USD", 60, 51, 310, 90, 24),
    ),
    (
        "Mixpanel",
        "Mixpanel",
        "Product analytics",
        "Growth",
        "pm",
        "active",
        True,
        "restricted",
        [],
        [],
        (A, "18000", "USD", 30, 9, 26, 30, None),
    ),
    (
        "Heap",
        "Contentsquare",
        "Product analytics",
        "Growth",
        "ops",
        "evaluating",
        False,
        "restricted",
        ["trial"],
        [],
        None,
    ),
    (
        "Pendo",
        "Pendo",
        "In-app guidance",
        "Product",
        "ops",
        "active",
        True,
        "restricted",
        [],
        ["pendo"],
        (A, "31000", "USD", 0, 0, 75, 60, None),
    ),
    (
        "Figma",
        "Figma",
        "Design",
        "Design",
        "ops",
        "active",
        True,
        "confidential",
        ["core"],
        [],
        (A, "27000", "USD", 60, 57, 200, 30, None),
    ),
    (
        "Miro",
        "Miro",
        "Whiteboarding",
        "Product",
        "pm",
        "active",
        True,
        "internal",
        [],
        [],
        (A, "8640", "EUR", 80, 41, 12, 30, None),
    ),
    (
        "FigJam",
        "Figma",
        "Whiteboarding",
        "Design",
        "ops",
        "active",
        True,
        "internal",
        [],
        [],
        (A, "3600", "USD", 40, 33, 200, 30, None),
    ),
    (
        "Mural",
        "Mural",
        "Whiteboarding",
        "Research",
        "pm",
        "active",
        False,
        "internal",
        [],
        [],
        (M, "450", "USD", 25, 6, 9, 0, None),
    ),
    (
        "Slack",
        "Salesforce",
        "Communication",
        "Company",
        "ops",
        "active",
        True,
        "confidential",
        ["core"],
        ["slack"],
        (A, "52000", "USD", 420, 401, 166, 30, None),
    ),
    (
        "Zoom",
        "Zoom",
        "Video meetings",
        "Company",
        "ops",
        "active",
        True,
        "internal",
        [],
        [],
        (A, "14400", "USD", 120, 104, 95, 30, None),
    ),
    (
        "Google Meet",
        "Google",
        "Video meetings",
        "Company",
        "ops",
        "active",
        True,
        "internal",
        [],
        [],
        None,
    ),
    (
        "Loom",
        "Atlassian",
        "Async video",
        "Product",
        "pm",
        "active",
        True,
        "internal",
        [],
        [],
        (A, "7200", "USD", 50, 19, 45, 30, None),
    ),
    (
        "Dovetail",
        "Dovetail",
        "User research",
        "Research",
        "pm",
        "active",
        True,
        "restricted",
        ["pii"],
        [],
        (A, "10800", "GBP", 15, 14, 120, 30, None),
    ),
    (
        "Maze",
        "Maze",
        "User research",
        "Design",
        "pm",
        "active",
        False,
        "confidential",
        [],
        [],
        (A, "9900", "USD", 10, 4, 33, 30, None),
    ),
    (
        "UserTesting",
        "UserTesting",
        "User research",
        "Research",
        "ops",
        "active",
        True,
        "restricted",
        [],
        [],
        (Y, "72000", "USD", 8, 7, 400, 90, 36),
    ),
    (
        "Hotjar",
        "Contentsquare",
        "Session replay",
        "Growth",
        "pm",
        "active",
        False,
        "restricted",
        [],
        [],
        (M, "289", "EUR", 0, 0, 16, 0, None),
    ),
    (
        "FullStory",
        "FullStory",
        "Session replay",
        "Product",
        "ops",
        "active",
        True,
        "restricted",
        ["pii"],
        [],
        (A, "42000", "USD", 40, 18, 52, 60, None),
    ),
    (
        "LaunchDarkly",
        "LaunchDarkly",
        "Feature flags",
        "Engineering",
        "ops",
        "active",
        True,
        "confidential",
        ["core"],
        [],
        (A, "36000", "USD", 50, 46, 230, 60, None),
    ),
    (
        "Statsig",
        "Statsig",
        "Feature flags",
        "Growth",
        "pm",
        "evaluating",
        False,
        "confidential",
        ["trial"],
        [],
        None,
    ),
    (
        "Intercom",
        "Intercom",
        "Customer support",
        "Support",
        "ops",
        "active",
        True,
        "restricted",
        ["pii"],
        ["intercom"],
        (A, "48000", "USD", 45, 43, 180, 30, None),
    ),
    (
        "Zendesk",
        "Zendesk",
        "Customer support",
        "Support",
        "ops",
        "active",
        True,
        "restricted",
        ["pii"],
        ["zendesk"],
        (A, "26400", "USD", 30, 11, 28, 30, None),
    ),
    (
        "Gong",
        "Gong",
        "Revenue intelligence",
        "Sales",
        "ops",
        "active",
        True,
        "restricted",
        [],
        ["gong"],
        (Y, "120000", "USD", 40, 37, 500, 90, 36),
    ),
    (
        "Salesforce",
        "Salesforce",
        "CRM",
        "Sales",
        "ops",
        "active",
        True,
        "restricted",
        ["core"],
        ["salesforce"],
        (A, "90000", "USD", 60, 58, 260, 90, None),
    ),
    (
        "HubSpot",
        "HubSpot",
        "CRM",
        "Marketing",
        "pm",
        "retiring",
        True,
        "restricted",
        [],
        ["hubspot"],
        (A, "21600", "USD", 20, 5, 38, 30, None),
    ),
    (
        "Metabase",
        "Metabase",
        "BI & reporting",
        "Data",
        "ops",
        "active",
        True,
        "restricted",
        [],
        [],
        (M, "500", "USD", 0, 0, 20, 0, None),
    ),
    (
        "Looker",
        "Google",
        "BI & reporting",
        "Data",
        "ops",
        "active",
        True,
        "restricted",
        ["core"],
        [],
        (A, "60000", "USD", 50, 28, 150, 60, None),
    ),
    (
        "Segment",
        "Twilio",
        "Customer data",
        "Data",
        "ops",
        "active",
        True,
        "restricted",
        ["core", "pii"],
        [],
        (A, "54000", "USD", 0, 0, 112, 60, None),
    ),
    (
        "Typeform",
        "Typeform",
        "Surveys",
        "Marketing",
        "pm",
        "active",
        False,
        "confidential",
        [],
        ["typeform"],
        (A, "1020", "EUR", 5, 5, 8, 0, None),
    ),
    (
        "SurveyMonkey",
        "Momentive",
        "Surveys",
        "Research",
        "pm",
        "active",
        False,
        "confidential",
        [],
        [],
        (A, "3000", "USD", 10, 2, 64, 30, None),
    ),
    (
        "Airtable",
        "Airtable",
        "Databases",
        "Operations",
        "ops",
        "active",
        True,
        "internal",
        [],
        [],
        (A, "5400", "USD", 25, 16, 85, 30, None),
    ),
    (
        "Lucidchart",
        "Lucid",
        "Diagramming",
        "Engineering",
        "pm",
        "active",
        True,
        "internal",
        [],
        [],
        (A, "2880", "CHF", 30, 12, 13, 30, None),
    ),
    (
        "1Password",
        "AgileBits",
        "Security",
        "IT",
        "ops",
        "active",
        True,
        "restricted",
        ["core"],
        [],
        (A, "9600", "USD", 420, 398, 190, 30, None),
    ),
    (
        "Calendly",
        "Calendly",
        "Scheduling",
        "Research",
        "pm",
        "active",
        False,
        "internal",
        [],
        [],
        (M, "160", "USD", 10, 4, 6, 0, None),
    ),
    (
        "G2",
        "G2",
        "Market intelligence",
        "Marketing",
        "pm",
        "active",
        False,
        "public",
        [],
        ["g2"],
        (A, "18000", "USD", 0, 0, 300, 60, None),
    ),
]

REQUESTS = [
    (
        "pm",
        "Cursor",
        "AI coding",
        "Engineering",
        "Engineers asked for it; 20 seats to trial.",
        20,
        "9600",
    ),
    (
        "pm",
        "Sprig",
        "User research",
        "Research",
        "In-product surveys without engineering time.",
        5,
        "6000",
    ),
]


def _actor(workspace: Workspace) -> Actor:
    admin = (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace=workspace, role=Role.ADMIN)
        .order_by("pk")
        .first()
    )
    if admin is None:
        raise ImproperlyConfigured(f"{workspace} has no admin to seed the inventory as.")
    return Actor.for_membership(admin)


def seed_inventory(workspace: Workspace) -> int:
    """Adds the demo tools that are missing; returns how many it added."""
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo data is never seeded with production settings.")
    actor = _actor(workspace)
    members = {
        m.role: m for m in Membership.objects.filter(workspace=workspace).select_related("user")
    }
    owners = {"ops": members.get(Role.OPS_LEAD), "pm": members.get(Role.PM)}
    existing = {
        n.lower() for n in Tool.objects.filter(workspace=workspace).values_list("name", flat=True)
    }
    today = clock.workspace_today(workspace)
    added = 0
    with transaction.atomic():
        for index, row in enumerate(TOOLS):
            name, vendor, category, team, owner, status, sso, sensitivity, tags, feeds, deal = row
            if name.lower() in existing:
                continue
            tool = tool_services.tool_create(
                actor=actor,
                name=name,
                vendor=vendor,
                category=category,
                team=team,
                owner=owners.get(owner),
                status=status,
                sso_enabled=sso,
                data_sensitivity=sensitivity,
                tags=tags,
                feedback_source_kinds=feeds,
                url=f"https://www.{vendor.lower().replace(' ', '').replace('!', '')}.com",
            )
            added += 1
            if deal is None:
                continue
            period, cost, currency, bought, used, renews_in, notice, term = deal
            renewal = today + timedelta(days=renews_in)
            months = term or (1 if period == M else 12)
            start = _months_before(renewal, months)
            if period == M:
                start = renewal - timedelta(days=30)
            if index % 5 == 0 and period == A:
                # An earlier term, so the tool page shows contract history.
                contract_services.contract_create(
                    actor=actor,
                    tool=tool,
                    plan="Business",
                    billing_period=period,
                    cost=Decimal(cost) * Decimal("0.85"),
                    currency=currency,
                    seats_bought=max(bought - 10, 0),
                    seats_used=max(used - 12, 0),
                    start_date=_months_before(start, 12),
                    renewal_date=start,
                    notice_days=notice,
                )
            contract_services.contract_create(
                actor=actor,
                tool=tool,
                plan="Enterprise" if Decimal(cost) > 30000 else "Business",
                billing_period=period,
                term_months=term,
                cost=Decimal(cost),
                currency=currency,
                seats_bought=bought,
                seats_used=used,
                start_date=start,
                renewal_date=renewal,
                auto_renew=index % 4 != 3,
                notice_days=notice,
                reference=f"PO-{2026_000 + index * 17}",
            )
            if bought:
                _usage_history(workspace, tool, bought, used, today, actor)
        for role, name, category, team, reason, seats, cost in REQUESTS:
            if ToolRequest.objects.filter(workspace=workspace, name=name).exists():
                continue
            requester = members.get(Role.PM if role == "pm" else Role.OPS_LEAD) or actor
            requests.tool_request_create(
                actor=Actor.for_membership(requester)
                if isinstance(requester, Membership)
                else actor,
                name=name,
                category=category,
                team=team,
                reason=reason,
                seats_needed=seats,
                estimated_annual_cost=Decimal(cost),
            )
    return added


def _months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, 28))


def _usage_history(workspace, tool, bought, used, today, actor) -> None:
    """Six monthly snapshots drifting toward today's use (written directly: it is history)."""
    rows = []
    for months_ago in range(6, 0, -1):
        drift = (months_ago * (tool.pk % 5 + 1)) % 9 - 3
        value = max(0, min(bought + 5, used + drift + months_ago // 2))
        rows.append(
            SeatUsageSnapshot(
                workspace=workspace,
                tool=tool,
                taken_on=_months_before(today, months_ago),
                seats_used=value,
                seats_bought=bought,
                source=UsageSource.IMPORT,
                recorded_by=actor.user,
            )
        )
    rows.append(
        SeatUsageSnapshot(
            workspace=workspace,
            tool=tool,
            taken_on=today,
            seats_used=used,
            seats_bought=bought,
            source=UsageSource.IMPORT,
            recorded_by=actor.user,
        )
    )
    SeatUsageSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
