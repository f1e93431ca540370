"""The bad inputs found from outside (issue 7), each answered with a clear 4xx, never a 500."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from inventory.models import Contract, SeatUsageSnapshot
from productops import services
from tests.conftest import signed_in
from tests.inventory.factories import ContractFactory, ToolFactory

API = "/api/v1/w/alpha"


@pytest.fixture
def writer(admin) -> Client:
    _, secret = services.token_create(
        actor=admin.actor, name="all", scopes=["intake", "read", "write"]
    )
    return Client(headers={"Authorization": f"Bearer {secret}"})


def field_error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:300]
    return response.json()["error"].get("fields", {})


@pytest.mark.parametrize(
    "url", ["/w/alpha/ideas/", "/w/alpha/ideas/board/", "/w/alpha/feedback/accounts/"]
)
def test_a_nul_in_a_page_query_is_a_400_page(admin, url):
    response = signed_in(admin).get(url, {"q": "\x00"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_an_api_body_query_or_header_is_a_400_naming_where(writer):
    in_json = writer.post(
        f"{API}/feedback/", '{"body": "a\\u0000b"}', content_type="application/json"
    )
    in_query = writer.get(f"{API}/feedback/", {"q": "x\x00"})
    in_header = writer.post(
        f"{API}/feedback/",
        {"body": "fine"},
        content_type="application/json",
        headers={"Idempotency-Key": "k\x00"},
    )
    for response in (in_json, in_query, in_header):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "nul_character"
    assert "query string" in in_query.json()["error"]["message"]


def test_an_uploaded_file_holding_nul_is_a_400_naming_its_row(ops_lead):
    # Files are read by the importers (a UTF-16 file is full of NUL bytes and is fine); text
    # that still holds NUL once decoded is refused with its row, never stored or a 500.
    upload = SimpleUploadedFile("tools.csv", b"Tool,Category\nFig\x00ma,Design\n", "text/csv")
    response = signed_in(ops_lead).post("/w/alpha/imports/new/tools/", {"file": upload})
    assert response.status_code in (200, 400)
    assert "Row 2 holds a NUL character" in response.content.decode()


def test_a_nul_in_a_form_field_is_a_400_page(pm):
    response = signed_in(pm).post("/w/alpha/feedback/new/", {"body": "a\x00b"})
    assert response.status_code == 400
    assert "form field" in response.content.decode()


def test_json_nested_100000_deep_is_a_400_on_every_json_endpoint(writer, admin):
    deep = "[" * 100_000 + "]" * 100_000
    api = writer.post(f"{API}/feedback/", deep, content_type="application/json")
    assert api.status_code == 400 and "nested" in api.json()["error"]["message"]
    webhook = Client().post(f"{API}/sources/1/webhook/", deep, content_type="application/json")
    assert webhook.status_code in (400, 401, 404)  # never a 500, signed or not


def test_options_on_a_webhook_url_answers_its_methods():
    response = Client().options(f"{API}/sources/1/webhook/")
    assert response.status_code == 200
    assert "POST" in response.json()["methods"]


def test_the_cursor_shown_in_the_api_docs_is_a_400_on_cursor(writer):
    response = writer.get(f"{API}/members/", {"cursor": "cD0y...", "limit": 2})
    fields = field_error(response)
    assert list(fields) == ["cursor"]
    assert "format" not in json.dumps(fields)  # no internal parser message


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/feedback/", {"until": "9999-12-31"}, "until"),
        ("/tools/", {"renewal_within": "3000000"}, "renewal_within"),
        ("/tools/", {"limit": "x"}, "limit"),
        ("/members/", {"limit": "0"}, "limit"),
        ("/renewals/", {"days": "soon"}, "days"),
        ("/ideas/", {"sort": "loudest"}, "sort"),
        ("/contracts/", {"renews_before": "0001-01-01"}, "renews_before"),
    ],
)
def test_every_bad_list_parameter_is_a_400_naming_it(writer, url, query, field):
    assert field in field_error(writer.get(f"{API}{url}", query))


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/w/alpha/tools/export.csv", {"renewal_within": "99999999999"}),
        ("/w/alpha/feedback/export.csv", {"until": "9999-12-31"}),
        ("/w/alpha/tools/renewals/", {"days": "x"}),
        ("/w/alpha/tools/", {"sort": "nope"}),
    ],
)
def test_a_bad_parameter_on_a_page_or_export_is_a_400_naming_it(ops_lead, url, query):
    response = signed_in(ops_lead).get(url, query)
    assert response.status_code == 400
    assert next(iter(query)) in response.content.decode()


def test_the_tools_page_shows_a_bad_filter_instead_of_failing(ops_lead):
    response = signed_in(ops_lead).get("/w/alpha/tools/", {"renewal_within": "99999999999"})
    assert response.status_code in (200, 400)
    assert (
        "renewal_within: Ensure this value is less than or equal to 3650"
        in response.content.decode()
    )


def test_numbers_past_the_column_and_dates_outside_a_sane_span_are_400s(writer, workspace_a):
    tool = ToolFactory(workspace=workspace_a, name="Figma")
    ContractFactory(tool=tool)
    contract = {
        "tool": tool.pk,
        "billing_period": "annual",
        "cost": "100.00",
        "currency": "EUR",
        "start_date": "2026-01-01",
        "renewal_date": "2027-01-01",
    }
    too_many = writer.post(
        f"{API}/contracts/", {**contract, "seats_bought": 2147483648}, "application/json"
    )
    long_term = writer.post(
        f"{API}/contracts/",
        {**contract, "billing_period": "multi_year", "term_months": 2147483648},
        "application/json",
    )
    ancient = writer.post(
        f"{API}/contracts/",
        {**contract, "start_date": "0001-01-01", "renewal_date": "9999-12-31"},
        "application/json",
    )
    usage = writer.post(
        f"{API}/tools/{tool.pk}/usage/",
        {"taken_on": "0001-01-01", "seats_used": 3},
        "application/json",
    )
    request = writer.post(
        f"{API}/tool-requests/",
        {"name": "Maze", "category": "Research", "reason": "tests", "seats_needed": 2147483648},
        "application/json",
    )

    assert "seats_bought" in field_error(too_many)
    assert "term_months" in field_error(long_term)
    assert set(field_error(ancient)) == {"start_date", "renewal_date"}
    assert "taken_on" in field_error(usage)
    assert "seats_needed" in field_error(request)
    assert Contract.objects.count() == 1 and not SeatUsageSnapshot.objects.exists()


def test_a_javascript_link_is_refused_by_the_api_and_the_form(writer, ops_lead):
    api = writer.post(
        f"{API}/tools/",
        {"name": "Evil", "category": "X", "url": "javascript:alert(1)"},
        "application/json",
    )
    form = signed_in(ops_lead).post(
        "/w/alpha/tools/new/",
        {
            "name": "Evil",
            "category": "X",
            "url": "javascript:alert(1)",
            "status": "active",
            "data_sensitivity": "internal",
        },
    )
    assert "url" in field_error(api)
    assert form.status_code == 400 or "web address" in form.content.decode()
