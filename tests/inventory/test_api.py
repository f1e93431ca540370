import json
import re
from datetime import timedelta

import pytest
from django.test import Client

from inventory import api_urls
from inventory.models import SeatUsageSnapshot, Tool
from productops import services as platform
from tests.conftest import signed_in
from tests.inventory.factories import ContractFactory, ToolFactory
from tests.schema_filters import PAGING, names_read_by, schema_query_parameters

pytestmark = pytest.mark.django_db

BASE = "/api/v1/w/alpha/"


def _json(client, method, path, body, **headers):
    return getattr(client, method)(
        BASE + path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_a_stale_patch_answers_409_with_the_current_state(ops_lead, admin, workspace_a):
    tool = ToolFactory(workspace=workspace_a, team="Product")
    first = _json(signed_in(admin), "patch", f"tools/{tool.pk}/", {"version": 1, "team": "Growth"})

    stale = _json(signed_in(ops_lead), "patch", f"tools/{tool.pk}/", {"version": 1, "team": "Data"})

    assert first.status_code == 200 and first.json()["version"] == 2
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "stale_edit"
    assert (error["current"]["version"], error["current"]["team"]) == (2, "Growth")
    tool.refresh_from_db()
    assert tool.team == "Growth"


def test_a_stale_contract_patch_answers_409(ops_lead, workspace_a):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a))
    client = signed_in(ops_lead)
    assert (
        _json(
            client, "patch", f"contracts/{contract.pk}/", {"version": 1, "seats_used": 3}
        ).status_code
        == 200
    )

    response = _json(client, "patch", f"contracts/{contract.pk}/", {"version": 1, "seats_used": 4})

    assert response.status_code == 409


def test_creating_a_tool_twice_with_one_idempotency_key_creates_one(ops_lead):
    client = signed_in(ops_lead)
    body = {"name": "Loom", "category": "Async video", "tags": ["Video", "video "]}

    first = _json(client, "post", "tools/", body, **{"Idempotency-Key": "k-1"})
    again = _json(client, "post", "tools/", body, **{"Idempotency-Key": "k-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Tool.objects.filter(name="Loom").count() == 1
    assert first.json()["tags"] == ["video"]


def test_a_pm_requests_a_tool_and_an_ops_lead_approves_it_through_the_api(pm, ops_lead):
    made = _json(
        signed_in(pm),
        "post",
        "tool-requests/",
        {"name": "Maze", "category": "Research", "reason": "Prototype tests."},
    )
    assert made.status_code == 201
    assert (
        _json(signed_in(pm), "post", "tools/", {"name": "Maze", "category": "R"}).status_code == 403
    )

    decided = _json(
        signed_in(ops_lead), "patch", f"tool-requests/{made.json()['id']}/", {"outcome": "approve"}
    )
    again = _json(
        signed_in(ops_lead),
        "patch",
        f"tool-requests/{made.json()['id']}/",
        {"outcome": "reject", "note": "x"},
    )

    assert decided.status_code == 200
    tool = signed_in(pm).get(BASE + f"tools/{decided.json()['tool']}/").json()
    assert (tool["name"], tool["status"]) == ("Maze", "evaluating")
    assert again.status_code == 409


def test_seat_use_pushed_by_an_api_token_is_marked_api(admin, workspace_a):
    tool = ToolFactory(workspace=workspace_a)
    _, secret = platform.token_create(actor=admin.actor, name="Okta sync", scopes=["read", "write"])
    auth = {"Authorization": f"Bearer {secret}"}

    response = Client().post(
        BASE + f"tools/{tool.pk}/usage/",
        data={"seats_used": 12},
        content_type="application/json",
        headers=auth,
    )
    listed = Client().get(BASE + f"tools/{tool.pk}/usage/", headers=auth)

    assert response.status_code == 201
    assert SeatUsageSnapshot.objects.get(tool=tool).source == "api"
    assert [row["seats_used"] for row in listed.json()["results"]] == [12]


def test_a_read_token_reads_the_inventory_but_cannot_write(admin, workspace_a):
    ToolFactory(workspace=workspace_a, name="Jira")
    _, secret = platform.token_create(actor=admin.actor, name="BI", scopes=["read"])
    client = Client(headers={"Authorization": f"Bearer {secret}"})

    assert [t["name"] for t in client.get(BASE + "tools/").json()["results"]] == ["Jira"]
    assert (
        client.post(
            BASE + "tools/", {"name": "X", "category": "Y"}, content_type="application/json"
        ).status_code
        == 403
    )


def test_the_tool_list_filters_like_the_page(ops_lead, workspace_a, today):
    ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Soon"),
        renewal_date=today + timedelta(days=10),
    )
    ContractFactory(tool=ToolFactory(workspace=workspace_a, name="Later", category="Design"))

    renewing = signed_in(ops_lead).get(BASE + "tools/", {"renewal_within": 30}).json()["results"]
    design = signed_in(ops_lead).get(BASE + "tools/", {"category": "design"}).json()["results"]

    assert [t["name"] for t in renewing] == ["Soon"]
    assert [t["name"] for t in design] == ["Later"]
    assert renewing[0]["annual_cost"] == "1200.00"


def test_renewals_list_soonest_first_with_notice_deadlines(ops_lead, workspace_a, today):
    later = ContractFactory(
        tool=ToolFactory(workspace=workspace_a), renewal_date=today + timedelta(days=60)
    )
    sooner = ContractFactory(
        tool=ToolFactory(workspace=workspace_a),
        renewal_date=today + timedelta(days=20),
        notice_days=10,
    )

    rows = signed_in(ops_lead).get(BASE + "renewals/").json()["results"]

    assert [r["id"] for r in rows] == [sooner.pk, later.pk]
    assert rows[0]["notice_deadline"] == str(today + timedelta(days=10))


def test_ids_of_another_workspace_answer_404(ops_lead, workspace_b):
    other = ContractFactory(tool=ToolFactory(workspace=workspace_b))
    client = signed_in(ops_lead)

    assert client.get(BASE + f"tools/{other.tool_id}/").status_code == 404
    assert client.get(BASE + f"contracts/{other.pk}/").status_code == 404
    assert (
        _json(
            client,
            "post",
            "contracts/",
            {
                "tool": other.tool_id,
                "billing_period": "annual",
                "cost": "1",
                "currency": "USD",
                "start_date": "2026-01-01",
                "renewal_date": "2027-01-01",
            },
        ).status_code
        == 404
    )


@pytest.mark.parametrize("path", ["tools/", "contracts/", "renewals/", "tool-requests/"])
def test_list_endpoints_cost_the_same_queries_at_3_and_40_tools(
    ops_lead, workspace_a, today, path, count_queries
):
    def add(n):
        for _ in range(n):
            tool = ToolFactory(workspace=workspace_a, owner=ops_lead.membership)
            ContractFactory(tool=tool, renewal_date=today + timedelta(days=30))

    client = signed_in(ops_lead)
    add(3)
    few = count_queries(client, BASE + path)[0]
    add(37)
    many = count_queries(client, BASE + path)[0]

    assert few == many


def test_every_inventory_endpoint_is_in_the_schema_with_real_types(db):
    schema = json.loads(Client().get("/api/schema/", {"format": "json"}).content)
    prefix = "/api/v1/w/{slug}/"
    for pattern in api_urls.urlpatterns:
        path = prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        methods = {m.lower() for m in pattern.callback.view_class.capabilities}
        assert set(schema["paths"][path]) - {"parameters"} == methods, path
    tools = schema["paths"][prefix + "tools/"]
    page = tools["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][page["$ref"].rsplit("/", 1)[-1]]
    assert page["properties"]["results"]["items"] == {"$ref": "#/components/schemas/ToolOut"}
    assert {"category", "owner", "renewal_within", "cursor"} <= {
        p["name"] for p in tools["get"]["parameters"]
    }
    tool_out = schema["components"]["schemas"]["ToolOut"]["properties"]
    assert (
        tool_out["annual_cost"]["type"] == "string"
        and tool_out["annual_cost"]["format"] == "decimal"
    )
    patch = schema["components"]["schemas"]["ToolPatchInRequest"]["properties"]
    assert patch["version"]["type"] == "integer"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Slack", "Lokal"}),
        ("days=90", {"Slack", "Lokal"}),
        ("renewing=yes", {"Slack"}),
        ("renewing=no", {"Slack", "Lokal"}),
        ("days=30&renewing=yes", {"Slack"}),
        ("days=10", set()),
    ],
)
def test_renewals_filter_as_the_renewals_page_does(exec_, workspace_a, today, query, expected):
    # The dashboards' "Renewals in 90 days" links to renewing=yes: a cancel ends at its date.
    ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Slack"),
        renewal_date=today + timedelta(days=20),
    )
    ContractFactory(
        tool=ToolFactory(workspace=workspace_a, name="Lokal"),
        renewal_date=today + timedelta(days=25),
        decision="cancel",
    )
    client = signed_in(exec_)

    rows = client.get(f"{BASE}renewals/?{query}").json()["results"]
    page = client.get(f"/w/alpha/tools/renewals/?{query}").content.decode()

    assert {row["tool_name"] for row in rows} == expected
    table = page.split('id="renewals"')[1].split("</table>")[0]
    assert {name for name in ("Slack", "Lokal") if name in table} == expected


@pytest.mark.parametrize(
    ("query", "field"), [("renewing=maybe", "renewing"), ("days=0", "days"), ("days=x", "days")]
)
def test_a_bad_renewals_filter_is_a_400_naming_it_on_the_api_and_the_page(exec_, query, field):
    client = signed_in(exec_)

    answer = client.get(f"{BASE}renewals/?{query}")

    assert answer.status_code == 400 and answer.json()["error"]["fields"][field]
    page = client.get(f"/w/alpha/tools/renewals/?{query}")
    assert page.status_code == 400 and field in page.content.decode()


def test_the_schema_documents_every_filter_the_renewals_page_reads(client):
    from inventory.filters import RenewalFilters

    documented = schema_query_parameters(client, "/api/v1/w/{slug}/renewals/")
    assert set(documented) == names_read_by(RenewalFilters.from_params) | PAGING
