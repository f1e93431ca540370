"""An intake-only token pushes feedback and reads nothing back, on every endpoint it reaches."""

import json

import pytest
from django.test import Client

from feedback.models import Account
from productops import services
from tests.productops.test_access_matrix import concrete, url_patterns, url_values

__all__ = ["url_values"]  # the fixture, shared with the access matrix

# Keys an answer to an intake token may hold: ids, results and counts, never workspace data.
IDS_AND_RESULTS = {
    "id",
    "result",
    "external_id",
    "source",
    "created",
    "updated",
    "unchanged",
    "failed",
    "results",
    "index",
    "errors",
}
BODY = {
    "body": "Exports time out for our biggest project.",
    "external_id": "crm-42",
    "name": "Initrode",
    "domain": "initrode.com",
}


def keys_in(value) -> set[str]:
    found = set()
    if isinstance(value, dict):
        for key, child in value.items():
            found.add(key)
            if key != "errors":  # field names of the sender's own input
                found |= keys_in(child)
    elif isinstance(value, list):
        for child in value:
            found |= keys_in(child)
    return found


@pytest.fixture
def intake_client(admin) -> Client:
    _, secret = services.token_create(actor=admin.actor, name="Zendesk", scopes=["intake"])
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.mark.django_db
def test_an_intake_token_gets_ids_and_results_only_from_every_endpoint(
    intake_client, url_values, workspace_a
):
    account = Account.objects.create(
        workspace=workspace_a,
        name="Initech Corp",
        domain="initech.com",
        external_id="sf-1",
        plan="Enterprise",
        segment="Enterprise",
        annual_revenue=900_000,
    )
    reached = []
    for name, route in url_patterns():
        if not name.startswith("api_") or name in ("api_schema", "api_docs"):
            continue
        url = concrete(route, url_values(name))
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            response = intake_client.generic(
                method, url, json.dumps(BODY), content_type="application/json"
            )
            assert response.status_code < 500, (method, url)
            text = response.content.decode()
            for secret in ("Initech Corp", "sf-1", "900000", "Enterprise"):
                assert secret not in text, (method, url, text[:300])
            if response.status_code < 300:
                reached.append(f"{method} {name}")
                assert keys_in(response.json()) <= IDS_AND_RESULTS, (method, url, text[:300])
    assert sorted(reached) == ["POST api_account_list", "POST api_feedback_list"]
    account.refresh_from_db()
    assert account.annual_revenue == 900_000


def test_a_guessed_domain_neither_reads_nor_creates_an_account(intake_client, workspace_a):
    Account.objects.create(
        workspace=workspace_a, name="Initech", domain="initech.com", annual_revenue=900_000
    )

    guess = intake_client.post(
        "/api/v1/w/alpha/accounts/", {"domain": "initech.com"}, content_type="application/json"
    )
    wrong = intake_client.post(
        "/api/v1/w/alpha/accounts/", {"domain": "globex.com"}, content_type="application/json"
    )

    assert (guess.status_code, wrong.status_code) == (400, 400)
    assert "900" not in guess.content.decode()
    assert set(guess.json()["error"]["fields"]) == {"external_id", "name"}
    assert list(Account.objects.values_list("domain", flat=True)) == ["initech.com"]


def test_an_intake_token_pushing_its_crm_record_gets_the_id_and_result(intake_client):
    record = {"external_id": "sf-7", "name": "Hooli", "annual_revenue": "50000"}

    created = intake_client.post("/api/v1/w/alpha/accounts/", record, "application/json")
    updated = intake_client.post("/api/v1/w/alpha/accounts/", record, "application/json")

    assert (created.status_code, updated.status_code) == (201, 200)
    account = Account.objects.get(external_id="sf-7")
    assert created.json() == {"id": account.pk, "result": "created"}
    assert updated.json() == {"id": account.pk, "result": "updated"}
