"""CSV intake at 100,000 rows, end to end: our import (reading, mapping, values by column,
contact/account matching, upsert, progress) and the background processing of every item it
stored (sentiment, customers, duplicate candidates), against a bare COPY of the same rows; a
re-import that must create nothing; and how long a task queued while a big import runs waits
to start on a real worker, against the same task on an idle worker.

Part of `make bench`; alone: `python -m bench.intake_import [rows]` (same database set-up).
"""

import csv
import io
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.figures import Figure

ROWS = 100_000
WORDS = (
    "export import dashboard search filter report invoice billing login password sso saml "
    "calendar sync slack email notification mobile android iphone tablet offline api webhook "
    "latency timeout crash error slow fast love hate please add remove improve broken works "
    "team admin roles permissions audit history archive label tag board roadmap vote comment"
).split()
HEADER = ["Ticket ID", "Subject", "Description", "Requester email", "Organization", "Created at"]


def ticket_rows(rows: int, seed: int = 7):
    """A Zendesk-like export: `rows` tickets over 120 days, 400 companies, 10% free-mail."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(rows):
        company = rng.randrange(400)
        free = rng.random() < 0.1
        domain = "gmail.com" if free else f"company{company}.com"
        moment = start + timedelta(minutes=rng.randrange(120 * 24 * 60))
        yield [
            f"T{n}",
            " ".join(rng.choices(WORDS, k=4)),
            " ".join(rng.choices(WORDS, k=rng.randint(12, 60))),
            f"user{n % 5000}@{domain}",
            "" if free else f"Company {company}",
            moment.strftime("%Y-%m-%d %H:%M:%S"),
        ]


def big_csv(rows: int, seed: int = 7) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(ticket_rows(rows, seed))
    return out.getvalue().encode()


def _actor():
    from productops import services
    from productops.access import Actor
    from productops.models import Membership, User

    slug = f"bench-intake-{uuid.uuid4().hex[:8]}"
    user = User.objects.create_user(email=f"{slug}@bench.test", password=None)
    workspace = services.workspace_create(user=user, name=slug, slug=slug)
    return Actor.for_membership(Membership.objects.get(workspace=workspace, user=user))


def _import_ms(actor, raw: bytes) -> tuple[float, float, object]:
    """(upload to every row stored, then to every stored item processed, the job), in ms; the
    processing in the stretches its task runs."""
    from django.conf import settings

    from feedback.services import processing as processing_services
    from productops import imports

    started = time.perf_counter()
    job = imports.import_upload(actor=actor, kind="feedback", filename="bench.csv", raw=raw)
    imports.import_start(actor=actor, job=job, mapping=job.mapping)
    while imports.import_run(job_id=job.pk) == "more":
        pass
    stored = time.perf_counter()
    while processing_services.feedback_process_pending(
        workspace_id=actor.workspace.pk, budget_seconds=settings.BACKGROUND_STRETCH_SECONDS
    ).more:
        pass
    job.refresh_from_db()
    return (stored - started) * 1000, (time.perf_counter() - stored) * 1000, job


def _bare_copy_ms(actor, rows: int) -> float:
    """The floor: the same rows COPYed into the table in one statement, rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from feedback.models import Source

    source = Source.objects.create(workspace=actor.workspace, name="bare", channel="csv_import")
    now = timezone.now().isoformat()
    data = io.StringIO()
    writer = csv.writer(data)
    for r in ticket_rows(rows):
        ids = [actor.workspace.pk, source.pk, r[0], r[1], r[2], r[5], r[3]]
        writer.writerow([*ids, "", "new", 0, "", "f", 1, now, now, now])
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        data.seek(0)
        cursor.copy_expert(
            "COPY feedback_feedbackitem (workspace_id, source_id, external_id, title, body,"
            " received_at, submitter_email, submitter_name, status, priority, sentiment,"
            " sentiment_overridden, version, processed_at, created_at, updated_at)"
            " FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL (submitter_name, sentiment))",
            data,
        )
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed


ROOT = Path(__file__).resolve().parent.parent
PROBE = "productops.tasks.purge_idempotency_keys"  # a task that takes milliseconds


def _worker(queue: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "productops", "worker", "--pool=solo"),
            *("--loglevel=WARNING", "--without-gossip", "--without-mingle", "-Q", queue),
        ],
        cwd=ROOT,
        env={**os.environ, "CELERY_QUEUE": queue},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _probe_ms(app, queue: str) -> float:
    started = time.perf_counter()
    app.send_task(PROBE, queue=queue).get(timeout=900)
    return (time.perf_counter() - started) * 1000


def _queued_task_wait(actor, rows: int) -> Figure:
    """A real worker runs a big import (and the processing it wakes); a small task queued
    meanwhile waits for the current stretch only, not for the whole import."""
    from productops import imports
    from productops.celery import app
    from productops.models import ImportJob

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    worker = _worker(queue)
    try:
        idle = statistics.median(_probe_ms(app, queue) for _ in range(5))
        job = imports.import_upload(
            actor=actor, kind="feedback", filename="bench.csv", raw=big_csv(rows, seed=11)
        )
        job = imports.import_start(actor=actor, job=job, mapping=job.mapping)
        app.send_task("productops.tasks.run_import", args=[job.pk], queue=queue)
        deadline = time.monotonic() + 600
        while ImportJob.objects.get(pk=job.pk).processed_rows == 0:
            assert time.monotonic() < deadline, "the worker never started the import"
            time.sleep(0.2)
        waits = [_probe_ms(app, queue) for _ in range(3)]
        left = ImportJob.objects.get(pk=job.pk)
        assert left.status != ImportJob.Status.DONE or left.processed_rows == rows
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return Figure(
        f"task queued during a {rows:,}-row import: wait to finish vs idle worker",
        max(waits),
        idle,
    )


def run(rows: int = ROWS) -> Iterator[Figure]:
    """The figures one by one as they are measured (a 100,000-row run takes many minutes)."""
    actor = _actor()
    raw = big_csv(rows)
    baseline = _bare_copy_ms(actor, rows)
    stored_ms, processed_ms, first = _import_ms(actor, raw)
    assert first.created_rows == rows, first
    yield Figure(
        f"intake import {rows:,} rows end to end (stored and processed) vs bare COPY",
        stored_ms + processed_ms,
        baseline,
    )
    yield Figure(f"intake import {rows:,} rows, storing only, vs bare COPY", stored_ms, baseline)
    yield Figure(
        f"intake import {rows:,} rows, processing only, vs bare COPY", processed_ms, baseline
    )
    stored_ms, processed_ms, again = _import_ms(actor, raw)
    assert again.created_rows == 0, again
    yield Figure(
        f"intake re-import {rows:,} rows (0 created) vs bare COPY",
        stored_ms + processed_ms,
        baseline,
    )
    yield _queued_task_wait(_actor(), min(rows, 30_000))


if __name__ == "__main__":
    from bench.__main__ import set_up

    set_up()
    for figure in run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS):
        print(figure.line(), flush=True)
