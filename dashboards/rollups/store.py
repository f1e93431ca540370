"""The set-based statements that store a rollup's recount: apply a scope, rebuild, verify."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from dashboards.rollups.rollup import Rollup, Scope, day_runs, items_in_runs


def params(*, workspace_id: int, time_zone: str, today: date, rates: dict[str, Decimal]) -> dict:
    month = today.replace(day=1)
    first = _add_months(month, -24)
    last = _add_months(month, 12)
    return {
        "ws": workspace_id,
        "tz": time_zone,
        "rates": json.dumps({code: str(rate) for code, rate in rates.items()}),
        "first_month": first,
        "last_month": last,
    }


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def apply(rollup: Rollup, scope: Scope, base: dict) -> tuple[int, int]:
    """Recomputes `scope` of one rollup: (rows upserted, rows deleted). One statement."""
    chosen = scope.of(rollup.scope)
    if chosen is not None and not chosen:
        return 0, 0
    if rollup.scope == "planning":
        chosen = None
    scoped = chosen is not None
    values = dict(base, **{rollup.scope: chosen})
    runs = {}
    if chosen is not None and rollup.scope == "days":
        runs = day_runs(chosen)
        values |= runs
    cols = ", ".join(rollup.columns)
    key = ("workspace_id", *rollup.keys)
    conflict = ", ".join(key)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in rollup.values)
    same_key = " AND ".join(f"f.{c} = r.{c}" for c in key)
    stored = rollup.stored_scope if scoped else "TRUE"
    sql = f"""
        WITH fresh ({cols}) AS ({rollup.fresh(scoped, runs=len(runs) // 2)}),
        upserted AS (
            INSERT INTO {rollup.table} ({cols}) SELECT {cols} FROM fresh
            ON CONFLICT ({conflict}) DO UPDATE SET {updates}
            RETURNING 1),
        deleted AS (
            DELETE FROM {rollup.table} r
             WHERE r.workspace_id = %(ws)s AND {stored}
               AND NOT EXISTS (SELECT 1 FROM fresh f WHERE {same_key})
            RETURNING 1)
        SELECT (SELECT count(*) FROM upserted), (SELECT count(*) FROM deleted)"""
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        upserted, deleted = cursor.fetchone()
    return upserted, deleted


def rebuild(rollup: Rollup, base: dict) -> tuple[int, int]:
    """Replaces every row of the workspace: one DELETE and one INSERT ... SELECT ... GROUP BY."""
    cols = ", ".join(rollup.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup.table} WHERE workspace_id = %(ws)s", base)
        deleted = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {rollup.table} ({cols}) SELECT * FROM ({rollup.fresh(False)}) fresh",
            base,
        )
        return cursor.rowcount, deleted


@dataclass(frozen=True)
class Difference:
    rollup: str
    kind: str  # "missing" (in the recount, not stored), "extra" (stored, not in the recount)
    row: tuple

    def __str__(self) -> str:
        return f"{self.rollup}: {self.kind} {self.row}"


def verify(rollup: Rollup, base: dict, limit: int = 50) -> list[Difference]:
    """Stored rows against a recount from the base tables, both ways (EXCEPT)."""
    cols = ", ".join(rollup.columns)
    stored = f"SELECT {cols} FROM {rollup.table} WHERE workspace_id = %(ws)s"
    fresh = f"SELECT {cols} FROM ({rollup.fresh(False, recount=True)}) AS fresh ({cols})"
    found: list[Difference] = []
    with connection.cursor() as cursor:
        for kind, left, right in (("missing", fresh, stored), ("extra", stored, fresh)):
            cursor.execute(f"({left}) EXCEPT ({right}) LIMIT {int(limit)}", base)
            found += [Difference(rollup.table, kind, row) for row in cursor.fetchall()]
    return found


def ideas_touched_on(days: list[date], base: dict) -> list[int]:
    """Live ideas whose evidence includes an item received on one of `days` (local days)."""
    if not days:
        return []
    runs = day_runs(days)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT DISTINCT l.idea_id FROM {items_in_runs("received_at", len(runs) // 2)}
                  JOIN feedback_idealink l ON l.item_id IN (i.id, i.duplicate_of_id)""",
            dict(base, **runs),
        )
        return [row[0] for row in cursor.fetchall()]


def scope_has_rows(scope: Scope, base: dict) -> bool:
    """Whether the base tables hold anything in `scope` (so a recount must store something)."""
    checks: list[tuple[str, Mapping[str, object]]] = []  # (SQL, its values besides `base`)
    if scope.days is None:
        checks.append(("SELECT 1 FROM feedback_feedbackitem i WHERE i.workspace_id = %(ws)s", {}))
    elif scope.days:
        runs = day_runs(scope.days)
        checks.append((f"SELECT 1 FROM {items_in_runs('received_at', len(runs) // 2)}", runs))
    if scope.ideas is None or scope.ideas:
        where = "" if scope.ideas is None else "AND idea.id = ANY(%(ideas)s::bigint[])"
        checks.append(
            (
                "SELECT 1 FROM feedback_idea idea WHERE idea.workspace_id = %(ws)s"
                f" AND idea.merged_into_id IS NULL {where}",
                {"ideas": scope.ideas},
            )
        )
    if scope.categories is None or scope.categories:
        where = "" if scope.categories is None else "AND t.category = ANY(%(categories)s::text[])"
        checks.append(
            (
                f"SELECT 1 FROM inventory_tool t WHERE t.workspace_id = %(ws)s {where}",
                {"categories": scope.categories},
            )
        )
    with connection.cursor() as cursor:
        for sql, values in checks:
            cursor.execute(f"SELECT EXISTS ({sql})", dict(base, **values))
            if cursor.fetchone()[0]:
                return True
    return False
