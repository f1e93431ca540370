"""How fresh the rollups are: the refresh state and the change marks still waiting."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from dashboards.models import RefreshState
from dashboards.refresh import TOPICS
from productops.models import ChangeMark, Workspace

STALE_AFTER = timedelta(minutes=2)  # marks older than this: the tile says it is refreshing
PENDING_CAP = 1000


@dataclass(frozen=True)
class Freshness:
    as_of: datetime | None  # when the last successful refresh finished
    pending: int  # change marks not applied yet (capped)
    oldest_pending: datetime | None
    failed_at: datetime | None
    error: str
    refreshing: bool  # someone holds the lease right now

    @property
    def stale(self) -> bool:
        return self.oldest_pending is not None and (
            timezone.now() - self.oldest_pending > STALE_AFTER
        )

    @property
    def failed(self) -> bool:
        return bool(self.error) and (
            self.as_of is None or (self.failed_at is not None and self.failed_at >= self.as_of)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "pending_changes": self.pending,
            "stale": self.stale,
            "refreshing": self.refreshing,
            "last_error": self.error if self.failed else None,
        }


def freshness(*, workspace: Workspace) -> Freshness:
    """One query: the refresh state and the marks still waiting."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.last_success_at, s.last_failure_at, s.last_error,
                   s.holder <> '' AND s.lease_expires_at > now(),
                   (SELECT count(*) FROM (SELECT 1 FROM productops_changemark m
                     WHERE m.workspace_id = %(ws)s AND m.topic = ANY(%(topics)s)
                     LIMIT %(cap)s) capped),
                   (SELECT min(m.marked_at) FROM productops_changemark m
                     WHERE m.workspace_id = %(ws)s AND m.topic = ANY(%(topics)s))
              FROM (SELECT 1) one
              LEFT JOIN dashboards_refreshstate s ON s.workspace_id = %(ws)s
            """,
            {"ws": workspace.pk, "topics": list(TOPICS), "cap": PENDING_CAP},
        )
        as_of, failed_at, error, refreshing, pending, oldest = cursor.fetchone()
    return Freshness(
        as_of=as_of,
        pending=pending,
        oldest_pending=oldest,
        failed_at=failed_at,
        error=error or "",
        refreshing=bool(refreshing),
    )


def refresh_state(*, workspace: Workspace) -> RefreshState | None:
    return RefreshState.objects.filter(workspace=workspace).first()


def pending_marks(*, workspace: Workspace) -> int:
    return ChangeMark.objects.filter(workspace=workspace, topic__in=TOPICS).count()
