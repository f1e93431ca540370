"""Seats in use now: one definition, whatever channel adds the next contract."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from inventory.models import Contract
from inventory.selectors import spend
from productops import imports
from productops import services as platform
from tests.conftest import signed_in
from tests.inventory.factories import ContractFactory, ToolFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/w/alpha/"


@pytest.fixture
def tool_with_15_in_use(ops_lead, workspace_a, today):
    """A tool whose 15 seats in use were recorded through `usage/`, on a contract about to end."""
    tool = ToolFactory(workspace=workspace_a, name="Figma", category="Design")
    ContractFactory(
        tool=tool,
        cost=Decimal("15000"),
        seats_bought=20,
        seats_used=0,
        start_date=today - timedelta(days=360),
        renewal_date=today + timedelta(days=5),
    )
    response = signed_in(ops_lead).post(
        BASE + f"tools/{tool.pk}/usage/",
        data={"seats_used": 15, "taken_on": str(today - timedelta(days=1))},
        content_type="application/json",
    )
    assert response.status_code == 201
    return tool


def _next_term(today) -> dict:
    return {
        "billing_period": "annual",
        "cost": "15000.00",
        "currency": "USD",
        "seats_bought": 20,
        "start_date": str(today + timedelta(days=5)),
        "renewal_date": str(today + timedelta(days=370)),
    }


def _figures_seen(client: Client, workspace, tool) -> dict:
    """What the API's tool, the inventory and the waste page say about the tool."""
    api_tool = client.get(BASE + f"tools/{tool.pk}/").json()
    waste = spend.waste(workspace=workspace)
    row = next(r for r in waste.rows if r.pk == tool.pk)
    return {
        "used": api_tool["seats_used"],
        "utilisation": round(float(api_tool["utilisation"])),
        "unused": row.unused_seats,
        "waste": row.waste,
    }


def test_a_next_contract_through_the_api_keeps_the_seats_in_use(
    ops_lead, workspace_a, tool_with_15_in_use, today
):
    client = signed_in(ops_lead)
    response = client.post(
        BASE + "contracts/",
        data={"tool": tool_with_15_in_use.pk, **_next_term(today)},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert _figures_seen(client, workspace_a, tool_with_15_in_use) == {
        "used": 15,
        "utilisation": 75,
        "unused": 5,
        "waste": Decimal("3750.00"),
    }


def test_a_next_contract_from_a_csv_row_keeps_the_seats_in_use(
    ops_lead, workspace_a, tool_with_15_in_use, today
):
    term = _next_term(today)
    sheet = (
        "Name,Category,Billing period,Cost,Seats bought,Start date,Renewal date\n"
        f"Figma,Design,annual,15000,20,{term['start_date']},{term['renewal_date']}\n"
    ).encode()
    job = imports.import_upload(actor=ops_lead.actor, kind="tools", filename="t.csv", raw=sheet)
    imports.import_start(actor=ops_lead.actor, job=job, mapping=job.mapping)
    imports.import_run(job_id=job.pk)

    current = Contract.objects.get(tool=tool_with_15_in_use, is_current=True)
    assert str(current.renewal_date) == term["renewal_date"]
    assert _figures_seen(signed_in(ops_lead), workspace_a, tool_with_15_in_use) == {
        "used": 15,
        "utilisation": 75,
        "unused": 5,
        "waste": Decimal("3750.00"),
    }


def test_the_contract_form_starts_from_the_seats_in_use_and_an_empty_field_keeps_them(
    ops_lead, workspace_a, tool_with_15_in_use, today
):
    client = signed_in(ops_lead)
    page = client.get(f"/w/alpha/tools/{tool_with_15_in_use.pk}/contracts/new/")
    term = _next_term(today) | {"seats_used": "", "notice_days": 30, "auto_renew": "on"}
    posted = client.post(f"/w/alpha/tools/{tool_with_15_in_use.pk}/contracts/new/", data=term)

    assert 'name="seats_used" value="15"' in page.content.decode()
    assert posted.status_code == 302
    assert Contract.objects.get(tool=tool_with_15_in_use, is_current=True).seats_used == 15


def test_a_channel_that_states_the_seats_in_use_is_taken_at_its_word(
    admin, workspace_a, tool_with_15_in_use, today
):
    _, secret = platform.token_create(actor=admin.actor, name="Sync", scopes=["read", "write"])
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    response = client.post(
        BASE + "contracts/",
        data={"tool": tool_with_15_in_use.pk, **_next_term(today), "seats_used": 18},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert client.get(BASE + f"tools/{tool_with_15_in_use.pk}/").json()["seats_used"] == 18
