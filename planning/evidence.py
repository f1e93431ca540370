"""Evidence for planning: the demand behind ideas, as figures that pre-fill reach and value.

A selector: reads only, through feedback's one definition of counted evidence
(`feedback.selectors.evidence.evidence_sql`: linked items and the duplicates merged into them,
never spam). The unweighted figures therefore equal the ideas list's, and every figure links to
the feedback behind it: the inbox filtered to the idea (and to the days or segment the figure
covers).

Decay. When the workspace sets a half-life h (days) in its planning settings, an item received
a days ago weighs

    w(a) = 0.5 ** (a / h)  =  exp(-ln 2 * a / h)

so evidence one half-life old counts half, two half-lives a quarter, and today's counts fully.
A person (a vote) or an account weighs as much as their most recent counted item, so revenue
becomes the sum of each account's annual revenue times its weight, and an old customer who
asked again yesterday counts fully. Without a half-life every weight is 1 and the weighted
figures equal the plain ones.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse

from feedback.models import Idea
from feedback.selectors.evidence import evidence_sql, person_sql
from feedback.selectors.ideas import trend
from planning import scoring
from planning.selectors.scoring import planning_settings
from productops import clock
from productops.models import Workspace
from productops.money import format_money

# Fields of any scoring model (built in or a workspace formula) that evidence pre-fills.
REACH_FIELDS = frozenset({"reach"})
VALUE_FIELDS = frozenset({"value", "business_value"})
NO_SEGMENT = ""

_EVIDENCE = f"""
    ev AS (
        SELECT x.idea_id, e.item_id, e.account_id, e.contact_id, e.received_at,
               {person_sql("e")} AS person,
               CASE WHEN %(half_life)s::float IS NULL THEN 1.0::float
                    ELSE power(0.5, greatest(extract(epoch FROM %(now)s - e.received_at), 0)
                                    / 86400.0 / %(half_life)s::float)
               END AS w
          FROM unnest(%(ideas)s::bigint[]) AS x(idea_id)
          CROSS JOIN LATERAL ({evidence_sql("x.idea_id")}) e
    ),
    accounts AS (
        SELECT ev.idea_id, ev.account_id, max(ev.w) AS w FROM ev
         WHERE ev.account_id IS NOT NULL GROUP BY 1, 2
    )
"""
_FIGURES = f"""
    WITH {_EVIDENCE},
    people AS (SELECT idea_id, person, max(w) AS w FROM ev GROUP BY 1, 2),
    items AS (
        SELECT idea_id, count(*) AS mentions, sum(w) AS w_mentions,
               count(*) FILTER (WHERE received_at >= %(since_30)s) AS recent_30,
               count(*) FILTER (WHERE received_at >= %(since_90)s) AS recent_90
          FROM ev GROUP BY 1
    ),
    votes AS (SELECT idea_id, count(*) AS votes, sum(w) AS w_votes FROM people GROUP BY 1),
    money AS (
        SELECT a.idea_id, count(*) AS accounts, sum(a.w) AS w_accounts,
               coalesce(sum(f.annual_revenue), 0) AS revenue,
               coalesce(sum(f.annual_revenue * a.w::numeric), 0) AS w_revenue
          FROM accounts a JOIN feedback_account f ON f.id = a.account_id GROUP BY 1
    )
    SELECT items.idea_id, items.mentions, items.w_mentions, votes.votes, votes.w_votes,
           coalesce(money.accounts, 0), coalesce(money.w_accounts, 0),
           coalesce(money.revenue, 0), coalesce(money.w_revenue, 0),
           items.recent_30, items.recent_90
      FROM items JOIN votes USING (idea_id) LEFT JOIN money USING (idea_id)
"""
_SEGMENTS = f"""
    WITH {_EVIDENCE}
    SELECT a.idea_id, f.segment, count(*), coalesce(sum(f.annual_revenue), 0)
      FROM accounts a JOIN feedback_account f ON f.id = a.account_id
     GROUP BY 1, 2 ORDER BY 1, 4 DESC, 2
"""


@dataclass(frozen=True)
class SegmentShare:
    segment: str  # "" for accounts without a segment
    accounts: int
    revenue: Decimal
    share: float  # of the idea's asking accounts
    url: str


@dataclass(frozen=True)
class IdeaEvidence:
    """The demand behind one idea. `weighted_*` equal the plain figures without a half-life."""

    idea_id: int
    mentions: int = 0
    votes: int = 0
    unique_accounts: int = 0
    revenue: Decimal = Decimal(0)
    weighted_mentions: float = 0.0
    weighted_votes: float = 0.0
    weighted_accounts: float = 0.0
    weighted_revenue: Decimal = Decimal(0)
    recent_30: int = 0
    recent_90: int = 0
    half_life_days: int | None = None
    segments: list[SegmentShare] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def trend(self) -> str:
        """'up', 'down' or 'flat', by the ideas list's rule."""
        return trend(self)

    @property
    def decays(self) -> bool:
        return self.half_life_days is not None

    def snapshot(self) -> dict:
        """The figures as JSON, for an agenda item's evidence-when-added."""
        return {
            "mentions": self.mentions,
            "votes": self.votes,
            "unique_accounts": self.unique_accounts,
            "revenue": str(self.revenue),
            "weighted_accounts": round(self.weighted_accounts, 2),
            "weighted_revenue": str(self.weighted_revenue),
            "recent_30": self.recent_30,
            "recent_90": self.recent_90,
            "trend": self.trend,
            "half_life_days": self.half_life_days,
        }


def inbox_url(*, workspace: Workspace, idea_id: int, **filters: str) -> str:
    """The inbox showing the counted feedback behind an idea, in every status."""
    query = {"status": "all", "idea": idea_id, **{k: v for k, v in filters.items() if v != ""}}
    return f"{reverse('feedback_inbox', kwargs={'slug': workspace.slug})}?{urlencode(query)}"


def ideas_evidence(
    *, workspace: Workspace, idea_ids: list[int], now: datetime | None = None
) -> dict[int, IdeaEvidence]:
    """The evidence of many ideas in two queries (figures, then segments), whatever their
    number; an idea without counted feedback gets zeros. Ideas of other workspaces get zeros
    too: the evidence SQL only follows links of the idea asked for, and the ids are filtered
    to the workspace first."""
    ids = list(
        Idea.objects.filter(workspace=workspace, pk__in=set(idea_ids)).values_list("pk", flat=True)
    )
    half_life = planning_settings(workspace=workspace).evidence_half_life_days
    now = now or clock.workspace_now(workspace)
    since_30, since_90 = clock.days_ago(workspace, 30), clock.days_ago(workspace, 90)
    params = {
        "ideas": ids,
        "half_life": half_life,
        "now": now,
        "since_30": since_30,
        "since_90": since_90,
    }
    rows: dict[int, tuple] = {}
    segments: dict[int, list[tuple[str, int, Decimal]]] = {}  # (segment, accounts, revenue)
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_FIGURES, params)
            rows = {row[0]: row for row in cursor.fetchall()}
            cursor.execute(_SEGMENTS, params)
            for idea_id, segment, accounts, revenue in cursor.fetchall():
                segments.setdefault(idea_id, []).append((segment or NO_SEGMENT, accounts, revenue))
    found = {}
    for idea_id in idea_ids:
        row = rows.get(idea_id)
        url = inbox_url(workspace=workspace, idea_id=idea_id)
        total_accounts = row[5] if row else 0
        shares = [
            SegmentShare(
                segment=segment,
                accounts=accounts,
                revenue=Decimal(revenue),
                share=accounts / total_accounts if total_accounts else 0.0,
                url=inbox_url(workspace=workspace, idea_id=idea_id, segment=segment),
            )
            for segment, accounts, revenue in segments.get(idea_id, [])
        ]
        urls = {
            "all": url,
            "recent_30": inbox_url(
                workspace=workspace, idea_id=idea_id, since=since_30.date().isoformat()
            ),
            "recent_90": inbox_url(
                workspace=workspace, idea_id=idea_id, since=since_90.date().isoformat()
            ),
        }
        if row is None:
            found[idea_id] = IdeaEvidence(
                idea_id=idea_id, half_life_days=half_life, segments=[], urls=urls
            )
            continue
        found[idea_id] = IdeaEvidence(
            idea_id=idea_id,
            mentions=row[1],
            weighted_mentions=float(row[2]),
            votes=row[3],
            weighted_votes=float(row[4]),
            unique_accounts=row[5],
            weighted_accounts=float(row[6]),
            revenue=Decimal(row[7]),
            weighted_revenue=Decimal(row[8]).quantize(Decimal("0.01")),
            recent_30=row[9],
            recent_90=row[10],
            half_life_days=half_life,
            segments=shares,
            urls=urls,
        )
    return found


def idea_evidence(*, workspace: Workspace, idea_id: int) -> IdeaEvidence:
    return ideas_evidence(workspace=workspace, idea_ids=[idea_id])[idea_id]


@dataclass(frozen=True)
class Prefill:
    """A suggested value for one field, the figure it comes from, and where that figure links."""

    field: str
    value: Decimal
    display: str
    basis: str
    url: str


def prefill(
    *, model: scoring.ScoringModel, evidence: dict[int, IdeaEvidence], currency: str
) -> dict[int, dict[str, Prefill]]:
    """Suggested reach and value for each idea, for the fields of `model` named reach, value
    or business_value.

    Reach is the (weighted) number of asking accounts, value the (weighted) revenue behind the
    idea. On a number or percent scale the figure itself is used; on a closed scale (1-10,
    Fibonacci...) the ideas compared are placed relative to the one with the most, which gets
    the top of the scale, and the rest in proportion, each on the nearest value the scale
    accepts. A suggestion is a starting point: people vote the real value.
    """
    wanted = [f for f in model.fields if f.name in REACH_FIELDS | VALUE_FIELDS]
    result: dict[int, dict[str, Prefill]] = {idea_id: {} for idea_id in evidence}
    for score_field in wanted:
        scale = score_field.scale_info
        is_reach = score_field.name in REACH_FIELDS
        figures = {
            idea_id: Decimal(str(round(e.weighted_accounts, 2))) if is_reach else e.weighted_revenue
            for idea_id, e in evidence.items()
        }
        top = max(figures.values(), default=Decimal(0))
        for idea_id, figure in figures.items():
            if scale.choices:
                highest, lowest = max(scale.values), min(scale.values)
                relative = figure / top if top else Decimal(0)
                value = scale.nearest(lowest + (highest - lowest) * relative)
            else:
                value = scale.nearest(figure)
            item = evidence[idea_id]
            basis = (
                f"{item.unique_accounts} accounts asking"
                if is_reach
                else f"{format_money(item.revenue, currency)} annual revenue asking"
            )
            if item.decays:
                basis += f", weighted by a {item.half_life_days}-day half-life"
            result[idea_id][score_field.name] = Prefill(
                field=score_field.name,
                value=value,
                display=scale.display(value),
                basis=basis,
                url=item.urls["all"],
            )
    return result
