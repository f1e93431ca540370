"""What a rollup is: its recount in SQL and its scope. The statements that store it are in
`store.py`, each family's rollups in their own module.

Each `Rollup` names its table, its bucket key, its value columns, the recount of the base tables
(`fresh`, restricted to a scope or not) and the condition that selects the same scope among the
stored rows. One statement per rollup recomputes a scope: the recount is upserted
(`INSERT ... ON CONFLICT DO UPDATE`) and stored rows of the scope that the recount no longer has
are deleted. The full rebuild replaces a workspace's rows with one `INSERT ... SELECT ... GROUP
BY`. `verify` compares stored rows with the recount both ways.

Scopes: `days` (the workspace's local days), `ideas` (idea ids), `categories` (tool categories);
None means everything. Days are the workspace's: `received_at AT TIME ZONE <its zone>`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from productops import clock

_ALL_ITEMS = "feedback_feedbackitem i"
RECEIVED_DAY = clock.local_day_sql("i.received_at")  # an item's day: the workspace's


def day_runs(days: list[date]) -> dict[str, date]:
    """The scope's days as runs of consecutive local days: parameters lo_0, hi_0 (the day after
    the run), lo_1, ... for `items_in_runs`. Constant bounds, not a join on an array, let the
    planner see how few items they hold and use the (workspace, time) index (joined to
    unnest(days) it expected a third of the table and scanned all of it)."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and (day - runs[-1][1]).days == 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    values: dict[str, date] = {}
    for n, (first, last) in enumerate(runs):
        values[f"lo_{n}"], values[f"hi_{n}"] = first, last + timedelta(days=1)
    return values


def items_in_runs(column: str, runs: int) -> str:
    """The workspace's items whose `column` falls in one of `runs` runs of local days (from the
    start of a run's first day to the start of the day after it, in the workspace's zone)."""
    ranges = " OR ".join(
        f"({column} >= {clock.day_start_sql(f'lo_{n}')}"
        f" AND {column} < {clock.day_start_sql(f'hi_{n}')})"
        for n in range(runs)
    )
    return f"""(SELECT * FROM feedback_feedbackitem
                 WHERE workspace_id = %(ws)s AND ({ranges or "FALSE"})) i"""


def _no_placeholders(scoped: bool, recount: bool) -> dict[str, Callable[[], str]]:
    return {}


@dataclass(frozen=True)
class Rollup:
    table: str
    keys: tuple[str, ...]  # the bucket, after workspace_id
    values: tuple[str, ...]
    scope: str  # "days", "ideas", "categories" or "planning" (all of it or none)
    # Selects workspace_id, *keys, *values. Placeholders: {items}, {triaged} and {exited} (the
    # items received / triaged / that left the inbox on the scope's days), {where} and
    # {evidence} (ideas, categories),
    # {cube} and {cube_where} (the daily slices, from the daily feedback cube),
    # {daily_slices_in_months} (the monthly slices, from the daily ones).
    # Each value fits its column as selected (money rounded to cents here): a column that
    # rounded on the way in would store what verify's recount does not equal.
    fresh_sql: str
    stored_scope: str  # a condition on the stored row `r` selecting the scope
    # The family's own placeholders: (scoped, recount) -> {name: its SQL, made when used}.
    placeholders: Callable[[bool, bool], dict[str, Callable[[], str]]] = _no_placeholders

    def fresh(self, scoped: bool, recount: bool = False, runs: int = 0) -> str:
        """The recount of the scope (`runs`: how many day runs a day scope has, see day_runs).
        `recount`: from the base tables only, never from another stored rollup (what verify
        compares with)."""
        if self.scope == "days":
            parts = {
                "items": lambda: items_in_runs("received_at", runs) if scoped else _ALL_ITEMS,
                "triaged": lambda: items_in_runs("triaged_at", runs) if scoped else _ALL_ITEMS,
                "exited": lambda: items_in_runs("left_inbox_at", runs) if scoped else _ALL_ITEMS,
                **self.placeholders(scoped, recount),
            }
            used = {name for name in parts if "{" + name + "}" in self.fresh_sql}
            return self.fresh_sql.format(**{name: parts[name]() for name in used})
        if self.scope == "planning":
            return self.fresh_sql
        condition = {
            "ideas": "AND idea.id = ANY(%(ideas)s::bigint[])",
            "categories": "AND t.category = ANY(%(categories)s::text[])",
        }[self.scope]
        own = {name: make() for name, make in self.placeholders(scoped, recount).items()}
        return self.fresh_sql.format(where=condition if scoped else "", **own)

    @property
    def columns(self) -> tuple[str, ...]:
        return ("workspace_id", *self.keys, *self.values)


@dataclass(frozen=True)
class Scope:
    """What to recompute. None for a kind: all of it; an empty list: none of it."""

    days: list[date] | None = None
    ideas: list[int] | None = None
    categories: list[str] | None = None
    planning: list[int] | None = None  # any entry: recount it whole, like None

    def of(self, kind: str) -> list | None:
        return getattr(self, kind)


EVERYTHING = Scope()
