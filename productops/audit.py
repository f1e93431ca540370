"""Audit events and change marks: written by services in the same transaction as the change."""

import logging
from collections.abc import Callable, Iterable
from functools import cache, partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from productops.access import Actor
from productops.models import AuditEvent, Workspace

log = logging.getLogger(__name__)

ANONYMOUS_ACTOR = "A participant"  # who an anonymous event's sentences say did it


def audit(
    actor: Actor,
    verb: str,
    obj: Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    anonymous: bool = False,
) -> AuditEvent:
    """Records one event of `actor`'s workspace. `anonymous`: the event keeps no trace of who
    did it (no user, no token, the label ANONYMOUS_ACTOR), for writes the product promised not
    to attribute (an anonymous retro's reflections); every page, API answer and export of the
    log then reads the same absence, with nothing to filter per view."""
    event = AuditEvent(
        workspace=actor.workspace,
        actor_user=actor.user if actor.token is None and not anonymous else None,
        actor_token=None if anonymous else actor.token,
        actor_label=ANONYMOUS_ACTOR if anonymous else actor.label[:200],
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )
    _insert(event)
    return event


@cache
def _insert_statement() -> tuple[str, list[Field]]:
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = AuditEvent._meta.db_table
    return f'INSERT INTO "{table}" ({columns}) VALUES ({marks}) RETURNING "id"', fields


def _insert(event: AuditEvent) -> None:
    """event.save() (a new row) as one plain INSERT: every change writes an event, and the ORM
    compiled the statement again each time (about half a millisecond of CPU). The model has
    no save() of its own and no save signals; the values are prepared by each field, as the
    ORM prepares them."""
    sql, fields = _insert_statement()
    values = [f.get_db_prep_save(f.pre_save(event, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        event.pk = cursor.fetchone()[0]
    event._state.adding, event._state.db = False, connection.alias


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as the audit log keeps them: (before, after)."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def mark_changed(workspace: Workspace, topic: str, bucket: str = "") -> None:
    """Records that `topic` changed in `bucket`, for dashboards to recompute it."""
    mark_buckets(workspace, topic, [bucket])


def mark_buckets(workspace: Workspace, topic: str, buckets: Iterable[str]) -> None:
    """`mark_changed` for each of `buckets`, in one statement (none for no buckets). The rows
    are upserted in bucket order, so two writers marking the same buckets never deadlock."""
    ordered = sorted(set(buckets))  # ON CONFLICT may touch a row once per statement
    if not ordered:
        return
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO productops_changemark (workspace_id, topic, bucket, marked_at)
            VALUES {", ".join(["(%s, %s, %s, %s)"] * len(ordered))}
            ON CONFLICT (workspace_id, topic, bucket) DO UPDATE SET marked_at = EXCLUDED.marked_at
            """,
            [value for bucket in ordered for value in (workspace.pk, topic, bucket, now)],
        )
    marks_written(workspace.pk)


# Who reads the marks (dashboards) learns of new ones after commit; productops imports no app.
_mark_listeners: list[Callable[[int], object]] = []


def on_marks_written(listener: Callable[[int], object]) -> None:
    """Registers `listener(workspace_id)`, called after a transaction that wrote marks commits."""
    _mark_listeners.append(listener)


def marks_written(workspace_id: int) -> None:
    """Tells the listeners of the workspace's new marks once the transaction commits: once per
    transaction however many marks it writes (each telling costs the listener a statement)."""
    # This transaction's callbacks, as Django keeps them: (savepoint ids, callback, robust).
    callbacks = [entry[1] for entry in connection.run_on_commit]
    if any(
        isinstance(callback, partial)
        and callback.func is _tell_listeners
        and callback.args == (workspace_id,)
        for callback in callbacks
    ):
        return
    transaction.on_commit(partial(_tell_listeners, workspace_id), robust=True)


def _tell_listeners(workspace_id: int) -> None:
    for listener in _mark_listeners:
        try:
            listener(workspace_id)
        except Exception:  # as on_commit(robust=True) would: the next listener still hears
            log.exception("Change-mark listener %r failed", listener)
