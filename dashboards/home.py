"""What Home shows each role (productops' Home loads it from here with htmx).

Exec: the overview's tiles. Ops lead: notice deadlines with the money at stake, pending tool
requests, waste and the next planning session. PM: the untriaged backlog and its oldest item,
what is assigned to them, and the ideas they own with their demand change. Admin: the ops
lead's page (productops' Home adds members and integrations). Every figure is read from the
rollups or a small table, in a fixed number of queries.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from dashboards.filters import default_filters
from dashboards.selectors import TILES
from dashboards.selectors.as_of import freshness
from dashboards.selectors.shared import fetch_rows
from feedback.selectors.triage import InboxFilters, inbox
from inventory.models import RequestStatus, ToolRequest
from planning.models import SessionState
from planning.selectors import sessions as planning_sessions
from productops import clock
from productops.access import Actor
from productops.models import Role

DEMAND_WEEKS = 4  # an owner's ideas: the last 4 weeks' mentions against the 4 before


@dataclass(frozen=True)
class Deadline:
    tool_id: int
    name: str
    notice_deadline: date
    renewal_date: date
    annual_cost: Decimal | None
    days_left: int


def notice_deadlines(*, workspace, today: date) -> tuple[list[Deadline], list[Deadline]]:
    """Undecided renewals whose notice deadline is this week, and within the next 30 days."""
    rows = fetch_rows(
        """SELECT tool_id, name, notice_deadline, renewal_date, annual_cost
             FROM dashboards_toolnow
            WHERE workspace_id = %(ws)s AND in_spend AND decision = ''
              AND notice_deadline BETWEEN %(today)s AND %(today)s + 30
            ORDER BY notice_deadline, name""",
        {"ws": workspace.pk, "today": today},
    )
    sunday = today + timedelta(days=6 - today.weekday())
    deadlines = [
        Deadline(tool_id, name, notice, renewal, cost, days_left=(notice - today).days)
        for tool_id, name, notice, renewal, cost in rows
    ]
    return (
        [d for d in deadlines if d.notice_deadline <= sunday],
        [d for d in deadlines if d.notice_deadline > sunday],
    )


def _ops(actor: Actor, today: date) -> dict[str, Any]:
    workspace = actor.workspace
    this_week, next_30 = notice_deadlines(workspace=workspace, today=today)
    (waste,) = fetch_rows(
        """SELECT coalesce(sum(greatest(seats_bought - seats_used, 0) * annual_cost
                                / seats_bought), 0),
                  coalesce(sum(greatest(seats_bought - seats_used, 0)), 0)
             FROM dashboards_toolnow
            WHERE workspace_id = %(ws)s AND in_spend AND seats_bought > 0""",
        {"ws": workspace.pk},
    )
    return {
        "deadlines_this_week": this_week,
        "deadlines_next_30": next_30,
        "at_stake_this_week": sum((d.annual_cost or 0 for d in this_week), Decimal(0)),
        "at_stake_next_30": sum((d.annual_cost or 0 for d in next_30), Decimal(0)),
        "pending_requests": ToolRequest.objects.filter(
            workspace=workspace, status=RequestStatus.PENDING
        ).count(),
        "waste": waste[0],
        "unused_seats": waste[1],
        "next_session": (
            planning_sessions.sessions(workspace=workspace)
            .exclude(state=SessionState.ENDED)
            .filter(scheduled_at__gte=timezone.now())
            .order_by("scheduled_at", "id")
            .first()
        ),
    }


def _pm(actor: Actor, today: date) -> dict[str, Any]:
    workspace = actor.workspace
    (backlog,) = fetch_rows(
        """SELECT coalesce(sum(untriaged), 0), min(day) FILTER (WHERE untriaged > 0)
             FROM dashboards_triagedaily WHERE workspace_id = %(ws)s""",
        {"ws": workspace.pk},
    )
    user_id = actor.user.pk if actor.user else 0
    mine = inbox(workspace=workspace, filters=InboxFilters(assignee=user_id), limit=5)
    monday = today - timedelta(days=today.weekday())
    recent_from = monday - timedelta(weeks=DEMAND_WEEKS - 1)
    before_from = recent_from - timedelta(weeks=DEMAND_WEEKS)
    owned = fetch_rows(
        """SELECT t.idea_id, t.title, t.status_category, t.mentions, t.unique_accounts, t.revenue,
                  coalesce(sum(w.mentions) FILTER (WHERE w.week >= %(recent)s), 0),
                  coalesce(sum(w.mentions) FILTER (WHERE w.week < %(recent)s), 0),
                  array(SELECT coalesce(sum(x.mentions), 0)::int
                          FROM generate_series(0, %(weeks)s - 1) g
                          LEFT JOIN dashboards_ideaweekly x ON x.workspace_id = %(ws)s
                               AND x.idea_id = t.idea_id AND x.week = %(before)s + 7 * g
                         GROUP BY g ORDER BY g)
             FROM dashboards_ideatotal t
             LEFT JOIN dashboards_ideaweekly w ON w.workspace_id = t.workspace_id
                  AND w.idea_id = t.idea_id AND w.week >= %(before)s
            WHERE t.workspace_id = %(ws)s AND t.owner_id = %(user)s
            GROUP BY 1, 2, 3, 4, 5, 6
            ORDER BY t.revenue DESC, t.idea_id LIMIT 10""",
        {
            "ws": workspace.pk,
            "user": user_id,
            "recent": recent_from,
            "before": before_from,
            "weeks": 2 * DEMAND_WEEKS,
        },
    )
    return {
        "backlog": backlog[0],
        "oldest_day": backlog[1],
        "oldest_days": (today - backlog[1]).days if backlog[1] else None,
        "assigned": mine.rows,
        "owned_ideas": [
            {
                "id": row[0],
                "title": row[1],
                "status": row[2],
                "mentions": row[3],
                "accounts": row[4],
                "revenue": row[5],
                "recent": row[6],
                "before": row[7],
                "change": row[6] - row[7],
                "weekly": row[8],  # the 2 x DEMAND_WEEKS weeks, oldest first: the sparkline
            }
            for row in owned
        ],
        "demand_weeks": DEMAND_WEEKS,
        "weekly_what": f"Mentions a week, last {2 * DEMAND_WEEKS} weeks",
    }


def for_actor(actor: Actor) -> dict[str, Any] | None:
    """The Home fragment's context for the actor's role; None for a token (no Home)."""
    if actor.role is None:
        return None
    workspace = actor.workspace
    today = clock.workspace_today(workspace)
    context: dict[str, Any] = {"role": actor.role, "today": today}
    if actor.role == Role.EXEC:
        filters = default_filters(today)
        context |= {"tiles": list(TILES), "filters": filters}
    elif actor.role in (Role.OPS_LEAD, Role.ADMIN):
        context |= _ops(actor, today)
    else:
        context |= _pm(actor, today)
    context["freshness"] = freshness(workspace=workspace)
    return context
