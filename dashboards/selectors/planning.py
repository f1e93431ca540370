"""Planning tiles: roadmap and predictability, per quarter."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from dashboards.filters import DashboardFilters
from dashboards.selectors.shared import (
    Column,
    Figure,
    Tile,
    fetch_rows,
    link_to,
    percent_of,
    percent_text,
)
from productops import clock
from productops.models import Workspace
from productops.money import format_money

SHOWN_QUARTERS = 4  # at least this many, ending with the period's last


def _quarter_of(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarter_name(quarter: date) -> str:
    return f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"


def _quarters(filters: DashboardFilters) -> list[date]:
    last = _quarter_of(filters.until)
    index = last.year * 4 + (last.month - 1) // 3
    first = min(_quarter_of(filters.since), _from_index(index - SHOWN_QUARTERS + 1))
    count = index - (first.year * 4 + (first.month - 1) // 3) + 1
    return [_from_index(index - n) for n in reversed(range(count))]


def _from_index(index: int) -> date:
    return date(index // 4, 3 * (index % 4) + 1, 1)


def _index(quarter: date) -> int:
    return quarter.year * 4 + (quarter.month - 1) // 3


def _quarter_end(quarter: date) -> date:
    return _from_index(_index(quarter) + 1) - timedelta(days=1)


def _committed(workspace: Workspace, first: date, last: date, *, demand: bool = False) -> str:
    """The decisions page's commit decisions of the quarters `first` to `last`: the rows the
    planning rollup's `committed` counts (with `demand`, those on ideas backed by customer
    demand: its `committed_with_demand`)."""
    query = {
        "outcome": "commit",
        "since": first.isoformat(),
        "until": _quarter_end(last).isoformat(),
    }
    if demand:
        query["demand"] = "yes"
    return link_to("planning_decisions", workspace, urlencode(query))


@dataclass(frozen=True)
class _Quarter:
    decided: int = 0
    committed: int = 0
    with_demand: int = 0
    committed_shipped: int = 0
    shipped_ideas: int = 0
    shipped_accounts: int = 0
    shipped_revenue: Decimal = Decimal(0)


def _planning(workspace: Workspace, quarters: list[date]) -> dict[date, _Quarter]:
    """The quarters' planning rollup rows and this quarter's (one query)."""
    this = _quarter_of(clock.workspace_today(workspace))
    rows = fetch_rows(
        """SELECT quarter, decided, committed, committed_with_demand, committed_shipped,
                  shipped_ideas, shipped_accounts, shipped_revenue
             FROM dashboards_planningquarterly
            WHERE workspace_id = %(ws)s AND quarter = ANY(%(quarters)s::date[])""",
        {"ws": workspace.pk, "quarters": sorted({*quarters, this})},
    )
    return {row[0]: _Quarter(*row[1:]) for row in rows}


def _share(part: int, whole: int) -> str:
    return percent_text(percent_of(part, whole))


def roadmap(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Roadmap evidence: how much of what was committed customers asked for, and the revenue
    of the customers whose asks shipped this quarter. One query over the planning rollup."""
    quarters = _quarters(filters)
    by_quarter = _planning(workspace, quarters)
    this = by_quarter.get(_quarter_of(clock.workspace_today(workspace)), _Quarter())
    shown = [by_quarter.get(q, _Quarter()) for q in quarters]
    committed = sum(q.committed for q in shown)
    backed = sum(q.with_demand for q in shown)
    currency = workspace.currency
    this_quarter = _quarter_of(clock.workspace_today(workspace))
    shipped = link_to(
        "idea_list",
        workspace,
        urlencode(
            {
                "category": "shipped",
                "changed_since": this_quarter.isoformat(),
                "changed_until": (
                    _from_index(_index(this_quarter) + 1) - timedelta(days=1)
                ).isoformat(),
            }
        ),
    )
    return Tile(
        name="roadmap",
        title="Roadmap evidence",
        covers=(
            f"decisions of {_quarter_name(quarters[0])} to {_quarter_name(quarters[-1])}; "
            "shipped: this quarter"
        ),
        summary=(
            f"{backed} of {committed} committed items ({_share(backed, committed)}) are backed "
            f"by customer demand. This quarter {this.shipped_ideas} ideas shipped to "
            f"{this.shipped_accounts} asking customers worth "
            f"{format_money(this.shipped_revenue, currency)} a year."
        ),
        figures=[
            Figure(
                "Committed backed by demand",
                backed,
                _share(backed, committed),
                _committed(workspace, quarters[0], quarters[-1], demand=True),
                unit="count",
                share=percent_of(backed, committed),
            ),
            Figure(
                "Revenue of customers whose asks shipped this quarter",
                this.shipped_revenue,
                format_money(this.shipped_revenue, currency),
                shipped,
                unit="money",
            ),
            Figure(
                "Customers whose asks shipped",
                this.shipped_accounts,
                f"{this.shipped_accounts}",
                unit="count",
            ),
            Figure(
                "Ideas shipped this quarter",
                this.shipped_ideas,
                f"{this.shipped_ideas}",
                shipped,
                unit="count",
            ),
        ],
        columns=[
            Column("Quarter"),
            Column("Committed", "count"),
            Column("Backed by demand", "count"),
            Column("Ideas shipped", "count"),
            Column("Customers", "count"),
            Column(f"Revenue ({currency})", "money"),
        ],
        rows=[
            [
                _quarter_name(q),
                r.committed,
                r.with_demand,
                r.shipped_ideas,
                r.shipped_accounts,
                r.shipped_revenue,
            ]
            for q, r in zip(quarters, shown, strict=True)
        ],
        row_links=[_committed(workspace, q, q) for q in quarters],
        link_column=2,
        chart={
            "type": "bar",
            "labels": [_quarter_name(q) for q in quarters],
            "datasets": [
                {"label": "Committed", "data": [r.committed for r in shown]},
                {"label": "Backed by demand", "data": [r.with_demand for r in shown]},
            ],
        },
    )


def predictability(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Planning predictability: what was committed each quarter against what of it shipped.
    One query over the planning rollup."""
    quarters = _quarters(filters)
    by_quarter = _planning(workspace, quarters)
    shown = [by_quarter.get(q, _Quarter()) for q in quarters]
    committed = sum(q.committed for q in shown)
    shipped = sum(q.committed_shipped for q in shown)
    return Tile(
        name="predictability",
        title="Planning predictability",
        covers=f"decisions of {_quarter_name(quarters[0])} to {_quarter_name(quarters[-1])}",
        summary=(
            f"Of {committed} items committed, {shipped} have shipped "
            f"({_share(shipped, committed)})."
        ),
        figures=[
            Figure(
                "Committed",
                committed,
                f"{committed}",
                _committed(workspace, quarters[0], quarters[-1]),
                unit="count",
            ),
            Figure("Shipped of them", shipped, f"{shipped}", unit="count"),
            Figure(
                "Shipped share",
                percent_of(shipped, committed),
                _share(shipped, committed),
                unit="percent",
            ),
        ],
        columns=[
            Column("Quarter"),
            Column("Decided", "count"),
            Column("Committed", "count"),
            Column("Shipped", "count"),
            Column("Shipped share", "percent"),  # "40%" as the page shows it; "-" for none
        ],
        rows=[
            [
                _quarter_name(q),
                r.decided,
                r.committed,
                r.committed_shipped,
                _share(r.committed_shipped, r.committed),
            ]
            for q, r in zip(quarters, shown, strict=True)
        ],
        row_links=[_committed(workspace, q, q) for q in quarters],
        link_column=3,
        chart={
            "type": "bar",
            "labels": [_quarter_name(q) for q in quarters],
            "datasets": [
                {"label": "Committed", "data": [r.committed for r in shown]},
                {"label": "Shipped", "data": [r.committed_shipped for r in shown]},
            ],
        },
    )
