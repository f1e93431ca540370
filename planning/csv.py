"""The session's CSV: every item with its decision, accepted score and revealed votes.

Read through the summary selector, so a round still hidden shows as its count of votes only.
"""

from django.http import StreamingHttpResponse

from planning.models import PlanningSession
from planning.selectors import decisions as decision_selectors
from productops.csvfiles import csv_download

HEADER = [
    "position",
    "item",
    "kind",
    "final_score",
    "final_values",
    "revealed_votes",
    "spread",
    "decision",
    "estimate",
    "defer_until",
    "rationale",
    "decided_by",
]


def rows(session: PlanningSession):
    summary = decision_selectors.summary(session=session)
    for position, row in enumerate(summary.rows, start=1):
        decision = row.decision
        yield [
            position,
            str(row.item),
            row.item.get_kind_display(),
            "" if row.item.final_score is None else round(row.item.final_score, 4),
            "; ".join(f"{k}={v}" for k, v in row.item.final_values.items()),
            "; ".join(
                f"{result.label}: " + ", ".join(f"{who} {value}" for who, value in result.votes)
                for result in row.results
                if result.votes
            ),
            "; ".join(
                f"{result.label} {result.display['spread']}"
                for result in row.results
                if result.suggestion
            ),
            decision.get_outcome_display() if decision else "",
            decision.estimate if decision and decision.estimate is not None else "",
            decision.defer_until.isoformat() if decision and decision.defer_until else "",
            decision.rationale if decision else "",
            decision.decided_by.display_name if decision else "",
        ]


def summary_download(*, session: PlanningSession) -> StreamingHttpResponse:
    return csv_download(f"planning-session-{session.pk}.csv", HEADER, rows(session))
