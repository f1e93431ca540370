"""CSV exports of feedback: the inbox's (filtered) items and the (filtered) ideas list, each as
its columns and one row per item or idea.

productops.csvfiles.csv_download streams them and makes every cell safe to open in a spreadsheet.
"""

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from feedback.selectors import ideas as idea_selectors

if TYPE_CHECKING:
    from feedback.selectors.ideas import IdeaWithDemand
    from feedback.selectors.triage import PagedItem

FEEDBACK_COLUMNS = [
    "id",
    "received_at",
    "status",
    "title",
    "body",
    "source",
    "contact",
    "account",
    "segment",
    "plan",
    "annual_revenue",
    "tags",
    "product_area",
    "assignee",
    "priority",
    "sentiment",
    "votes",
    "mentions",
    "idea_links",
    "duplicate_of",
]


def feedback_rows(rows: Iterable["PagedItem"]) -> Iterator[list]:
    """One row of FEEDBACK_COLUMNS per item of selectors.triage.export_rows()."""
    for i in rows:
        yield [
            i.pk,
            i.received_at.isoformat(),
            i.status,
            i.title,
            i.body,
            i.source.name,
            (i.contact.email or i.contact.name) if i.contact else i.submitter_email,
            i.account.name if i.account else "",
            i.account.segment if i.account else "",
            i.account.plan if i.account else "",
            i.account.annual_revenue if i.account else "",
            ", ".join(i.tag_names),
            i.product_area.name if i.product_area else "",
            i.assignee.display_name if i.assignee else "",
            i.get_priority_display(),
            i.sentiment,
            i.votes,
            i.mentions,
            i.link_count,
            i.duplicate_of_id or "",
        ]


IDEA_COLUMNS = [
    "id",
    "title",
    "status",
    "category",
    "area",
    "owner",
    "public",
    "mentions",
    "votes",
    "unique accounts",
    "revenue",
    "mentions last 30 days",
    "mentions last 90 days",
    "trend",
    "created",
]


def idea_rows(rows: Iterable["IdeaWithDemand"]) -> Iterator[list]:
    """One row of IDEA_COLUMNS per idea of selectors.ideas.ideas()."""
    for idea in rows:
        yield [
            idea.pk,
            idea.title,
            idea.status.name,
            idea.status.get_category_display(),
            idea.product_area.name if idea.product_area else "",
            idea.owner.display_name if idea.owner else "",
            "yes" if idea.is_public else "no",
            idea.mentions,
            idea.votes,
            idea.unique_accounts,
            idea.revenue,
            idea.recent_30,
            idea.recent_90,
            idea_selectors.trend(idea),
            idea.created_at.date().isoformat(),
        ]
