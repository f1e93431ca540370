"""Counted evidence: the one definition of which feedback counts, and how it is counted.

Used by demand (the ideas list, the board, an idea's page, the ideas export and API), the
accounts pages, an item's votes in triage, loop-closure recipients, and by planning and
dashboards. Nothing else decides what counts.

- An item is evidence for an idea when it is linked to the idea, or is a duplicate merged into
  a linked item (so a merge in triage never loses a customer).
- Spam never counts: an item marked spam after it was linked drops out of every figure, and its
  sender is not told when the loop is closed. Status is read at query time, so restoring the
  item brings it back.
- **Mentions** are the counted items. **Votes** are the distinct people among them: two items
  from one contact are one vote. An item with no known contact is a person of its own, since
  anonymous senders cannot be told apart and dropping them would undercount.
- **Accounts** and **revenue** are over the distinct accounts of the counted items, so one
  company's several requests never multiply its revenue.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL

from feedback.models import Account, FeedbackItem, Idea, IdeaLink, Status

# The rule as a filter on FeedbackItem (for ORM reads of items) and as SQL (for the raw parts).
COUNTED = ~Q(status=Status.SPAM)
COUNTED_STATUSES = tuple(s for s in Status.values if s != Status.SPAM)
_COUNTED_SQL = f"status <> '{Status.SPAM.value}'"


def evidence_sql(idea_id: str) -> str:
    """SQL of the counted items for one idea: rows (item_id, account_id, contact_id,
    received_at), each item once.

    `idea_id` is an SQL expression: an outer column for a correlated subquery
    (`feedback_idea.id`) or a `%s` placeholder. Both halves start from the idea's links and use
    indexes (the item's pk, feedback_duplicates), so the cost follows the idea's links, not the
    size of the feedback table.
    """
    return f"""
        SELECT i.id AS item_id, i.account_id, i.contact_id, i.received_at
          FROM feedback_idealink l JOIN feedback_feedbackitem i ON i.id = l.item_id
         WHERE l.idea_id = {idea_id} AND i.{_COUNTED_SQL}
        UNION
        SELECT d.id, d.account_id, d.contact_id, d.received_at
          FROM feedback_idealink l JOIN feedback_feedbackitem d ON d.duplicate_of_id = l.item_id
         WHERE l.idea_id = {idea_id} AND d.{_COUNTED_SQL}
    """


def person_sql(alias: str) -> str:
    """The person an evidence row counts as: its contact, or the item itself when unknown
    (item ids negated so they never collide with contact ids)."""
    return f"coalesce({alias}.contact_id, -{alias}.item_id)"


def _figure(select: str, evidence: str) -> str:
    return f"(SELECT {select} FROM ({evidence}) e)"


_IDEA = evidence_sql("feedback_idea.id")
_MONEY = DecimalField(max_digits=16, decimal_places=2)
_SQL = {
    "mentions": _figure("count(*)", _IDEA),
    "votes": _figure(f"count(DISTINCT {person_sql('e')})", _IDEA),
    "unique_accounts": _figure("count(DISTINCT e.account_id)", _IDEA),
    "revenue": f"""(SELECT coalesce(sum(a.annual_revenue), 0) FROM feedback_account a
        WHERE a.id IN (SELECT e.account_id FROM ({_IDEA}) e))""",
}


def with_evidence(
    queryset: QuerySet[Idea], *, since: dict[str, datetime] | None = None
) -> QuerySet[Idea]:
    """Annotates each idea with `mentions`, `votes`, `unique_accounts` and `revenue`, plus a
    count of mentions received at or after each moment in `since` ({"recent_30": moment}).

    `queryset` must be a plain Idea queryset: the raw parts name the feedback_idea table.
    """
    annotations = {
        name: RawSQL(sql, [], output_field=_MONEY if name == "revenue" else IntegerField())
        for name, sql in _SQL.items()
    }
    for name, moment in (since or {}).items():
        annotations[name] = RawSQL(
            f"(SELECT count(*) FROM ({_IDEA}) e WHERE e.received_at >= %s)",
            [moment],
            output_field=IntegerField(),
        )
    return queryset.annotate(**annotations)


def ideas_asked_by(*, item: FeedbackItem) -> list[int]:
    """The ideas whose evidence includes `item` when it counts: those linked to it or to the
    original it was merged into (whatever its status now)."""
    asking = [item.pk] + ([item.duplicate_of_id] if item.duplicate_of_id else [])
    return list(
        IdeaLink.objects.filter(item_id__in=asking).values_list("idea_id", flat=True).distinct()
    )


def ideas_asked_by_account(*, workspace_id: int, account_id: int) -> list[int]:
    """The ideas whose evidence includes an item of the account (linked to it, or to the
    original it was merged into): their revenue and unique accounts count the account."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT l.idea_id FROM feedback_feedbackitem i
                 JOIN feedback_idealink l ON l.item_id IN (i.id, i.duplicate_of_id)
                WHERE i.workspace_id = %s AND i.account_id = %s""",
            [workspace_id, account_id],
        )
        return [row[0] for row in cursor.fetchall()]


def evidence_items(*, idea: Idea) -> QuerySet[FeedbackItem]:
    """The counted items of an idea as a queryset (linked items and their duplicates, no spam).

    The linked ids are read first, so the OR below is two index lookups (pk, duplicate_of)
    rather than a scan of the feedback table.
    """
    linked = list(idea.links.values_list("item_id", flat=True))
    return FeedbackItem.objects.filter(
        Q(pk__in=linked) | Q(duplicate_of__in=linked), COUNTED, workspace=idea.workspace_id
    )


def has_evidence(idea_id: str) -> Exists:
    """Whether the idea whose id is the outer query's `idea_id` (a field or an annotation) has
    counted evidence: a linked item, or a duplicate merged into one, that is not spam. The ORM
    twin of `evidence_sql`, to filter rows of other models by their idea."""
    counted_duplicate = FeedbackItem.objects.filter(COUNTED, duplicate_of_id=OuterRef("item_id"))
    return Exists(
        IdeaLink.objects.filter(idea_id=OuterRef(idea_id)).filter(
            Q(item__status__in=COUNTED_STATUSES) | Exists(counted_duplicate)
        )
    )


def asking_accounts(*, idea: Idea) -> QuerySet[Account]:
    """The accounts of an idea's counted items, each with `item_count` (its counted items)."""
    asking = evidence_items(idea=idea).values("pk")
    return Account.objects.filter(workspace=idea.workspace_id, items__in=asking).annotate(
        item_count=Count("items", distinct=True)
    )


@dataclass(frozen=True)
class Evidence:
    mentions: int
    votes: int
    unique_accounts: int
    revenue: Decimal


def workspace_evidence_sql(*, workspace: str = "%(workspace)s", ideas: str | None = None) -> str:
    """SQL of the counted evidence of a workspace's ideas: rows (idea_id, item_id, account_id,
    contact_id, received_at), each item once per idea. For batch reads and dashboards' rollups.

    `workspace` is the SQL for the workspace id (a named placeholder by default); `ideas`, when
    given, is SQL for an array of idea ids to keep (e.g. `%(ideas)s`).
    """
    keep = f" AND l.idea_id = ANY({ideas})" if ideas else ""
    return f"""
        SELECT l.idea_id, i.id AS item_id, i.account_id, i.contact_id, i.received_at
          FROM feedback_idealink l JOIN feedback_feedbackitem i ON i.id = l.item_id
         WHERE l.workspace_id = {workspace}{keep} AND i.{_COUNTED_SQL}
        UNION
        SELECT l.idea_id, d.id, d.account_id, d.contact_id, d.received_at
          FROM feedback_idealink l
          JOIN feedback_feedbackitem d ON d.duplicate_of_id = l.item_id
         WHERE l.workspace_id = {workspace}{keep} AND d.{_COUNTED_SQL}
    """


def idea_evidence(*, workspace_id: int, idea_ids: list[int]) -> dict[int, Evidence]:
    """The figures of many ideas in one query, for planning and dashboards; ideas with no
    counted evidence are absent."""
    if not idea_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH evidence AS ({workspace_evidence_sql(ideas="%(ideas)s")}),
            accounts AS (
                SELECT DISTINCT e.idea_id, e.account_id FROM evidence e
                 WHERE e.account_id IS NOT NULL
            )
            SELECT e.idea_id, count(*), count(DISTINCT {person_sql("e")}),
                   (SELECT count(*) FROM accounts x WHERE x.idea_id = e.idea_id),
                   (SELECT coalesce(sum(a.annual_revenue), 0) FROM accounts x
                      JOIN feedback_account a ON a.id = x.account_id
                     WHERE x.idea_id = e.idea_id)
              FROM evidence e GROUP BY e.idea_id
            """,
            {"workspace": workspace_id, "ideas": list(idea_ids)},
        )
        return {
            row[0]: Evidence(row[1], row[2], row[3], Decimal(row[4])) for row in cursor.fetchall()
        }


# An item's own figures in triage: the item and the duplicates merged into it, spam excepted.
# The outer row is feedback_feedbackitem.
_ITEM_EVIDENCE = f"""
    SELECT d.id AS item_id, d.contact_id FROM feedback_feedbackitem d
     WHERE d.id = feedback_feedbackitem.id AND d.{_COUNTED_SQL}
    UNION ALL
    SELECT d.id, d.contact_id FROM feedback_feedbackitem d
     WHERE d.duplicate_of_id = feedback_feedbackitem.id AND d.{_COUNTED_SQL}
"""


def item_votes() -> RawSQL:
    """Distinct people among an item and its merged duplicates (spam excepted)."""
    return RawSQL(
        _figure(f"count(DISTINCT {person_sql('e')})", _ITEM_EVIDENCE),
        [],
        output_field=IntegerField(),
    )


def item_mentions() -> RawSQL:
    """An item and its merged duplicates (spam excepted)."""
    return RawSQL(_figure("count(*)", _ITEM_EVIDENCE), [], output_field=IntegerField())
