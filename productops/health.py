"""What /healthz reports: can we reach the database and the Celery broker right now."""

import time

from django.db import connection

from productops.celery import app as celery_app


def _database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return None
    except Exception as error:  # any failure means "down"; the message says why
        return str(error)[:200]


def _broker() -> str | None:
    try:
        with celery_app.connection_for_write() as conn:
            # One attempt: a retry would first sleep 2 s, and a probe must answer fast.
            conn.ensure_connection(max_retries=0, timeout=2)
        return None
    except Exception as error:
        return str(error)[:200]


def check() -> dict:
    started = time.monotonic()
    results = {"database": _database(), "broker": _broker()}
    components = {
        name: {"ok": error is None, **({"error": error} if error else {})}
        for name, error in results.items()
    }
    return {
        "ok": all(error is None for error in results.values()),
        "components": components,
        "took_ms": round((time.monotonic() - started) * 1000, 1),
    }
