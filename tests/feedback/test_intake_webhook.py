"""Inbound webhooks: HMAC signature with a timestamp, a 5-minute window, no replays, mapping."""

import json
import time
from datetime import UTC, datetime

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


def map_fields(actor, source, field_mapping: dict[str, str]) -> None:
    """Keeps the source active with its name and no tool, reading deliveries by `field_mapping`
    (a field to a path in the JSON; ValidationError naming `map_<field>` for a bad path)."""
    source_services.source_update(
        actor=actor,
        source=source,
        name=source.name,
        tool=None,
        is_active=True,
        field_mapping=field_mapping,
    )


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
    map_fields(
        admin.actor,
        source,
        {
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
    map_fields(
        admin.actor,
        source,
        {
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
        map_fields(admin.actor, source, {"body": "data..message", "email": "a[].b"})

    assert "map_body" in failure.value.message_dict


def test_extract_reads_indexes_and_leaves_missing_fields_empty():
    payload = {"entries": [{"text": "first"}, {"text": "second"}], "meta": {"n": 2}}

    assert extract(payload, {"body": "entries[1].text", "title": "meta.missing"}) == [
        {"body": "second", "title": ""}
    ]


# Dates: read on their own (imports.values.parse_single_moment), never silently reinterpreted.


def received(source, secret, when, workspace, *, date_order="mdy", time_zone="UTC"):
    """The stored `received_at` of a one-item delivery sent with `received_at` = `when`."""
    workspace.date_order, workspace.time_zone = date_order, time_zone
    workspace.save(update_fields=["date_order", "time_zone"])
    response = deliver(source, secret, {"body": "Dated", "external_id": "d1", "received_at": when})
    assert response.status_code == 200, response.json()
    return FeedbackItem.objects.get(external_id="d1").received_at


@pytest.mark.parametrize(
    ("date_order", "expected"),
    [("dmy", datetime(2024, 4, 3, tzinfo=UTC)), ("mdy", datetime(2024, 3, 4, tzinfo=UTC))],
)
def test_a_day_and_month_that_could_be_either_follow_the_workspace_date_order(
    hook, workspace_a, date_order, expected
):
    source, secret = hook

    assert received(source, secret, "03/04/2024", workspace_a, date_order=date_order) == expected


def test_a_day_above_twelve_is_read_as_written_whatever_the_order(hook, workspace_a):
    source, secret = hook

    stored = received(source, secret, "25/03/2024 09:15", workspace_a, date_order="mdy")

    assert stored == datetime(2024, 3, 25, 9, 15, tzinfo=UTC)


def test_a_time_without_a_zone_is_the_workspace_local_time(hook, workspace_a):
    source, secret = hook

    stored = received(source, secret, "2024-06-01 09:00", workspace_a, time_zone="Pacific/Auckland")

    # Auckland is UTC+12 in June (winter): 09:00 there is 21:00 UTC the day before.
    assert stored == datetime(2024, 5, 31, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2024-06-01T09:00:00Z", datetime(2024, 6, 1, 9, 0, tzinfo=UTC)),
        ("2024-06-01T09:00:00+02:00", datetime(2024, 6, 1, 7, 0, tzinfo=UTC)),
        ("2024-06-01 09:00 UTC", datetime(2024, 6, 1, 9, 0, tzinfo=UTC)),
        (1717232400000, datetime(2024, 6, 1, 9, 0, tzinfo=UTC)),  # epoch milliseconds
        (1717232400, datetime(2024, 6, 1, 9, 0, tzinfo=UTC)),  # epoch seconds
    ],
)
def test_a_time_that_names_its_zone_keeps_it_in_any_workspace_zone(
    hook, workspace_a, when, expected
):
    source, secret = hook

    assert received(source, secret, when, workspace_a, time_zone="Pacific/Auckland") == expected


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("soon-ish", "Cannot read 'soon-ish' as a date and time: 'soon-ish' is not a date."),
        (
            "02/30/2024",
            "Cannot read '02/30/2024' as a date and time: '02/30/2024' is not a date read"
            " month first, the workspace's date order.",
        ),
        (
            "1850-01-01",
            "Cannot read '1850-01-01' as a date and time: '1850-01-01' is not a date between"
            " 1900 and 2200.",
        ),
    ],
)
def test_an_unreadable_date_is_a_400_naming_the_field_and_value(hook, when, message):
    source, secret = hook

    response = deliver(source, secret, {"body": "Dated", "received_at": when})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["items"]["0"]["received_at"] == [message]
    assert not FeedbackItem.objects.exists()


def test_an_unreadable_date_in_a_batch_is_that_item_error_and_the_rest_are_stored(hook, admin):
    source, secret = hook
    map_fields(
        admin.actor, source, {"body": "r[].text", "external_id": "r[].id", "received_at": "r[].at"}
    )
    payload = {
        "r": [
            {"id": "ok", "text": "Good", "at": "2024-06-01T09:00:00Z"},
            {"id": "bad", "text": "Bad date", "at": "31/31/2024"},
        ]
    }

    response = deliver(source, secret, payload)

    assert response.status_code == 207
    bad = response.json()["results"][1]
    assert (bad["result"], bad["external_id"]) == ("error", "bad")
    assert bad["errors"]["received_at"] == [
        "Cannot read '31/31/2024' as a date and time: '31/31/2024' is not a date read"
        " month first, the workspace's date order."
    ]
    assert list(FeedbackItem.objects.values_list("external_id", "received_at")) == [
        ("ok", datetime(2024, 6, 1, 9, 0, tzinfo=UTC))
    ]
