"""Inbound webhooks: HMAC signature with a timestamp, a 5-minute window, no replays, mapping."""

import json
import time

import pytest
from django.test import Client

from feedback.models import Channel, FeedbackItem
from feedback.services import sources as source_services
from feedback.webhooks import extract, signature_for


@pytest.fixture
def hook(admin):
    source, secret = source_services.source_create(
        actor=admin.actor, name="Help desk", channel=Channel.WEBHOOK
    )
    return source, secret


def url(source) -> str:
    return f"/api/v1/w/alpha/sources/{source.pk}/webhook/"


def deliver(source, secret, payload, *, at=None, signature=None, raw=None):
    raw = raw if raw is not None else json.dumps(payload).encode()
    timestamp = str(int(at if at is not None else time.time()))
    headers = {
        "X-Productops-Timestamp": timestamp,
        "X-Productops-Signature": signature or signature_for(secret, timestamp, raw),
    }
    return Client().post(url(source), raw, content_type="application/json", headers=headers)


def test_a_signed_delivery_is_stored(hook):
    source, secret = hook

    response = deliver(
        source, secret, {"body": "Webhooks work", "email": "ops@initech.com", "external_id": "w1"}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1
    item = FeedbackItem.objects.get()
    assert (item.body, item.source, item.external_id) == ("Webhooks work", source, "w1")
    assert item.account.domain == "initech.com"


def test_a_wrong_signature_is_refused_with_401(hook):
    source, _ = hook

    response = deliver(source, "whsec_not-the-secret", {"body": "forged"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_signature"
    assert "does not match" in response.json()["error"]["message"]
    assert not FeedbackItem.objects.exists()


def test_a_delivery_without_signature_headers_is_refused(hook):
    source, _ = hook

    response = Client().post(url(source), {"body": "x"}, content_type="application/json")

    assert response.status_code == 401
    assert "X-Productops-Signature" in response.json()["error"]["message"]


def test_a_tampered_body_is_refused(hook):
    source, secret = hook
    timestamp = str(int(time.time()))
    signature = signature_for(secret, timestamp, b'{"body": "original"}')

    response = deliver(source, secret, None, raw=b'{"body": "tampered"}', signature=signature)

    assert response.status_code == 401


def test_a_delivery_signed_more_than_five_minutes_ago_is_refused(hook):
    source, secret = hook

    old = deliver(source, secret, {"body": "late"}, at=time.time() - 330)
    future = deliver(source, secret, {"body": "early"}, at=time.time() + 330)
    recent = deliver(source, secret, {"body": "on time"}, at=time.time() - 240)

    assert (old.status_code, future.status_code, recent.status_code) == (401, 401, 200)
    assert "5 minutes" in old.json()["error"]["message"]
    assert list(FeedbackItem.objects.values_list("body", flat=True)) == ["on time"]


def test_a_replayed_delivery_is_refused_with_409(hook):
    source, secret = hook
    raw = json.dumps({"body": "only once"}).encode()
    timestamp = str(int(time.time()))
    signature = signature_for(secret, timestamp, raw)

    first = deliver(source, secret, None, raw=raw, at=int(timestamp), signature=signature)
    replay = deliver(source, secret, None, raw=raw, at=int(timestamp), signature=signature)

    assert (first.status_code, replay.status_code) == (200, 409)
    assert replay.json()["error"]["code"] == "replayed"
    assert FeedbackItem.objects.count() == 1


def test_a_rotated_secret_replaces_the_old_one(hook, admin):
    source, old_secret = hook
    new_secret = source_services.source_rotate_secret(actor=admin.actor, source=source)

    assert deliver(source, old_secret, {"body": "old"}).status_code == 401
    assert deliver(source, new_secret, {"body": "new"}).status_code == 200


def test_an_inactive_or_unknown_source_answers_404(hook, admin):
    source, secret = hook
    source_services.source_update(
        actor=admin.actor, source=source, name=source.name, tool=None, is_active=False
    )

    assert deliver(source, secret, {"body": "x"}).status_code == 404
    assert Client().post("/api/v1/w/alpha/sources/999999/webhook/").status_code == 404


def test_the_field_mapping_reads_nested_json(hook, admin):
    source, secret = hook
    source_services.source_update(
        actor=admin.actor,
        source=source,
        name=source.name,
        tool=None,
        is_active=True,
        field_mapping={
            "body": "data.message",
            "title": "data.subject",
            "email": "data.user.email",
            "name": "data.user.name",
            "external_id": "id",
            "received_at": "created",
            "account_external_id": "data.company.id",
            "account_name": "data.company.name",
        },
    )
    payload = {
        "id": 981,
        "created": 1717243200,
        "data": {
            "message": "Please add an audit log export",
            "subject": "Audit export",
            "user": {"email": "ciso@vandelay.com", "name": "Art"},
            "company": {"id": "acc-77", "name": "Vandelay Industries"},
        },
    }

    response = deliver(source, secret, payload)

    assert response.status_code == 200, response.json()
    item = FeedbackItem.objects.select_related("account", "contact").get()
    assert (item.body, item.title, item.external_id) == (
        "Please add an audit log export",
        "Audit export",
        "981",
    )
    assert item.received_at.isoformat() == "2024-06-01T12:00:00+00:00"
    assert (item.contact.email, item.contact.name) == ("ciso@vandelay.com", "Art")
    assert (item.account.external_id, item.account.name) == ("acc-77", "Vandelay Industries")


def test_an_array_path_makes_one_item_per_element_and_reports_bad_ones(hook, admin):
    source, secret = hook
    source_services.source_update(
        actor=admin.actor,
        source=source,
        name=source.name,
        tool=None,
        is_active=True,
        field_mapping={
            "body": "responses[].text",
            "external_id": "responses[].id",
            "email": "respondent.email",
        },
    )
    payload = {
        "respondent": {"email": "pat@stark.com"},
        "responses": [
            {"id": "r1", "text": "Faster sync"},
            {"id": "r2", "text": ""},
            {"id": "r3", "text": "Offline mode"},
        ],
    }

    response = deliver(source, secret, payload)

    assert response.status_code == 207
    assert [r["result"] for r in response.json()["results"]] == ["created", "error", "created"]
    assert sorted(FeedbackItem.objects.values_list("external_id", "submitter_email")) == [
        ("r1", "pat@stark.com"),
        ("r3", "pat@stark.com"),
    ]


def test_a_delivery_sent_again_with_a_new_signature_updates_by_external_id(hook):
    source, secret = hook

    deliver(source, secret, {"body": "first words", "external_id": "t-5"}, at=time.time() - 10)
    again = deliver(source, secret, {"body": "better words", "external_id": "t-5"})

    assert again.json()["updated"] == 1
    assert list(FeedbackItem.objects.values_list("body", flat=True)) == ["better words"]


def test_a_body_that_is_not_json_is_refused_with_400(hook):
    source, secret = hook

    response = deliver(source, secret, None, raw=b"not json")

    assert response.status_code == 400


def test_mapping_paths_are_checked_when_saved(hook, admin):
    source, _ = hook
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as failure:
        source_services.source_update(
            actor=admin.actor,
            source=source,
            name=source.name,
            tool=None,
            is_active=True,
            field_mapping={"body": "data..message", "email": "a[].b"},
        )

    assert "map_body" in failure.value.message_dict


def test_extract_reads_indexes_and_leaves_missing_fields_empty():
    payload = {"entries": [{"text": "first"}, {"text": "second"}], "meta": {"n": 2}}

    assert extract(payload, {"body": "entries[1].text", "title": "meta.missing"}) == [
        {"body": "second", "title": ""}
    ]
