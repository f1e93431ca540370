"""A session's CSV. A scoring session: every item with its decision, accepted score and
revealed votes, read through the summary selector, so a round still hidden shows as its count
of votes only. A retrospective: its prompts, groups with their dots and notes, reflections and
action items, read through the retro board as the viewer sees it in the room (so reflections
still being written show only to their author, and anonymous ones carry no author).
"""

from collections.abc import Iterator

from django.http import StreamingHttpResponse

from planning.models import PlanningSession, SessionKind
from planning.selectors import decisions as decision_selectors
from planning.selectors import retro as retro_selectors
from productops.csvfiles import csv_download
from productops.models import User

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

# One row per thing the retro holds; a column a kind of row does not use stays empty. `record`:
# prompt, group, reflection, note, action item, reviewed (an earlier retro's action item this
# one reviewed, with its status now).
RETRO_HEADER = ["record", "prompt", "group", "dots", "text", "author", "owner", "due_on", "status"]


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
                f"{result.label} {result.display['range']}"
                for result in row.results
                if result.suggestion
            ),
            decision.get_outcome_display() if decision else "",
            decision.estimate if decision and decision.estimate is not None else "",
            decision.defer_until.isoformat() if decision and decision.defer_until else "",
            decision.rationale if decision else "",
            decision.decided_by.display_name if decision else "",
        ]


def retro_rows(summary: retro_selectors.RetroSummary) -> Iterator[list[object]]:
    """Prompts, then each group (most dots first once totals show) with its reflections and
    notes, then the reflections in no group, the notes on no group, the action items and the
    earlier action items this retro reviewed. Anonymous reflections have an empty author."""
    board = summary.board
    for column in board.columns:
        hidden = f"{column.others} more from others, shown when the room groups them"
        yield ["prompt", column.text, "", "", hidden if column.others else "", "", "", "", ""]
    for view in board.groups:
        title = str(view.group)
        dots = "" if view.total_dots is None else view.total_dots
        yield ["group", "", title, dots, "", "", "", "", ""]
        for card in view.cards:
            yield ["reflection", card.prompt, title, "", card.text, card.author, "", "", ""]
        for note in view.notes:
            yield ["note", "", title, "", note.text, _name(note.author), "", "", ""]
    for column in board.columns:
        for card in column.cards:
            yield ["reflection", card.prompt, "", "", card.text, card.author, "", "", ""]
    for note in board.notes:
        yield ["note", "", "", "", note.text, _name(note.author), "", "", ""]
    for record, actions in (("action item", board.actions), ("reviewed", summary.reviewed)):
        for action in actions:
            yield [
                record,
                "",
                str(action.group) if record == "action item" and action.group_id else "",
                "",
                action.title,
                "",
                _name(action.owner),
                action.due_on.isoformat() if action.due_on else "",
                action.get_status_display(),
            ]


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def summary_download(*, session: PlanningSession, viewer: User) -> StreamingHttpResponse:
    filename = f"planning-session-{session.pk}.csv"
    if session.kind == SessionKind.RETROSPECTIVE:
        summary = retro_selectors.retro_summary(session=session, user=viewer)
        return csv_download(filename, RETRO_HEADER, retro_rows(summary))
    return csv_download(filename, HEADER, rows(session))
