"""The tools tile: spend, seats, waste and renewals."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

from dashboards.filters import DashboardFilters
from dashboards.selectors.shared import Column, Figure, Tile, fetch_rows, link_to
from productops import clock
from productops.models import Workspace
from productops.money import format_money


def tools(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Annual spend by category, spend per active seat, waste and renewals in the next 90 days
    (the inventory's own rules), and spend per month. Two queries."""
    today = clock.workspace_today(workspace)
    values = {"ws": workspace.pk, "today": today, "horizon": today + timedelta(days=90)}
    rows = fetch_rows(
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
    monthly = fetch_rows(
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
            f"Tools cost {format_money(spend, currency)} a year"
            + (f", {format_money(per_seat, currency)} per active seat" if per_seat else "")
            + f"; unused seats waste {format_money(waste, currency)}; {renewals} contracts worth "
            f"{format_money(renewing, currency)} renew in the next 90 days."
        ),
        figures=[
            Figure(
                "Annual spend",
                spend,
                format_money(spend, currency),
                link_to("spend", workspace),
                unit="money",
            ),
            Figure(
                "Spend per active seat",
                per_seat,
                format_money(per_seat, currency) if per_seat else "-",
                unit="money",
            ),
            Figure(
                "Waste",
                waste,
                format_money(waste, currency),
                link_to("waste", workspace),
                unit="money",
            ),
            Figure(
                "Renewals in 90 days",
                renewals,
                f"{renewals} · {format_money(renewing, currency)}",
                # The list of as many: contracts decided cancel end instead of renewing.
                link_to("renewals", workspace, "days=90&renewing=yes"),
                unit="count",
            ),
        ],
        columns=[Column("Category"), Column(f"Annual spend ({currency})", "money")],
        rows=[[r[0], r[2]] for r in categories],
        row_links=[link_to(tool_list, workspace, f"category={quote(r[0])}") for r in categories],
        chart={
            "type": "bar",
            "labels": [m.isoformat()[:7] for m, _ in monthly],
            "datasets": [
                {"label": f"Spend per month ({currency})", "data": [str(s) for _, s in monthly]}
            ],
        },
    )
