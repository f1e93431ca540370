"""Redis down: every page and intake channel answers as usual, and the work is done, once, after.

A private redis-server on a free port (the shared one is never stopped) serves as the app's cache
and broker and a real Celery worker's broker. It is stopped, 2,000 items arrive through the API,
signed webhooks, the public form and manual entry, someone fails to sign in and an import is
started; then Redis comes back, the sweeper finds the lost wake-up calls, and every item is
processed exactly once.
"""

import json
import re
import time
from datetime import timedelta

import pytest
from django.test import Client

from feedback.forms.intake import started_token
from feedback.models import Channel, FeedbackItem, Source
from feedback.services import sources as source_services
from feedback.webhooks import signature_for
from productops import imports, lost_work
from productops import services as platform
from productops.models import ImportJob, OutboundEmail
from tests.conftest import (
    PASSWORD,
    signed_in,
    start_celery_worker,
    stop_celery_worker,
    wait_for,
    wait_until_worker_ready,
)
from tests.feedback.test_intake_webhook import map_fields

API_ITEMS, WEBHOOK_ITEMS, FORM_ITEMS, MANUAL_ITEMS = 1000, 900, 99, 1
TOTAL = API_ITEMS + WEBHOOK_ITEMS + FORM_ITEMS + MANUAL_ITEMS
# It was 19 s per request while Celery retried its connection. A batch of 100 items does real
# work besides, so it gets more room on a busy machine; either bound fails on a retry loop.
SLOWEST_ANSWER_SECONDS = 3.0
SLOWEST_BATCH_SECONDS = 10.0
PROCESSED = re.compile(
    r"Task feedback\.tasks\.process_feedback\[[^\]]+\] succeeded in [\d.]+s: (\d+)"
)


class Timed:
    """Every answer while Redis is down; the ones slower than their bound."""

    def __init__(self):
        self.too_slow: list[tuple[str, float]] = []

    def __call__(self, send, *, bound: float = SLOWEST_ANSWER_SECONDS):
        started = time.monotonic()
        response = send()
        took = time.monotonic() - started
        if took > bound:
            self.too_slow.append(
                (f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}", took)
            )
        return response


@pytest.mark.django_db(transaction=True)
def test_everything_answers_while_redis_is_down_and_the_work_is_done_once_after(
    personas, app_on_private_redis, private_celery_queue, tmp_path, caplog
):
    admin, pm = personas["admin"], personas["pm"]
    _, raw_token = platform.token_create(actor=admin.actor, name="intake", scopes=["intake"])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw_token}")
    hook, secret = source_services.source_create(
        actor=admin.actor, name="Help desk", channel=Channel.WEBHOOK
    )
    map_fields(
        admin.actor,
        hook,
        {
            "body": "items[].text",
            "external_id": "items[].id",
            "email": "items[].from",
        },
    )
    source_services.web_form_set(actor=admin.actor, enabled=True)
    team = "".join(f"new{n}@alpha.test,pm\n" for n in range(3))
    job = imports.import_upload(
        actor=admin.actor, kind="members", filename="team.csv", raw=f"email,role\n{team}".encode()
    )

    log = tmp_path / "worker.log"
    worker = start_celery_worker(
        private_celery_queue,
        redis_url=app_on_private_redis.url,
        loglevel="INFO",
        output=log.open("w"),
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    try:
        wait_until_worker_ready(log)

        app_on_private_redis.stop()
        timed = Timed()

        health = timed(lambda: Client().get("/healthz"))
        assert health.status_code == 503
        assert health.json()["components"]["broker"]["ok"] is False
        assert health.json()["components"]["database"] == {"ok": True}

        for batch in range(API_ITEMS // 100):
            items = [
                {"body": f"API item {batch}-{n}", "external_id": f"api-{batch}-{n}"}
                | {"email": f"api{n}@customer{batch}.com"}
                for n in range(100)
            ]
            answer = timed(
                lambda items=items: api.post(
                    "/api/v1/w/alpha/feedback/", {"items": items}, content_type="application/json"
                ),
                bound=SLOWEST_BATCH_SECONDS,
            )
            assert answer.status_code == 200, answer.content
            assert [r["result"] for r in answer.json()["results"]] == ["created"] * 100

        for delivery in range(WEBHOOK_ITEMS // 100):
            raw = json.dumps(
                {
                    "items": [
                        {"text": f"Webhook item {delivery}-{n}", "id": f"hook-{delivery}-{n}"}
                        | {"from": f"hook{n}@customer{delivery}.com"}
                        for n in range(100)
                    ]
                }
            ).encode()
            stamp = str(int(time.time()))
            answer = timed(
                lambda raw=raw, stamp=stamp: Client().post(
                    f"/api/v1/w/alpha/sources/{hook.pk}/webhook/",
                    raw,
                    content_type="application/json",
                    headers={
                        "X-Productops-Timestamp": stamp,
                        "X-Productops-Signature": signature_for(secret, stamp, raw),
                    },
                ),
                bound=SLOWEST_BATCH_SECONDS,
            )
            assert answer.status_code == 200, answer.content
            assert answer.json()["created"] == 100

        for n in range(FORM_ITEMS):
            visitor = Client(REMOTE_ADDR=f"10.1.{n // 200}.{n % 200 + 1}")
            answer = timed(
                lambda visitor=visitor, n=n: visitor.post(
                    "/public/alpha/feedback/",
                    {
                        "body": f"Form item {n}",
                        "email": f"visitor{n}@stark.com",
                        "started": started_token("alpha", time.time() - 30),
                    },
                )
            )
            assert answer.status_code == 302, answer.content

        # The form's limit still holds, counted in this process's memory.
        one_visitor = Client(REMOTE_ADDR="10.9.9.9")
        form_answers = [
            timed(
                lambda: one_visitor.post(
                    "/public/alpha/feedback/",
                    {"body": "spam", "started": started_token("alpha", time.time() - 30)},
                )
            ).status_code
            for _ in range(6)
        ]
        assert form_answers == [302] * 5 + [429]
        FeedbackItem.objects.filter(body="spam").delete()

        manual = timed(
            lambda: signed_in(pm).post(
                "/w/alpha/feedback/new/", {"body": "Typed in by hand", "email": "cto@initech.com"}
            )
        )
        assert manual.status_code == 302

        started = timed(
            lambda: signed_in(admin).post(
                f"/w/alpha/imports/{job.pk}/",
                {"action": "start", "map_email": "email", "map_role": "role"},
            )
        )
        assert started.status_code == 302

        inbox = timed(lambda: signed_in(pm).get("/w/alpha/feedback/"))
        assert inbox.status_code == 200

        visitor = Client()
        sign_ins = [
            timed(
                lambda: visitor.post(
                    "/accounts/login/", {"username": "pm@alpha.test", "password": "wrong"}
                )
            ).status_code
            for _ in range(6)
        ]
        assert sign_ins == [200] * 5 + [429]  # the limit falls back, it does not fail open
        fresh = Client(REMOTE_ADDR="10.8.8.8")
        assert (
            timed(
                lambda: fresh.post(
                    "/accounts/login/", {"username": "admin@alpha.test", "password": PASSWORD}
                )
            ).status_code
            == 302
        )

        assert timed.too_slow == []
        assert "the sweeper will find the work" in caplog.text
        assert "The cache is unreachable" in caplog.text
        assert FeedbackItem.objects.count() == TOTAL
        assert not FeedbackItem.objects.filter(processed_at__isnull=False).exists()
        assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.QUEUED

        app_on_private_redis.start()  # empty: the wake-up calls sent while down never existed
        # The worker finds Redis again by itself; sweep once it listens.
        wait_for(lambda: log.read_text().count("Connected to redis://") >= 2, 90)
        swept = lost_work.sweep_all(older_than=timedelta(0))
        assert swept["feedback_processing"] == 1  # the one workspace, all its items
        assert swept["imports"] == 1

        wait_for(lambda: not FeedbackItem.objects.filter(processed_at=None).exists(), 180)
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, 60)
        wait_for(
            lambda: (
                OutboundEmail.objects.filter(to__startswith="new", sent_at__isnull=False).count()
                == 3
            ),
            60,
        )
        # The last of it (the members' and emails' change marks) wakes a refresh a moment
        # later: the dashboards catch up before the worker stops.
        wait_for(lambda: not any(lost_work.find_all(older_than=timedelta(0)).values()), 60)
    finally:
        stop_celery_worker(worker)

    assert sum(int(n) for n in PROCESSED.findall(log.read_text())) == TOTAL  # each item once
    assert Source.objects.filter(channel=Channel.WEB_FORM).get().items.count() == FORM_ITEMS
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}
    assert lost_work.sweep_all(older_than=timedelta(0)) == {
        name: 0 for name in lost_work.find_all()
    }
