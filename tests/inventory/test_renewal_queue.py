"""The renewals page as a queue: what is left to decide, grouped by notice deadline, with the
money at stake; deciding returns to the queue; renegotiating records its target."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from inventory.models import Contract, InventorySettings, RenewalDecision
from inventory.selectors.renewals import renewal_calendar, renewal_queue
from productops import clock
from productops.models import AuditEvent
from tests.conftest import signed_in
from tests.inventory.factories import ContractFactory, ToolFactory

pytestmark = pytest.mark.django_db

BASE = "/w/alpha/tools/"


def _contract(workspace, name, *, deadline_in: int, renews_in: int | None = None, **terms):
    """A contract whose notice deadline is `deadline_in` days from the workspace's today."""
    today = clock.workspace_today(workspace)
    renews_in = deadline_in + 30 if renews_in is None else renews_in
    return ContractFactory(
        tool=ToolFactory(workspace=workspace, name=name),
        renewal_date=today + timedelta(days=renews_in),
        notice_days=renews_in - deadline_in,
        **terms,
    )


@pytest.fixture
def queue_data(workspace_a):
    InventorySettings.objects.create(workspace=workspace_a, exchange_rates={"EUR": "1.10"})
    ws = workspace_a
    return {
        "passed": _contract(ws, "Heap", deadline_in=-3, cost=Decimal("3000")),
        "renewed": _contract(ws, "Old", deadline_in=-40, renews_in=-10, cost=Decimal("50")),
        "today": _contract(ws, "Slack", deadline_in=0, cost=Decimal("8000")),
        "week": _contract(ws, "Miro", deadline_in=6, cost=Decimal("1000"), currency="EUR"),
        "month": _contract(ws, "Notion", deadline_in=7, cost=Decimal("2400")),
        "krona": _contract(ws, "Lokal", deadline_in=20, cost=Decimal("5000"), currency="SEK"),
        "later": _contract(ws, "Figma", deadline_in=31, cost=Decimal("9999")),
        "decided": _contract(ws, "Jira", deadline_in=2, cost=Decimal("7777"), decision="renew"),
    }


def test_the_queue_groups_undecided_renewals_by_notice_deadline_with_money_at_stake(
    workspace_a, queue_data
):
    groups = {g.key: g for g in renewal_queue(workspace=workspace_a)}

    assert [g.title for g in renewal_queue(workspace=workspace_a)] == [
        "Notice passed",
        "This week",
        "Next 30 days",
    ]
    assert [c.tool.name for c in groups["passed"].contracts] == ["Heap"]
    assert [c.tool.name for c in groups["week"].contracts] == ["Slack", "Miro"]
    assert [c.tool.name for c in groups["month"].contracts] == ["Notion", "Lokal"]
    assert groups["passed"].at_stake == Decimal("3000")
    # 8,000 USD + 1,000 EUR at the budget rate of 1.10
    assert groups["week"].at_stake == Decimal("9100")
    # SEK has no rate: kept apart, never added in as if it were dollars
    assert groups["month"].at_stake == Decimal("2400")
    assert groups["month"].unconverted == {"SEK": Decimal("5000")}


def test_the_renewals_page_shows_each_group_with_its_money_in_the_workspace_currency(
    ops_lead, queue_data
):
    html = signed_in(ops_lead).get(BASE + "renewals/").content.decode()

    def group(key):
        return html.split(f'id="queue-{key}"')[1].split("</section>")[0]

    assert "$3,000" in group("passed") and "Heap" in group("passed")
    assert "$9,100" in group("week") and "Miro" in group("week") and "Slack" in group("week")
    assert "$2,400" in group("month") and "5,000 SEK" in group("month")
    queue = html.split('id="queue"')[1].split('id="renewals"')[0]
    assert "Jira" not in queue and "Figma" not in queue and "Old" not in queue


def test_deciding_from_the_queue_returns_to_the_queue_without_the_decided_renewal(
    ops_lead, queue_data
):
    client = signed_in(ops_lead)
    contract = queue_data["week"]
    page = client.get(BASE + "renewals/").content.decode()
    decide_url = f"{BASE}contracts/{contract.pk}/decide/?back=queue"
    assert decide_url.replace(BASE, "") in page.replace("&amp;", "&")

    response = client.post(decide_url, {"decision": "renew", "reason": "Design team lives in it."})

    assert response.status_code == 302
    assert response["Location"] == "/w/alpha/tools/renewals/#queue"
    contract.refresh_from_db()
    assert contract.decision == "renew"
    after = client.get(response["Location"]).content.decode()
    assert f'id="queue-item-{contract.pk}"' not in after
    assert "Miro: renew recorded." in after


def test_the_leave_link_is_not_called_cancel_next_to_the_cancel_decision(ops_lead, queue_data):
    contract = queue_data["week"]
    client = signed_in(ops_lead)

    from_queue = client.get(f"{BASE}contracts/{contract.pk}/decide/?back=queue").content.decode()
    from_tool = client.get(f"{BASE}contracts/{contract.pk}/decide/").content.decode()

    assert re.search(r'id="leave-decision"[^>]*>Back to the renewal queue</a>', from_queue)
    assert re.search(r'id="leave-decision"[^>]*>Back to Miro</a>', from_tool)
    assert not re.search(r">\s*Cancel\s*</a>", from_queue + from_tool)


def test_renegotiate_records_the_target_seats_and_price(ops_lead, queue_data):
    contract = queue_data["month"]

    response = signed_in(ops_lead).post(
        f"{BASE}contracts/{contract.pk}/decide/",
        {
            "decision": "renegotiate",
            "reason": "6 of 10 seats used.",
            "target_seats": "6",
            "target_annual_cost": "1440",
        },
    )

    assert response.status_code == 302
    decision = RenewalDecision.objects.get(contract=contract)
    assert (decision.decision, decision.target_seats, decision.target_annual_cost) == (
        "renegotiate",
        6,
        Decimal("1440.00"),
    )
    event = AuditEvent.objects.get(verb="contract.renewal_decided", object_id=str(contract.pk))
    assert (event.after["target_seats"], event.after["target_annual_cost"]) == (6, "1440.00")
    assert event.after["currency"] == "USD"
    page = signed_in(ops_lead).get(f"{BASE}contracts/{contract.pk}/decide/").content.decode()
    assert "6 seats, $1,440/yr" in page


def test_renegotiate_without_a_target_is_refused_and_nothing_is_recorded(ops_lead, queue_data):
    contract = queue_data["month"]
    client = signed_in(ops_lead)

    missing = client.post(
        f"{BASE}contracts/{contract.pk}/decide/",
        {"decision": "renegotiate", "reason": "Too dear."},
    )
    stray = client.post(
        f"{BASE}contracts/{contract.pk}/decide/",
        {"decision": "cancel", "reason": "Unused.", "target_seats": "3"},
    )

    assert missing.status_code == 400
    assert "Give the yearly price you are aiming for." in missing.content.decode()
    assert "Give the number of seats you are aiming for." in missing.content.decode()
    assert stray.status_code == 400
    assert "Targets belong to a renegotiation" in stray.content.decode()
    assert not RenewalDecision.objects.filter(contract=contract).exists()
    assert Contract.objects.get(pk=contract.pk).decision == ""


def test_the_api_records_a_renegotiation_target(ops_lead, queue_data):
    contract = queue_data["month"]

    response = signed_in(ops_lead).post(
        f"/api/v1/w/alpha/contracts/{contract.pk}/decisions/",
        {"decision": "renegotiate", "reason": "Fewer seats.", "target_annual_cost": "1200"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "target_seats" in response.json()["error"]["fields"]
    assert not RenewalDecision.objects.filter(contract=contract).exists()
    done = signed_in(ops_lead).post(
        f"/api/v1/w/alpha/contracts/{contract.pk}/decisions/",
        {
            "decision": "renegotiate",
            "reason": "Fewer seats.",
            "target_annual_cost": "1200",
            "target_seats": 5,
        },
        content_type="application/json",
    )
    assert done.status_code == 201
    assert (done.json()["target_seats"], done.json()["target_annual_cost"]) == (5, "1200.00")


def test_the_calendar_opens_on_this_week(workspace_a, queue_data):
    today = clock.workspace_today(workspace_a)

    opening = renewal_calendar(workspace=workspace_a, month=None)

    first_row = [d.day for d in opening.weeks[0]]
    assert first_row[0] == today - timedelta(days=today.weekday())
    assert today in first_row and opening.from_this_week
    deadlines = {c.tool.name for w in opening.weeks for d in w for c in d.deadlines}
    assert {"Slack", "Miro", "Notion"} <= deadlines


def test_renewing_yes_lists_only_the_contracts_that_will_renew(exec_, queue_data):
    """The dashboards' "Renewals in 90 days" opens this list: a contract decided cancel ends
    at its date instead of renewing, so it is left out, and the page says so."""
    queue_data["krona"].decision = "cancel"
    queue_data["krona"].save()
    client = signed_in(exec_)

    def listed(query: str) -> list[str]:
        page = client.get(f"{BASE}renewals/?{query}")
        assert page.status_code == 200
        table = page.content.decode().split('id="renewals"')[1].split("</table>")[0]
        return re.findall(r'<a class="strong" href="[^"]+">([^<]+)</a>', table)

    assert "Lokal" in listed("days=90")
    renewing = listed("days=90&renewing=yes")
    assert "Lokal" not in renewing
    assert sorted(renewing) == sorted(set(listed("days=90")) - {"Lokal"})
    page = client.get(f"{BASE}renewals/?days=90&renewing=yes").content.decode()
    assert "Contracts decided cancel are left out" in page
    assert 'href="?days=30&amp;renewing=yes' in page  # the windows keep the filter
    assert client.get(f"{BASE}renewals/?renewing=maybe").status_code == 400
