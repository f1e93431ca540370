"""What the command palette (productops/palette.py) finds of feedback: items, ideas, accounts.
Each finder is one query with a LIMIT, or none when the text cannot name its kind."""

from django.contrib.postgres.search import SearchQuery
from django.db.models.functions import Substr
from django.urls import reverse

from feedback.models import Account, FeedbackItem, Idea
from productops.folding import contains_folded, fold
from productops.models import Workspace
from productops.palette import Hit, number


def _first_line(title: str, body: str) -> str:
    if title:
        return title
    return next((line.strip() for line in body.splitlines() if line.strip()), "(empty)")


def items(workspace: Workspace, text: str, limit: int) -> list[Hit]:
    """By number ("123", "#123"), else by the inbox's full-text search, newest first."""
    qs = FeedbackItem.objects.filter(workspace=workspace)
    wanted = number(text)
    if wanted is not None:
        qs = qs.filter(pk=wanted)
    else:
        search = SearchQuery(fold(text), search_type="websearch", config="english")
        qs = qs.filter(search=search).order_by("-received_at", "-id")
    rows = qs.annotate(start=Substr("body", 1, 200)).values("pk", "title", "start", "status")
    return [
        Hit(
            "Item",
            f"#{row['pk']} {_first_line(row['title'], row['start'])}"[:120],
            reverse("feedback_item", args=[workspace.slug, row["pk"]]),
            row["status"],
        )
        for row in rows[:limit]
    ]


def ideas(workspace: Workspace, text: str, limit: int) -> list[Hit]:
    """By number, else by words in the title (accents and case aside), latest changed first."""
    qs = Idea.objects.filter(workspace=workspace)
    wanted = number(text)
    if wanted is not None:
        qs = qs.filter(pk=wanted)
    else:
        qs = qs.filter(contains_folded("title", text)).order_by("-updated_at", "-id")
    rows = qs.values("pk", "title", "status__name")[:limit]
    return [
        Hit(
            "Idea",
            f"#{row['pk']} {row['title']}",
            reverse("idea_detail", args=[workspace.slug, row["pk"]]),
            row["status__name"],
        )
        for row in rows
    ]


def accounts(workspace: Workspace, text: str, limit: int) -> list[Hit]:
    """By words in the name (accents and case aside)."""
    if number(text) is not None:
        return []
    rows = (
        Account.objects.filter(workspace=workspace)
        .filter(contains_folded("name", text))
        .order_by("name", "id")
        .values("pk", "name", "segment")[:limit]
    )
    return [
        Hit(
            "Account",
            row["name"],
            reverse("account_detail", args=[workspace.slug, row["pk"]]),
            row["segment"],
        )
        for row in rows
    ]
