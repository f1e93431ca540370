"""Keeping the rollups equal to a recount: incremental refresh from change marks, full rebuild,
verify, and the lease that makes refreshes single-flight per workspace.

The work lives in Postgres: services write change marks in their own transactions; a refresh
reads the marks, recomputes the buckets they name and deletes exactly the marks it read, all in
one transaction. So a worker killed mid-refresh rolls everything back (marks included) and the
next run recomputes the same buckets; a mark written while a refresh runs has a newer
`marked_at` and survives for the next round.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from dashboards import rollups
from dashboards.models import RefreshRun, RefreshState
from dashboards.rollups import store
from dashboards.rollups.rollup import Scope
from inventory.selectors import tools as inventory_tools
from productops import clock
from productops.models import ChangeMark, Workspace

logger = logging.getLogger(__name__)

TOPICS = ("feedback", "ideas", "tools", "decisions")
LEASE_SECONDS = 180  # longer than the refresh task's hard time limit
MARKS_LOST_AFTER = timedelta(minutes=1)  # the wake-up call queues a refresh within seconds
MAX_ROUNDS = 5  # marks that keep arriving wait for the next task rather than hold the lease


class RefreshWroteNothing(RuntimeError):
    """Marks named buckets but the refresh stored nothing: a bug, never a quiet success."""


@dataclass
class Outcome:
    ran: bool  # False: another worker holds the lease
    marks: int = 0
    written: int = 0
    deleted: int = 0
    rounds: int = 0
    by_table: dict[str, tuple[int, int]] = field(default_factory=dict)


def base_params(workspace: Workspace) -> dict:
    return store.params(
        workspace_id=workspace.pk,
        time_zone=clock.zone(workspace).key,
        today=clock.workspace_today(workspace),
        rates=inventory_tools.rates_for(workspace=workspace),
    )


# The lease ---------------------------------------------------------------------------------


def take_lease(workspace_id: int, seconds: int = LEASE_SECONDS) -> str | None:
    """A holder id when this worker may refresh the workspace, None when another holds it.

    A lease past its expiry belongs to a worker that died (or hung): it is taken over.
    """
    holder = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO dashboards_refreshstate AS s
                   (workspace_id, holder, lease_expires_at, last_error)
            VALUES (%s, %s, now() + make_interval(secs => %s), '')
            ON CONFLICT (workspace_id) DO UPDATE
               SET holder = EXCLUDED.holder, lease_expires_at = EXCLUDED.lease_expires_at
             WHERE s.holder = '' OR s.lease_expires_at IS NULL OR s.lease_expires_at < now()
            RETURNING id
            """,
            [workspace_id, holder, seconds],
        )
        return holder if cursor.fetchone() else None


def _extend_lease(workspace_id: int, holder: str) -> None:
    RefreshState.objects.filter(workspace_id=workspace_id, holder=holder).update(
        lease_expires_at=timezone.now() + timedelta(seconds=LEASE_SECONDS)
    )


def release_lease(workspace_id: int, holder: str) -> None:
    RefreshState.objects.filter(workspace_id=workspace_id, holder=holder).update(
        holder="", lease_expires_at=None
    )


# Marks -> scope ----------------------------------------------------------------------------


def scope_for(marks: list[tuple[str, str]], base: dict) -> Scope:
    """The buckets the marks name, in the workspace's terms.

    A feedback mark names a day of the workspace's calendar (every writer takes it from
    `clock.workspace_date`, the one definition); a workspace whose zone changed marks "*".
    Ideas are recomputed when marked, and when evidence on a recomputed day points at them.
    A bucket that cannot be read widens the scope to everything of its topic. The planning
    rollup (decisions, and the demand and status of their ideas) is recounted whole when
    decisions or ideas changed.
    """
    decisions = False
    days: set[date] | None = set()
    ideas: set[int] | None = set()
    categories: set[str] | None = set()
    for topic, bucket in marks:
        if topic == "feedback" and days is not None:
            try:
                day = date.fromisoformat(bucket)
            except ValueError:
                days = None
                continue
            days.add(day)
        elif topic == "ideas" and ideas is not None:
            if bucket.isdigit():
                ideas.add(int(bucket))
            else:
                ideas = None
        elif topic == "tools" and categories is not None:
            # "" is a workspace-wide change (budget rates): every category.
            categories = categories | {bucket} if bucket else None
        elif topic == "decisions":
            decisions = True
    if days is None:
        ideas = None
    elif ideas is not None:
        ideas |= set(store.ideas_touched_on(sorted(days), base))
    return Scope(
        planning=[1] if decisions or ideas is None or ideas else [],
        days=None if days is None else sorted(days),
        ideas=None if ideas is None else sorted(ideas),
        categories=None if categories is None else sorted(categories),
    )


# Refresh -----------------------------------------------------------------------------------


def _pending(workspace_id: int) -> list[tuple[int, str, str, datetime]]:
    return list(
        ChangeMark.objects.filter(workspace_id=workspace_id, topic__in=TOPICS)
        .order_by("id")
        .values_list("id", "topic", "bucket", "marked_at")
    )


def _consume(marks: list[tuple[int, str, str, datetime]]) -> None:
    """Deletes exactly the marks read: one re-marked since (newer marked_at) stays."""
    if not marks:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DELETE FROM productops_changemark m
             USING unnest(%s::bigint[], %s::timestamptz[]) AS read(id, marked_at)
             WHERE m.id = read.id AND m.marked_at = read.marked_at
            """,
            [[m[0] for m in marks], [m[3] for m in marks]],
        )


def _apply(scope: Scope, base: dict, outcome: Outcome) -> None:
    for rollup in rollups.ROLLUPS:
        written, deleted = store.apply(rollup, scope, base)
        outcome.written += written
        outcome.deleted += deleted
        before = outcome.by_table.get(rollup.table, (0, 0))
        outcome.by_table[rollup.table] = (before[0] + written, before[1] + deleted)


def _record_success(workspace_id: int, run: RefreshRun, outcome: Outcome) -> None:
    now = timezone.now()
    run.finished_at = now
    run.marks, run.rows_written, run.rows_deleted = outcome.marks, outcome.written, outcome.deleted
    run.save()
    RefreshState.objects.filter(workspace_id=workspace_id).update(last_success_at=now)


def _record_failure(workspace_id: int, kind: str, error: BaseException) -> None:
    """Kept apart from the failed transaction, so the failure is shown and the data stays."""
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"[:2000]
    RefreshState.objects.filter(workspace_id=workspace_id).update(
        last_failure_at=now, last_error=message
    )
    RefreshRun.objects.create(
        workspace_id=workspace_id, kind=kind, started_at=now, finished_at=now, error=message
    )


def refresh_changed(*, workspace_id: int) -> Outcome:
    """Applies the workspace's change marks to the rollups. Idempotent; single-flight."""
    holder = take_lease(workspace_id)
    if holder is None:
        return Outcome(ran=False)
    outcome = Outcome(ran=True)
    try:
        workspace = Workspace.objects.get(pk=workspace_id)
        base = base_params(workspace)
        for _ in range(MAX_ROUNDS):
            with transaction.atomic():
                marks = _pending(workspace_id)
                if not marks:
                    break
                round_outcome = Outcome(ran=True, marks=len(marks))
                run = RefreshRun(workspace_id=workspace_id, kind=RefreshRun.Kind.INCREMENTAL)
                scope = scope_for([(m[1], m[2]) for m in marks], base)
                _apply(scope, base, round_outcome)
                wrote = round_outcome.written + round_outcome.deleted
                if wrote == 0 and store.scope_has_rows(scope, base):
                    # The base tables hold rows in the marked buckets, yet nothing was stored:
                    # a recount that silently does nothing (wrong zone, wrong scope) is a bug.
                    raise RefreshWroteNothing(
                        f"{len(marks)} change marks named buckets with data, but the refresh "
                        "wrote no rollup row"
                    )
                _consume(marks)
                _record_success(workspace_id, run, round_outcome)
            outcome.rounds += 1
            outcome.marks += round_outcome.marks
            outcome.written += round_outcome.written
            outcome.deleted += round_outcome.deleted
            for table, counts in round_outcome.by_table.items():
                before = outcome.by_table.get(table, (0, 0))
                outcome.by_table[table] = (before[0] + counts[0], before[1] + counts[1])
            _extend_lease(workspace_id, holder)
        if outcome.rounds:
            RefreshState.objects.filter(workspace_id=workspace_id).update(last_error="")
        return outcome
    except Exception as error:
        _record_failure(workspace_id, RefreshRun.Kind.INCREMENTAL, error)
        raise
    finally:
        release_lease(workspace_id, holder)


def rebuild_all(*, workspace_id: int) -> Outcome:
    """Recomputes every rollup of the workspace from the base tables (repair; nightly tools).

    Marks read before the rebuild are consumed by it; later ones stay for the next refresh.
    """
    holder = take_lease(workspace_id)
    if holder is None:
        return Outcome(ran=False)
    outcome = Outcome(ran=True, rounds=1)
    try:
        workspace = Workspace.objects.get(pk=workspace_id)
        base = base_params(workspace)
        with transaction.atomic():
            marks = _pending(workspace_id)
            outcome.marks = len(marks)
            run = RefreshRun(workspace_id=workspace_id, kind=RefreshRun.Kind.FULL)
            for rollup in rollups.ROLLUPS:
                written, deleted = store.rebuild(rollup, base)
                outcome.written += written
                outcome.deleted += deleted
                outcome.by_table[rollup.table] = (written, deleted)
            _consume(marks)
            _record_success(workspace_id, run, outcome)
        RefreshState.objects.filter(workspace_id=workspace_id).update(last_error="")
        return outcome
    except Exception as error:
        _record_failure(workspace_id, RefreshRun.Kind.FULL, error)
        raise
    finally:
        release_lease(workspace_id, holder)


def verify(*, workspace_id: int) -> list[store.Difference]:
    """Every rollup row against a recount from the base tables; empty when they agree."""
    workspace = Workspace.objects.get(pk=workspace_id)
    base = base_params(workspace)
    differences: list[store.Difference] = []
    with transaction.atomic():  # one snapshot per statement is enough: each compares in one
        for rollup in rollups.ROLLUPS:
            differences += store.verify(rollup, base)
    return differences


def workspaces_with_waiting_marks(*, older_than: timedelta, limit: int = 200) -> list[int]:
    """Workspaces whose marks have waited longer than a wake-up call should take."""
    return list(
        ChangeMark.objects.filter(topic__in=TOPICS, marked_at__lt=timezone.now() - older_than)
        .order_by()
        .values_list("workspace_id", flat=True)
        .distinct()[:limit]
    )


def mark_tools_everywhere() -> int:
    """A workspace-wide tools mark in every workspace with tools (the refresh does the rest)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO productops_changemark (workspace_id, topic, bucket, marked_at)
            SELECT DISTINCT workspace_id, 'tools', '', now() FROM inventory_tool
            ON CONFLICT (workspace_id, topic, bucket) DO UPDATE SET marked_at = EXCLUDED.marked_at
            """
        )
        return cursor.rowcount


def pending_count(*, workspace_id: int) -> int:
    return ChangeMark.objects.filter(workspace_id=workspace_id, topic__in=TOPICS).count()
