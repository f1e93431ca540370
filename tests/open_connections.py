"""No test leaves a database connection open: the run would end with Django unable to drop
the test database ("is being accessed by other users") and the next run unable to create it.

Checked once, after the last test and before the test database is dropped: the other sessions
on it are named with the last statement each ran, which says which code opened it.
"""

import time

from django.db import connection

WAIT_SECONDS = 5  # a live server's request thread finishing its answer closes its own


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}


def uses_database(item) -> bool:
    return bool(
        item.get_closest_marker("django_db")
        or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def others_on_test_database() -> list[tuple[int, str]]:
    """(backend pid, last statement) of every session on the test database but ours."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, left(query, 160) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchall()


def check() -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while (left := others_on_test_database()) and time.monotonic() < deadline:
        time.sleep(0.2)
    connection.close()
    assert left == [], (
        "database connections left open by the tests (pid, last statement): "
        + "; ".join(f"{pid}: {query}" for pid, query in left)
    )
