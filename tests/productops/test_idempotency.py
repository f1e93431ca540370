"""Idempotency-Key on API writes: a retried POST /invitations/ gets the first answer, once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.utils import timezone

from productops import services
from productops.idempotency import purge_expired
from productops.models import AuditEvent, IdempotencyRecord, Invitation
from tests.conftest import signed_in

INVITATIONS = "/api/v1/w/alpha/invitations/"


def invite(client: Client, key: str | None, email: str = "new@alpha.test", role: str = "pm"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(
        INVITATIONS,
        {"email": email, "role": role},
        content_type="application/json",
        headers=headers,
    )


def test_a_repeated_key_gets_the_first_answer_and_invites_once(admin):
    client = signed_in(admin)

    first = invite(client, "invite-new-1")
    repeat = invite(client, "invite-new-1")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert repeat.status_code == 201
    assert repeat["Idempotent-Replayed"] == "true"
    assert repeat.json() == first.json()
    assert list(Invitation.objects.values_list("pk", "email", "revoked_at")) == [
        (first.json()["id"], "new@alpha.test", None)
    ]
    assert AuditEvent.objects.filter(verb="invitation.created").count() == 1


def test_without_a_key_a_repeat_invites_again(admin):
    client = signed_in(admin)

    first = invite(client, None)
    repeat = invite(client, None)

    assert first.status_code == repeat.status_code == 201
    assert repeat.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in repeat
    assert AuditEvent.objects.filter(verb="invitation.created").count() == 2


def test_the_same_key_with_a_different_body_gets_422(admin):
    client = signed_in(admin)
    first = invite(client, "invite-1", email="first@alpha.test")

    response = invite(client, "invite-1", email="second@alpha.test")

    assert first.status_code == 201
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["status"] == 422
    assert error["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in error["message"]
    assert list(Invitation.objects.values_list("email", flat=True)) == ["first@alpha.test"]


def test_the_same_key_from_another_admin_is_independent(admin, ops_lead):
    services.membership_change_role(actor=admin.actor, membership=ops_lead.membership, role="admin")
    first = invite(signed_in(admin), "shared-key", email="first@alpha.test")

    other = invite(signed_in(ops_lead), "shared-key", email="second@alpha.test")

    assert first.status_code == 201
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert other.json()["email"] == "second@alpha.test"
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "first@alpha.test",
        "second@alpha.test",
    ]


def test_a_request_that_failed_does_not_use_up_its_key(admin):
    client = signed_in(admin)

    failed = invite(client, "invite-1", email="not-an-email")
    retried = invite(client, "invite-1", email="fixed@alpha.test")

    assert failed.status_code == 400
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert list(Invitation.objects.values_list("email", flat=True)) == ["fixed@alpha.test"]


def test_a_key_over_255_characters_gets_400(admin):
    response = invite(signed_in(admin), "k" * 256)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "Idempotency-Key": ["Use at most 255 characters."]
    }
    assert not Invitation.objects.exists()


def test_ten_simultaneous_repeats_invite_once(transactional_db, admin):
    clients = []
    for _ in range(10):
        client = Client()
        client.force_login(admin.user)
        clients.append(client)
    start = threading.Barrier(len(clients))

    def post(client: Client):
        try:
            start.wait(timeout=10)
            return invite(client, "race-key", email="race@alpha.test")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        responses = list(pool.map(post, clients))

    assert [r.status_code for r in responses] == [201] * 10
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.get("Idempotent-Replayed", "") for r in responses) == [""] + ["true"] * 9
    assert Invitation.objects.filter(email="race@alpha.test").count() == 1
    assert AuditEvent.objects.filter(verb="invitation.created").count() == 1


def test_a_key_older_than_24_hours_is_forgotten(admin):
    client = signed_in(admin)
    first = invite(client, "invite-1")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = invite(client, "invite-1")
    repeat = invite(client, "invite-1")

    # A forgotten key makes the request new again: a fresh invitation replaces the first.
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert again.json()["id"] != first.json()["id"]
    first_invitation = Invitation.objects.get(pk=first.json()["id"])
    assert first_invitation.revoked_at is not None
    assert list(Invitation.objects.filter(revoked_at=None).values_list("pk", flat=True)) == [
        again.json()["id"]
    ]
    created = AuditEvent.objects.filter(verb="invitation.created").order_by("id")
    assert [event.after["replaced"] for event in created] == [0, 1]
    assert repeat["Idempotent-Replayed"] == "true"
    assert repeat.json() == again.json()


def test_purging_deletes_only_expired_keys(admin):
    client = signed_in(admin)
    invite(client, "old-key", email="old@alpha.test")
    invite(client, "fresh-key", email="fresh@alpha.test")
    IdempotencyRecord.objects.filter(key="old-key").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    IdempotencyRecord.objects.filter(key="fresh-key").update(
        created_at=timezone.now() - timedelta(hours=23)
    )

    purged = purge_expired()

    assert purged == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh-key"]
    assert invite(client, "fresh-key", email="fresh@alpha.test")["Idempotent-Replayed"] == "true"


def test_simultaneous_invitations_without_a_key_never_answer_500(transactional_db, admin):
    clients = []
    for _ in range(5):
        client = Client(raise_request_exception=False)
        client.force_login(admin.user)
        clients.append(client)
    start = threading.Barrier(len(clients))

    def post(client: Client):
        try:
            start.wait(timeout=10)
            return invite(client, None, email="double-click@alpha.test")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        responses = list(pool.map(post, clients))

    assert [r.status_code for r in responses if r.status_code >= 500] == []
    assert all(r["Content-Type"] == "application/json" for r in responses)
    assert Invitation.objects.filter(email="double-click@alpha.test", revoked_at=None).count() == 1
