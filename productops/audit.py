"""Audit events and change marks: written by services in the same transaction as the change."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from productops.access import Actor
from productops.models import AuditEvent, Workspace


def audit(
    actor: Actor,
    verb: str,
    obj: Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        workspace=actor.workspace,
        actor_user=actor.user if actor.token is None else None,
        actor_token=actor.token,
        actor_label=actor.label[:200],
        verb=verb,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as the audit log keeps them: (before, after)."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def mark_changed(workspace: Workspace, topic: str, bucket: str = "") -> None:
    """Records that `topic` changed in `bucket`, for dashboards to recompute it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO productops_changemark (workspace_id, topic, bucket, marked_at)
            VALUES (%s, %s, %s, %s)
            ON CONFLICT (workspace_id, topic, bucket) DO UPDATE SET marked_at = EXCLUDED.marked_at
            """,
            [workspace.pk, topic, bucket, timezone.now()],
        )
    marks_written(workspace.pk)


# Who reads the marks (dashboards) learns of new ones after commit; productops imports no app.
_mark_listeners: list[Callable[[int], object]] = []


def on_marks_written(listener: Callable[[int], object]) -> None:
    """Registers `listener(workspace_id)`, called after a transaction that wrote marks commits."""
    _mark_listeners.append(listener)


def marks_written(workspace_id: int) -> None:
    for listener in _mark_listeners:
        transaction.on_commit(partial(listener, workspace_id), robust=True)
