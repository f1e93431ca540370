"""The top ideas tile."""

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from dashboards.filters import DashboardFilters
from dashboards.selectors.shared import Column, Figure, Tile, Trend, fetch_rows, link_to
from productops import clock
from productops.models import Workspace
from productops.money import format_money

TOP_IDEAS = 8
SPARK_WEEKS = 12


def top_ideas(*, workspace: Workspace, filters: DashboardFilters) -> Tile:
    """Ideas by revenue and by unique accounts (the idea pages' figures), with a sparkline of
    their weekly mentions, and how many ideas have demand at all (the length of the ideas list
    it links to, `demand=yes`). Two queries."""
    values: dict[str, Any] = {"ws": workspace.pk, "n": TOP_IDEAS}
    area = ""
    if filters.area is not None:
        area, values["area"] = "AND area_id = %(area)s", filters.area
    rows = fetch_rows(
        f"""
        (SELECT 'revenue', idea_id, title, status_category, mentions, unique_accounts, revenue,
                count(*) OVER ()  -- every idea with demand, counted before the LIMIT
           FROM dashboards_ideatotal WHERE workspace_id = %(ws)s {area} AND mentions > 0
          ORDER BY revenue DESC, unique_accounts DESC, idea_id LIMIT %(n)s)
        UNION ALL
        (SELECT 'accounts', idea_id, title, status_category, mentions, unique_accounts, revenue,
                0
           FROM dashboards_ideatotal WHERE workspace_id = %(ws)s {area} AND mentions > 0
          ORDER BY unique_accounts DESC, revenue DESC, idea_id LIMIT %(n)s)
        """,
        values,
    )
    today = clock.workspace_today(workspace)
    this_monday = today - timedelta(days=today.weekday())
    first = this_monday - timedelta(weeks=SPARK_WEEKS - 1)
    ids = sorted({r[1] for r in rows})
    weekly = fetch_rows(
        """SELECT idea_id, week, mentions FROM dashboards_ideaweekly
            WHERE workspace_id = %(ws)s AND idea_id = ANY(%(ids)s) AND week >= %(first)s""",
        {"ws": workspace.pk, "ids": ids, "first": first},
    )
    weeks = [first + timedelta(weeks=n) for n in range(SPARK_WEEKS)]
    spark: dict[int, dict[date, int]] = {}
    for idea_id, week, mentions in weekly:
        spark.setdefault(idea_id, {})[week] = mentions
    by_revenue = [r for r in rows if r[0] == "revenue"]
    by_accounts = [r for r in rows if r[0] == "accounts"]
    table_rows, links, trends = [], [], []
    with_demand = by_revenue[0][7] if by_revenue else 0
    for ranking, entries in (("By revenue", by_revenue), ("By accounts", by_accounts)):
        for _, idea_id, title, category, mentions, accounts, revenue, _count in entries:
            series = [spark.get(idea_id, {}).get(w, 0) for w in weeks]
            table_rows.append(
                [ranking, title, category, mentions, accounts, revenue, " ".join(map(str, series))]
            )
            links.append(link_to("idea_detail", workspace, idea_id=idea_id))
            if ranking == "By revenue":
                trends.append(Trend(title, links[-1], series))
    list_query = {"demand": "yes", "sort": "revenue"}
    if filters.area is not None:
        list_query["area"] = str(filters.area) if filters.area else "none"
    leader = by_revenue[0] if by_revenue else None
    currency = workspace.currency
    return Tile(
        name="ideas",
        title="Top ideas",
        covers="all customer demand, as on the idea pages; sparklines: the last 12 weeks",
        summary=(
            f"The idea with the most revenue behind it is “{leader[2]}”: "
            f"{format_money(leader[6], currency)} from {leader[5]} accounts."
            if leader
            else "No idea has customer demand yet."
        ),
        figures=[
            Figure(
                "Ideas with demand",
                with_demand,
                f"{with_demand:,}",
                link_to("idea_list", workspace, urlencode(list_query)),
                unit="count",
            )
        ],
        columns=[
            Column("Ranking"),
            Column("Idea"),
            Column("Status"),
            Column("Mentions", "count"),
            Column("Accounts", "count"),
            Column("Revenue", "money"),
            Column("Weekly mentions"),  # text: "0 1 2 ...", the sparkline's numbers
        ],
        rows=table_rows,
        row_links=links,
        trends=trends,
        trends_cover=f"Mentions a week, last {SPARK_WEEKS} weeks",
        chart={
            "type": "bar",
            "horizontal": True,
            "labels": [r[2][:40] for r in by_revenue],
            "datasets": [
                {"label": f"Revenue ({currency})", "data": [str(r[6]) for r in by_revenue]}
            ],
        },
    )
