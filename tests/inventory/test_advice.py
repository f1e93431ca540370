"""Waste and Overlap say what to do, each one click from a draft renewal decision.

Figures from tests/inventory/conftest.py's known_inventory, worked out by hand there."""

import html as html_lib
import re
from decimal import Decimal
from urllib.parse import parse_qs

import pytest

from inventory.models import RenewalDecision
from inventory.selectors import spend
from tests.conftest import signed_in
from tests.inventory.factories import ContractFactory, ToolFactory

pytestmark = pytest.mark.django_db

BASE = "/w/alpha/tools/"


def test_waste_advises_right_sizing_to_the_seats_in_use_with_the_yearly_saving(
    known_inventory, workspace_a
):
    result = spend.waste(workspace=workspace_a)
    mixpanel = result.advice[known_inventory["monthly"].tool_id]
    miro = result.advice[known_inventory["euro"].tool_id]

    # 1,200/yr for 10 seats, 5 in use: keep 5 at 120 each, saving 5 x 120 = 600
    assert (mixpanel.kind, mixpanel.seats, mixpanel.saving) == ("right_size", 5, Decimal("600"))
    assert parse_qs(mixpanel.draft) == {
        "decision": ["renegotiate"],
        "reason": ["Right-size: 5 of 10 seats in use."],
        "target_seats": ["5"],
        "target_annual_cost": ["600.00"],
    }
    # 1,000 EUR/yr for 10 seats, 2 in use: 8 x 100 EUR = 800 EUR saved, 880 USD at 1.10
    assert (miro.seats, miro.saving, miro.saving_native, miro.currency) == (
        2,
        Decimal("880"),
        Decimal("800.00"),
        "EUR",
    )
    assert parse_qs(miro.draft)["target_annual_cost"] == ["200.00"]


def test_a_tool_nobody_uses_is_advised_to_be_cancelled(workspace_a):
    idle = ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Loom"),
        cost=Decimal("2400"),
        seats_bought=12,
        seats_used=0,
    )

    advice = spend.waste(workspace=workspace_a).advice[idle.tool_id]

    assert (advice.kind, advice.saving) == ("cancel", Decimal("2400"))
    assert parse_qs(advice.draft)["decision"] == ["cancel"]


def test_the_waste_page_says_what_to_do_and_one_click_opens_the_draft_decision(
    ops_lead, known_inventory
):
    client = signed_in(ops_lead)
    contract = known_inventory["monthly"]
    page = html_lib.unescape(client.get(BASE + "waste/").content.decode())
    row = page.split(f'id="waste-{contract.tool_id}"')[1].split("</tr>")[0]

    assert "Right-size to 5 seats, saves $600 a year" in row
    href = re.search(r'href="([^"]*/decide/\?[^"]*)"', row).group(1)
    draft = client.get(href).content.decode()

    assert 'value="renegotiate"' in draft and re.search(r'value="renegotiate"[^>]*checked', draft)
    assert re.search(r'name="target_seats"[^>]*value="5"', draft)
    assert re.search(r'name="target_annual_cost"[^>]*value="600.00"', draft)
    assert "Right-size: 5 of 10 seats in use." in draft
    assert not RenewalDecision.objects.filter(contract=contract).exists()  # a draft only

    client.post(href, parse_qs(href.split("?", 1)[1]))

    saved = RenewalDecision.objects.get(contract=contract)
    assert (saved.decision, saved.target_seats, saved.target_annual_cost) == (
        "renegotiate",
        5,
        Decimal("600.00"),
    )
    assert "Renegotiate recorded" in client.get(BASE + "waste/").content.decode()


def test_overlap_advises_consolidating_into_the_tool_with_most_seats_in_use(
    ops_lead, known_inventory, workspace_a
):
    analytics = spend.overlap(workspace=workspace_a)[0]
    mixpanel = known_inventory["monthly"]

    assert analytics.keeper == "Amplitude"  # 20 seats in use, against Mixpanel's 5
    assert set(analytics.advice) == {mixpanel.tool_id}  # Heap is cancelled already
    advice = analytics.advice[mixpanel.tool_id]
    assert (advice.kind, advice.into, advice.saving) == (
        "consolidate",
        "Amplitude",
        Decimal("1200"),
    )
    assert parse_qs(advice.draft) == {
        "decision": ["cancel"],
        "reason": ["Consolidate into Amplitude: both are Analytics."],
    }

    page = html_lib.unescape(signed_in(ops_lead).get(BASE + "overlap/").content.decode())
    assert "Consolidate into Amplitude, saves $1,200 a year" in page
    assert f"contracts/{mixpanel.pk}/decide/?decision=cancel" in page


def test_people_who_cannot_decide_read_the_advice_without_a_link(exec_, known_inventory):
    page = html_lib.unescape(signed_in(exec_).get(BASE + "waste/").content.decode())

    assert "Right-size to 5 seats, saves $600 a year" in page
    assert "/decide/" not in page
