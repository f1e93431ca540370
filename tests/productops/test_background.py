"""Background work on a real Celery worker process, against the test database and Redis."""

from datetime import timedelta
from email import message_from_string

import pytest
from django.utils import timezone

from productops import services, tasks
from productops.models import OutboundEmail
from tests.conftest import wait_for


@pytest.mark.django_db(transaction=True)
def test_an_invitation_email_is_sent_by_the_worker_after_commit(personas, worker):
    _, raw_token = services.invitation_create(
        actor=personas["admin"].actor, email="newcomer@alpha.test", role="pm"
    )
    email = OutboundEmail.objects.get(to="newcomer@alpha.test")
    wait_for(lambda: OutboundEmail.objects.filter(pk=email.pk, sent_at__isnull=False).exists())
    [log] = wait_for(lambda: list(worker.glob("*.log")))
    message = message_from_string(log.read_text().split("\n" + "-" * 79)[0])
    assert message["To"] == "newcomer@alpha.test"
    assert f"/invitations/{raw_token}/" in message.get_payload(decode=True).decode()


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_finds_an_email_whose_wake_up_call_was_lost(personas, worker):
    # A row with no Celery message behind it: what Redis being down at commit time leaves.
    lost = OutboundEmail.objects.create(
        to="lost@alpha.test",
        subject="Hello",
        body="Still here",
        created_at=timezone.now() - timedelta(minutes=5),
    )
    result = tasks.sweep.delay().get(timeout=30)
    assert result["outbound_email"] == 1
    wait_for(lambda: OutboundEmail.objects.get(pk=lost.pk).sent_at is not None)
    lost.refresh_from_db()
    assert lost.attempts == 1


@pytest.mark.django_db
def test_sending_twice_sends_once(personas, mailoutbox):
    email = OutboundEmail.objects.create(to="once@alpha.test", subject="Once", body="Only once")
    assert services.email_send(email_id=email.pk) is True
    assert services.email_send(email_id=email.pk) is False
    assert [m.to for m in mailoutbox] == [["once@alpha.test"]]


@pytest.mark.django_db
def test_fresh_unsent_emails_are_left_to_their_own_wake_up_call():
    OutboundEmail.objects.create(to="fresh@alpha.test", subject="Fresh", body="Just queued")
    assert services.emails_left_behind() == []


@pytest.mark.django_db(transaction=True)
def test_a_started_import_is_run_to_the_end_by_the_worker(personas, worker):
    from productops import imports
    from productops.models import ImportJob, Invitation

    admin = personas["admin"].actor
    raw = ("email,role\n" + "".join(f"w{n}@alpha.test,pm\n" for n in range(700))).encode()
    job = imports.import_upload(actor=admin, kind="members", filename="big.csv", raw=raw)
    imports.import_start(actor=admin, job=job, mapping=job.mapping)
    # The run yields the worker between stretches (to the 700 invitation emails it queued), so
    # it takes more than one task and the emails' time as well.
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, 180)
    assert Invitation.objects.count() == 700
