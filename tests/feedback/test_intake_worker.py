"""Intake's background work on a real Celery worker: processing after commit, and CSV jobs."""

import pytest
from django.test import Client

from feedback.models import FeedbackItem
from productops import imports
from productops import services as platform
from productops.models import ImportJob
from tests.conftest import wait_for


@pytest.mark.django_db(transaction=True)
def test_the_worker_processes_items_after_intake_commits(personas, worker):
    _, raw = platform.token_create(actor=personas["admin"].actor, name="t", scopes=["intake"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = client.post(
        "/api/v1/w/alpha/feedback/",
        {"body": "The new timeline is fantastic, thank you", "email": "kim@initech.com"},
        content_type="application/json",
    )

    assert response.status_code == 201
    item = wait_for(
        lambda: (
            FeedbackItem.objects.filter(pk=response.json()["id"]).exclude(processed_at=None).first()
        )
    )
    assert item.sentiment == "positive"


@pytest.mark.django_db(transaction=True)
def test_a_feedback_import_is_run_to_the_end_by_the_worker(personas, worker):
    pm = personas["pm"].actor
    raw = (
        "Ticket ID,Description,Requester email\n"
        + "".join(f"{n},Feedback number {n} about exports,u{n}@initech.com\n" for n in range(1200))
    ).encode()
    job = imports.import_upload(actor=pm, kind="feedback", filename="zendesk.csv", raw=raw)
    imports.import_start(actor=pm, job=job, mapping=job.mapping)

    wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, 90)
    assert FeedbackItem.objects.count() == 1200
    assert ImportJob.objects.get(pk=job.pk).created_rows == 1200
    wait_for(lambda: not FeedbackItem.objects.filter(processed_at=None).exists(), 90)
