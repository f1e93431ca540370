"""Postgres advisory locks: serialise a first create that no unique row can guard yet."""

from django.db import connection


def advisory_xact_lock(*key: object) -> None:
    """Waits for, then holds until the transaction ends, the lock named by `key`'s parts.

    Two requests that would both create the same row (a first source, an invitation, an
    account) take the same lock, so the second finds the first's row instead of colliding.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [":".join(str(part) for part in key)]
        )
