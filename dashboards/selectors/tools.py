"""The tools tile: spend, seats, waste and renewals."""

from datetime import timedelta
from decimal import Decimal

from dashboards.filters import DashboardFilters
from dashboards.selectors.shared import Figure, Tile, _money, _quote, _rows, _url
from productops import clock
from productops.models import Workspace


def tools(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Annual spend by category, spend per active seat, waste and renewals in the next 90 days
    (the inventory's own rules), and spend per month. Two queries."""
    today = clock.workspace_today(workspace)
    values = {"ws": workspace.pk, "today": today, "horizon": today + timedelta(days=90)}
    rows = _rows(
        """
        SELECT category, GROUPING(category),
               coalesce(sum(annual_cost) FILTER (WHERE in_spend), 0),
               coalesce(sum(seats_used) FILTER (WHERE in_spend), 0),
               coalesce(sum(greatest(seats_bought - seats_used, 0) * annual_cost / seats_bought)
                   FILTER (WHERE in_spend AND seats_bought > 0), 0),
               count(*) FILTER (WHERE in_spend AND renewal_date BETWEEN %(today)s AND %(horizon)s),
               coalesce(sum(annual_cost) FILTER (
                   WHERE in_spend AND renewal_date BETWEEN %(today)s AND %(horizon)s), 0)
          FROM dashboards_toolnow WHERE workspace_id = %(ws)s
         GROUP BY GROUPING SETS ((category), ())
        """,
        values,
    )
    first = (today.replace(day=1) - timedelta(days=334)).replace(day=1)
    monthly = _rows(
        """SELECT month, sum(spend) FROM dashboards_toolspendmonthly
            WHERE workspace_id = %(ws)s AND month BETWEEN %(first)s AND %(today)s
            GROUP BY 1 ORDER BY 1""",
        values | {"first": first},
    )
    currency = workspace.currency
    total = next((r for r in rows if r[1] == 1), (None, 1, 0, 0, 0, 0, 0))
    _, _, spend, seats, waste, renewals, renewing = total
    per_seat = Decimal(spend) / seats if seats else None
    categories = sorted((r for r in rows if r[1] == 0 and r[2]), key=lambda r: (-r[2], r[0]))
    tool_list = "tool_list"
    return Tile(
        name="tools",
        title="Tools",
        covers="current contracts as of today, at the workspace's budget rates",
        summary=(
            f"Tools cost {_money(spend, currency)} a year"
            + (f", {_money(per_seat, currency)} per active seat" if per_seat else "")
            + f"; unused seats waste {_money(waste, currency)}; {renewals} contracts worth "
            f"{_money(renewing, currency)} renew in the next 90 days."
        ),
        figures=[
            Figure("Annual spend", spend, _money(spend, currency), _url("spend", workspace)),
            Figure(
                "Spend per active seat",
                per_seat,
                _money(per_seat, currency) if per_seat else "-",
            ),
            Figure("Waste", waste, _money(waste, currency), _url("waste", workspace)),
            Figure(
                "Renewals in 90 days",
                renewals,
                f"{renewals} · {_money(renewing, currency)}",
                _url("renewals", workspace),
            ),
        ],
        columns=["Category", f"Annual spend ({currency})"],
        rows=[[r[0], r[2]] for r in categories],
        row_links=[_url(tool_list, workspace, f"category={_quote(r[0])}") for r in categories],
        chart={
            "type": "bar",
            "labels": [m.isoformat()[:7] for m, _ in monthly],
            "datasets": [
                {"label": f"Spend per month ({currency})", "data": [str(s) for _, s in monthly]}
            ],
        },
    )
