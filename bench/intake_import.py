"""CSV intake at 100,000 rows: our import (mapping, contact/account matching, upsert, progress)
against a bare multi-row INSERT of the same rows, and a re-import that must create nothing.

Part of `make bench`; alone: `python -m bench.intake_import [rows]` (same database set-up).
"""

import csv
import io
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

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


def _import_ms(actor, raw: bytes) -> tuple[float, object]:
    from productops import imports

    started = time.perf_counter()
    job = imports.import_upload(actor=actor, kind="feedback", filename="bench.csv", raw=raw)
    imports.import_start(actor=actor, job=job, mapping=job.mapping)
    while imports.import_run(job_id=job.pk, budget_seconds=3600) == "more":
        pass
    job.refresh_from_db()
    return (time.perf_counter() - started) * 1000, job


def _bare_insert_ms(actor, rows: int) -> float:
    """The floor: the same rows as plain INSERTs in batches of 500, rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone
    from psycopg2.extras import execute_values

    from feedback.models import Source

    source = Source.objects.create(workspace=actor.workspace, name="bare", channel="csv_import")
    now = timezone.now()
    values = [
        (actor.workspace.pk, source.pk, r[0], r[1], r[2], r[5], r[3], now, now)
        for r in ticket_rows(rows)
    ]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for offset in range(0, len(values), 500):
            execute_values(
                cursor,
                "INSERT INTO feedback_feedbackitem (workspace_id, source_id, external_id, title,"
                " body, received_at, submitter_email, submitter_name, status, priority,"
                " sentiment, sentiment_overridden, version, created_at, updated_at) VALUES %s",
                values[offset : offset + 500],
                template="(%s, %s, %s, %s, %s, %s::timestamptz, %s, '', 'new', 0, '', false, 1,"
                " %s, %s)",
            )
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed


def run(rows: int = ROWS) -> list[Figure]:
    actor = _actor()
    raw = big_csv(rows)
    baseline = _bare_insert_ms(actor, rows)
    first_ms, first = _import_ms(actor, raw)
    again_ms, again = _import_ms(actor, raw)
    assert first.created_rows == rows and again.created_rows == 0, (first, again)
    return [
        Figure(f"intake csv import {rows:,} rows vs bare INSERT", first_ms, baseline),
        Figure(
            f"intake csv re-import {rows:,} rows (0 created) vs bare INSERT", again_ms, baseline
        ),
    ]


if __name__ == "__main__":
    from bench.__main__ import set_up

    set_up()
    for figure in run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS):
        print(figure.line(), flush=True)
