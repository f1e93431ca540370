import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.models import Contract, Tool
from inventory.services import contracts as contract_services
from inventory.services import reminders
from inventory.services import tools as tool_services
from productops.csvfiles import safe_cell
from tests.conftest import downloaded, signed_in
from tests.inventory.factories import ContractFactory, ToolFactory

pytestmark = pytest.mark.django_db

BASE = "/w/alpha/tools/"


def _add_tools(workspace, owner, today, n):
    for _ in range(n):
        tool = ToolFactory(workspace=workspace, owner=owner)
        ContractFactory(tool=tool, renewal_date=today + timedelta(days=20))


@pytest.mark.parametrize(
    "path",
    [
        "",
        "?sort=-annual_cost&renewal_within=30",
        "renewals/",
        "spend/",
        "overlap/",
        "waste/",
        "export.csv",
    ],
)
def test_inventory_pages_cost_the_same_queries_at_3_and_40_tools(
    ops_lead, workspace_a, today, path, count_queries
):
    client = signed_in(ops_lead)
    _add_tools(workspace_a, ops_lead.membership, today, 3)
    few, _ = count_queries(client, BASE + path)
    _add_tools(workspace_a, ops_lead.membership, today, 37)
    many, _ = count_queries(client, BASE + path)

    assert few == many


def test_the_tool_page_costs_the_same_queries_with_a_long_history(
    ops_lead, workspace_a, today, count_queries
):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a))
    client = signed_in(ops_lead)
    url = f"{BASE}{contract.tool_id}/"
    contract_services.usage_record(
        actor=ops_lead.actor, tool=contract.tool, taken_on=today, seats_used=3
    )
    contract_services.renewal_decide(
        actor=ops_lead.actor, contract=contract, decision="renew", reason="0"
    )
    few, _ = count_queries(client, url)
    for months in range(1, 20):
        contract_services.usage_record(
            actor=ops_lead.actor,
            tool=contract.tool,
            taken_on=today - timedelta(days=30 * months),
            seats_used=months,
        )
        contract_services.renewal_decide(
            actor=ops_lead.actor, contract=contract, decision="renew", reason=f"{months}"
        )
    many, response = count_queries(client, url)

    assert few == many
    assert b'class="line-used"' in response.content


def test_filtering_with_htmx_swaps_only_the_results_with_their_totals(ops_lead, workspace_a, today):
    ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Figma", category="Design"),
        cost=Decimal("500"),
    )
    ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Jira", category="Tracking"),
        cost=Decimal("900"),
    )

    response = signed_in(ops_lead).get(BASE, {"category": "Design"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="inventory-results"')
    assert "Figma" in html and "Jira" not in html
    assert '<span class="figure-value" id="annual-spend">$500</span>' in html
    assert "<nav" not in html


def test_the_csv_export_neutralises_spreadsheet_formulas(ops_lead, workspace_a):
    ToolFactory(
        workspace=workspace_a,
        name='=HYPERLINK("http://evil")',
        vendor="+cmd",
        team="@SUM(A1)",
        description="x",
        tags=["-2+3"],
    )

    response = signed_in(ops_lead).get(BASE + "export.csv")

    rows = list(csv.DictReader(io.StringIO(downloaded(response))))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["vendor"] == "'+cmd"
    assert rows[0]["team"] == "'@SUM(A1)"
    assert rows[0]["tags"] == "'-2+3"
    assert [safe_cell(v) for v in ("\tx", "\rx", "plain", None, 12)] == [
        "'\tx",
        "'\rx",
        "plain",
        "",
        "12",
    ]


def test_the_csv_export_holds_the_filtered_rows(ops_lead, workspace_a):
    ContractFactory(tool=ToolFactory(workspace=workspace_a, name="Figma", category="Design"))
    ContractFactory(tool=ToolFactory(workspace=workspace_a, name="Jira", category="Tracking"))

    response = signed_in(ops_lead).get(BASE + "export.csv", {"category": "Tracking"})

    rows = list(csv.DictReader(io.StringIO(downloaded(response))))
    assert [(r["name"], r["annual_cost_workspace_currency"]) for r in rows] == [("Jira", "1200.00")]


def test_an_exec_sees_the_inventory_without_ways_to_change_it(exec_, workspace_a):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a, name="Figma"))

    listing = signed_in(exec_).get(BASE).content.decode()
    detail = signed_in(exec_).get(f"{BASE}{contract.tool_id}/").content.decode()

    assert "Figma" in listing
    assert "Add tool" not in listing and "Request a tool" not in listing
    assert "Record renewal decision" not in detail and "Record seat use" not in detail


def test_a_pm_is_offered_a_request_instead_of_add(pm):
    html = signed_in(pm).get(BASE).content.decode()
    assert "Request a tool" in html and "Add tool" not in html


def test_an_ops_lead_adds_a_tool_then_its_contract(ops_lead, workspace_a, today):
    client = signed_in(ops_lead)
    response = client.post(
        BASE + "new/",
        {
            "name": "Loom",
            "category": "Async video",
            "status": "active",
            "data_sensitivity": "internal",
            "tags": "video, async",
            "owner": ops_lead.membership.pk,
            "feedback_source_kinds": ["slack"],
        },
    )
    tool = Tool.objects.get(name="Loom")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/{tool.pk}/contracts/new/"
    )
    assert (tool.tags, tool.feedback_source_kinds, tool.owner_id) == (
        ["video", "async"],
        ["slack"],
        ops_lead.membership.pk,
    )

    response = client.post(
        f"{BASE}{tool.pk}/contracts/new/",
        {
            "billing_period": "monthly",
            "cost": "12.50",
            "currency": "eur",
            "seats_bought": 4,
            "seats_used": 2,
            "start_date": str(today),
            "renewal_date": str(today + timedelta(days=30)),
            "notice_days": 0,
            "auto_renew": "on",
        },
    )
    assert response.status_code == 302
    assert Contract.objects.get(tool=tool).currency == "EUR"


def test_a_bad_contract_form_answers_400_with_the_field_errors(ops_lead, workspace_a, today):
    tool = ToolFactory(workspace=workspace_a)

    response = signed_in(ops_lead).post(
        f"{BASE}{tool.pk}/contracts/new/",
        {
            "billing_period": "multi_year",
            "cost": "100",
            "currency": "USD",
            "seats_bought": 0,
            "seats_used": 0,
            "start_date": str(today),
            "renewal_date": str(today - timedelta(days=1)),
            "notice_days": 30,
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "A multi-year contract needs its term" in html
    assert "The renewal date must come after the start date." in html
    assert not Contract.objects.exists()


def test_a_stale_edit_form_answers_409_and_keeps_the_other_change(ops_lead, admin, workspace_a):
    tool = ToolFactory(workspace=workspace_a, name="Figma", team="Design")
    tool_services.tool_update(actor=admin.actor, tool=tool, expected_version=1, team="Brand")

    response = signed_in(ops_lead).post(
        f"{BASE}{tool.pk}/edit/",
        {
            "name": "Figma",
            "category": tool.category,
            "team": "Product",
            "status": "active",
            "data_sensitivity": "internal",
            "version": 1,
        },
    )

    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    tool.refresh_from_db()
    assert tool.team == "Brand"


def test_recording_a_renewal_decision_from_its_page(ops_lead, workspace_a):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a, name="Miro"))

    response = signed_in(ops_lead).post(
        f"{BASE}contracts/{contract.pk}/decide/",
        {"decision": "cancel", "reason": "Moved to FigJam."},
    )

    contract.refresh_from_db()
    assert response.status_code == 302
    assert contract.decision == "cancel"
    assert (
        "not counted in annual spend"
        in signed_in(ops_lead).get(f"{BASE}{contract.tool_id}/").content.decode()
    )


def test_a_reminder_shows_on_the_renewals_page_until_dismissed(ops_lead, workspace_a, today):
    ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Zendesk", owner=ops_lead.membership),
        renewal_date=today + timedelta(days=35),
        notice_days=30,
    )
    reminders.renewal_reminders_send(today=today)
    client = signed_in(ops_lead)

    page = client.get(BASE + "renewals/").content.decode()
    notice = ops_lead.user  # the owner
    from inventory.models import Notification

    row = Notification.objects.get(recipient=notice)
    assert "Zendesk: the notice deadline is in 5 days" in page
    client.post(f"{BASE}notifications/{row.pk}/dismiss/")
    assert "Zendesk: the notice deadline" not in client.get(BASE + "renewals/").content.decode()


def test_approving_a_request_on_the_page_opens_the_new_tool(pm, ops_lead):
    client = signed_in(pm)
    assert (
        client.post(
            BASE + "requests/", {"name": "Maze", "category": "Research", "reason": "Tests."}
        ).status_code
        == 302
    )
    from inventory.models import ToolRequest

    request = ToolRequest.objects.get()
    response = signed_in(ops_lead).post(f"{BASE}requests/{request.pk}/decide/", {"approve": "yes"})

    tool = Tool.objects.get(name="Maze")
    assert response["Location"].endswith(f"/tools/{tool.pk}/")
    assert tool.status == "evaluating"


def test_settings_save_thresholds_and_budget_rates(ops_lead, workspace_a):
    client = signed_in(ops_lead)

    response = client.post(
        BASE + "settings/",
        {
            "utilisation_threshold": 60,
            "reminder_days": "60, 14",
            "exchange_rates": "EUR = 1.05\nGBP = 1.25",
        },
    )

    from inventory.models import InventorySettings

    saved = InventorySettings.objects.get(workspace=workspace_a)
    assert response.status_code == 302
    assert (saved.utilisation_threshold, saved.reminder_days) == (60, [60, 14])
    assert saved.exchange_rates == {"EUR": "1.05", "GBP": "1.25"}
    bad = client.post(
        BASE + "settings/",
        {"utilisation_threshold": 60, "reminder_days": "soon", "exchange_rates": ""},
    )
    assert bad.status_code == 400


def test_pages_carry_no_inline_script_or_style(ops_lead, workspace_a):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a))
    client = signed_in(ops_lead)
    for path in [
        "",
        f"{contract.tool_id}/",
        "renewals/",
        "spend/",
        "overlap/",
        "waste/",
        "requests/",
    ]:
        html = client.get(BASE + path).content.decode()
        assert " style=" not in html and "<style" not in html, path
        assert " onclick=" not in html and "<script>" not in html, path


def test_the_renewals_calendar_reads_as_a_table_of_weeks(ops_lead, workspace_a, today):
    """To a screen reader the calendar is a table: a header row of weekdays, then a row per
    week of seven day cells, each day's date in full (no grid roles without their rows)."""
    ContractFactory(tool=ToolFactory(workspace=workspace_a, name="Zendesk"), renewal_date=today)
    page = signed_in(ops_lead).get(BASE + "renewals/").content.decode()
    calendar = page[
        page.index('role="table"') : page.index("</section>", page.index('role="table"'))
    ]
    rows = calendar.split('role="row"')[1:]
    assert rows[0].count('role="columnheader"') == 7
    weeks = rows[1:]
    assert 4 <= len(weeks) <= 6
    assert all(week.count('role="cell"') == 7 for week in weeks)
    assert f'<time class="cal-num" datetime="{today:%Y-%m-%d}" aria-current="date">' in calendar
    assert "Zendesk" in calendar
    assert "grid" not in calendar.replace("cal-grid", "")
