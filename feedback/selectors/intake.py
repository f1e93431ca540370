"""Reads of the intake side: sources, accounts, contacts, and duplicate-candidate lookups."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from feedback.models import Account, Channel, Contact, FeedbackItem, IdeaLink, Source
from feedback.selectors.evidence import COUNTED, COUNTED_STATUSES
from feedback.similarity import best_matches, trigrams
from inventory.models import Tool
from productops.folding import contains_folded, fold
from productops.models import Workspace


def _item_count(field: str, model=FeedbackItem, *where: Q) -> Coalesce:
    counts = (
        model.objects.filter(*where, **{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), 0)


def sources(*, workspace: Workspace, item_counts: bool = False) -> QuerySet[Source]:
    """The workspace's sources (with their tools), active ones first, then by name.

    `item_counts` adds `item_count`, how many items each source holds: a count over the items
    per source, for the sources page and API, not for pickers and filters.
    """
    found = Source.objects.filter(workspace=workspace).select_related("tool")
    if item_counts:
        found = found.annotate(item_count=_item_count("source"))
    return found.order_by("-is_active", "name", "pk")


def source(*, workspace: Workspace, source_id: int) -> Source:
    found = (
        Source.objects.filter(workspace=workspace, pk=source_id)
        .select_related("tool")
        .annotate(item_count=_item_count("source"))
        .first()
    )
    if found is None:
        raise Http404("No such source.")
    return found


def source_by_name(*, workspace: Workspace, name: str) -> Source | None:
    return Source.objects.filter(workspace=workspace, name__iexact=name.strip()).first()


def web_form_source(*, workspace: Workspace, active_only: bool = True) -> Source | None:
    """The source the public form files into: the workspace's first web-form source."""
    found = Source.objects.filter(workspace=workspace, channel=Channel.WEB_FORM)
    if active_only:
        found = found.filter(is_active=True)
    return found.order_by("-is_active", "pk").first()


def webhook_source(*, workspace_slug: str, source_id: int) -> Source | None:
    """An active webhook source by its URL, for deliveries that carry no credentials."""
    return (
        Source.objects.select_related("workspace")
        .filter(
            workspace__slug=workspace_slug,
            pk=source_id,
            channel=Channel.WEBHOOK,
            is_active=True,
        )
        .exclude(webhook_secret="")
        .first()
    )


def tools(*, workspace: Workspace) -> QuerySet[Tool]:
    """The inventory's tools a source may name."""
    return Tool.objects.filter(workspace=workspace).order_by("name").only("pk", "name")


def accounts(*, workspace: Workspace) -> QuerySet[Account]:
    """Accounts newest first (for cursor pages), with how many counted items each gave (spam
    is not the account's feedback: selectors/evidence.py)."""
    return Account.objects.filter(workspace=workspace).annotate(
        item_count=_item_count("account", FeedbackItem, COUNTED),
        contact_count=_item_count("account", Contact),
    )


def account(*, workspace: Workspace, account_id: int) -> Account:
    found = accounts(workspace=workspace).filter(pk=account_id).first()
    if found is None:
        raise Http404("No such account.")
    return found


def account_choices(*, workspace: Workspace) -> QuerySet[Account]:
    """Accounts by name, for pickers (slice it for a drop-down; filter it to validate a choice)."""
    return Account.objects.filter(workspace=workspace).order_by("name", "pk").only("pk", "name")


def contacts(*, workspace: Workspace) -> QuerySet[Contact]:
    return Contact.objects.filter(workspace=workspace).select_related("account")


# Duplicate candidates. Both titles and bodies go through the full-text index: the text's most
# telling words ANDed, newest matches only, then trigram similarity ranks that short list. (A
# trigram `%` search over a million titles costs seconds when titles share common words; see
# ../shared/PERFORMANCE.md.)
TITLE_THRESHOLD = 0.45
BODY_THRESHOLD = 0.3
RECENT_MATCHES = 50
COMPARED_CHARS = 2000  # of a body: enough to tell, and bounded
WORD = re.compile(r"[a-z][a-z0-9]{3,}")
STOPWORDS = frozenset(
    """
    this that with have from they them their there would could should about which when what
    your into just like also been were will more than only some very really please thanks
    thank want need does doesn dont cant wont isnt youre were been being because while where
    these those then than other every each after before again still even much many most
    here make made using used able know think feel seems seem things thing something
    """.split()
)


def significant_words(text: str, limit: int = 4) -> list[str]:
    """The body's most telling words: distinct, not filler, longest first (rarer, as a rule)."""
    words = dict.fromkeys(w for w in WORD.findall(text.lower()) if w not in STOPWORDS)
    return sorted(words, key=len, reverse=True)[:limit]


@dataclass(frozen=True)
class _Search:
    item_id: int
    words: str  # the telling words, ANDed by plainto_tsquery
    text: str  # what candidates are compared with: the title, or else the body's start
    by_title: bool


def _search_for(item: FeedbackItem) -> _Search | None:
    by_title = bool(item.title.strip())
    text = item.title if by_title else item.body
    # Folded like the search column, so "café" in the text finds "cafe" in the index.
    words = significant_words(fold(text), limit=3 if by_title else 4)
    if len(words) < (1 if by_title else 2):
        return None
    return _Search(item.pk, " ".join(words), text[:COMPARED_CHARS], by_title)


# One branch per item, each with its own words as literals, so the planner picks each item's
# plan from its words' frequencies: walking the newest-first index when they are common, the
# GIN index when they are rare. (A LATERAL join over the batch gets one generic plan, the GIN
# one, which sorts thousands of matches per item when words are common: 50x slower.)
_NEWEST_MATCHES = """(
    SELECT %s::bigint, f.id FROM feedback_feedbackitem f
    WHERE f.workspace_id = %s AND f.search @@ plainto_tsquery('english', %s)
      AND f.id <> %s AND f.status <> 'spam' AND f.duplicate_of_id IS NULL
    ORDER BY f.received_at DESC, f.id DESC
    LIMIT %s
)"""
_COMPARED_TEXTS = """
    SELECT id,
           CASE WHEN id = ANY(%(by_title)s) THEN title ELSE '' END,
           CASE WHEN id = ANY(%(by_body)s) THEN left(body, %(chars)s) ELSE '' END
    FROM feedback_feedbackitem
    WHERE workspace_id = %(workspace)s AND id = ANY(%(ids)s)
"""


def duplicate_matches(*, item: FeedbackItem, limit: int = 5) -> list[tuple[int, float]]:
    """(item id, score) of other items of the workspace that may say the same as `item`."""
    return duplicate_matches_for(workspace_id=item.workspace_id, items=[item], limit=limit).get(
        item.pk, []
    )


def duplicate_matches_for(
    *, workspace_id: int, items: Sequence[FeedbackItem], limit: int = 5
) -> dict[int, list[tuple[int, float]]]:
    """item id -> [(candidate item id, score 0..1)], best first, at most `limit` each, for items
    of one workspace; an item without enough telling words has no entry.

    A candidate is one of the `RECENT_MATCHES` newest items holding all the text's telling words
    (not spam, not merged, not the item itself) whose trigram similarity (`feedback/similarity`)
    reaches `TITLE_THRESHOLD` between titles or `BODY_THRESHOLD` between bodies (for an item
    without a title). Two statements for the whole batch: the matches of every item, then the
    compared texts of the distinct candidates, each turned into trigrams once.
    """
    searches = [s for s in map(_search_for, items) if s is not None]
    if not searches:
        return {}
    newest: dict[int, list[int]] = {s.item_id: [] for s in searches}
    with transaction.atomic(), connection.cursor() as cursor:
        # Hundreds of small branches add up to a plan cost that would start the JIT compiler,
        # which takes longer than running them.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            " UNION ALL ".join([_NEWEST_MATCHES] * len(searches)),
            [
                value
                for s in searches
                for value in (s.item_id, workspace_id, s.words, s.item_id, RECENT_MATCHES)
            ],
        )
        for item_id, candidate_id in cursor.fetchall():
            newest[item_id].append(candidate_id)
        by_title = {c for s in searches if s.by_title for c in newest[s.item_id]}
        by_body = {c for s in searches if not s.by_title for c in newest[s.item_id]}
        cursor.execute(
            _COMPARED_TEXTS,
            {
                "by_title": list(by_title),
                "by_body": list(by_body),
                "chars": COMPARED_CHARS,
                "workspace": workspace_id,
                "ids": list(by_title | by_body),
            },
        )
        rows = cursor.fetchall()
    compared = {(pk, True): trigrams(title) for pk, title, _ in rows if pk in by_title}
    compared |= {(pk, False): trigrams(body) for pk, _, body in rows if pk in by_body}
    return {
        search.item_id: best_matches(
            trigrams(search.text),
            (
                (candidate_id, theirs)
                for candidate_id in newest[search.item_id]
                # (Absent only when deleted between the two statements.)
                if (theirs := compared.get((candidate_id, search.by_title))) is not None
            ),
            threshold=TITLE_THRESHOLD if search.by_title else BODY_THRESHOLD,
            limit=limit,
        )
        for search in searches
    }


ACCOUNT_SORTS = {
    "revenue": ("-annual_revenue", "name", "pk"),
    "feedback": ("-item_count", "name", "pk"),
    "name": ("name", "pk"),
}
ACCOUNT_PAGE = 200


def account_list(
    *, workspace: Workspace, query: str = "", segment: str = "", sort: str = "revenue"
) -> list[Account]:
    """The accounts page: by revenue (or feedback, or name), each with its feedback figures."""
    found = accounts(workspace=workspace).annotate(
        last_received=Subquery(
            FeedbackItem.objects.filter(COUNTED, account=OuterRef("pk"))
            .order_by("-received_at")
            .values("received_at")[:1]
        )
    )
    if query.strip():
        found = found.filter(
            Q(contains_folded("name", query.strip())) | Q(contains_folded("domain", query.strip()))
        )
    if segment:
        found = found.filter(segment=segment)
    return list(found.order_by(*ACCOUNT_SORTS.get(sort, ACCOUNT_SORTS["revenue"]))[:ACCOUNT_PAGE])


def account_segments(*, workspace: Workspace) -> list[str]:
    return list(
        Account.objects.filter(workspace=workspace)
        .exclude(segment="")
        .order_by("segment")
        .values_list("segment", flat=True)
        .distinct()
    )


def account_days(*, account: Account, time_zone: str) -> set[date]:
    """The days (of `time_zone`) on which the account's items were received."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT (received_at AT TIME ZONE %s)::date FROM feedback_feedbackitem
                WHERE workspace_id = %s AND account_id = %s""",
            [time_zone, account.workspace_id, account.pk],
        )
        return {row[0] for row in cursor.fetchall()}


def account_feedback(*, account: Account, limit: int = 25) -> list[FeedbackItem]:
    return list(
        FeedbackItem.objects.filter(COUNTED, workspace_id=account.workspace_id, account=account)
        .select_related("source", "contact")
        .defer("search")
        .order_by("-received_at", "-id")[:limit]
    )


def account_contacts(*, account: Account) -> list[Contact]:
    return list(
        Contact.objects.filter(workspace_id=account.workspace_id, account=account)
        .annotate(item_count=_item_count("contact"))
        .order_by("-item_count", "name", "email")[:100]
    )


class AccountIdea(TypedDict):
    """One row of account_ideas: an idea and how many of the account's items ask for it."""

    idea_id: int
    idea__title: str
    idea__status__name: str
    idea__status__category: str
    items: int


def account_ideas(*, account: Account) -> list[AccountIdea]:
    """The ideas this account asked for, through its counted items (selectors/evidence.py):
    items linked to the idea, or merged into a linked item; most asked first."""
    return list(
        IdeaLink.objects.filter(workspace_id=account.workspace_id)
        .filter(
            Q(item__account=account, item__status__in=COUNTED_STATUSES)
            | Q(
                item__duplicates__account=account,
                item__duplicates__status__in=COUNTED_STATUSES,
            )
        )
        .values("idea_id", "idea__title", "idea__status__name", "idea__status__category")
        .annotate(items=Count("item", distinct=True))
        .order_by("-items", "idea__title")[:50]
    )


def pending_count(*, workspace: Workspace) -> int:
    """Items intake stored that background processing has not reached yet."""
    return FeedbackItem.objects.filter(workspace=workspace, processed_at=None).count()
