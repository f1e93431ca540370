"""Duplicate candidates for a whole batch at once give what ranking each item in SQL gave: the
same candidates, in the same order, with the same stored scores, in a constant number of queries.
"""

import random

import pytest
from django.db import connection

from feedback.models import FeedbackItem, Source
from feedback.selectors import intake as selectors
from feedback.similarity import as_printed, similarity, trigrams
from productops.folding import fold
from tests.feedback.test_similarity import REFERENCE

WORDS = (
    "export import calendar sync slack login sso invoice billing report chart mobile offline "
    "timeout crash search filter dashboard webhook roles audit archive"
).split()
# Accents (composed and not), scripts with vowel signs, a word-final Σ, İ, circled letters,
# fractions and Roman numerals, underscores and digits: where Python's and C's ideas of a word
# or of lower case part.
ODD = (
    "café crème cafe\u0301 Zoë naïve 日本語 straße ÉCOLE emoji🙂 snake_case foo-bar 42 v2.1 ½ Ⅻ "
    "ΣΟΦΙΑΣ σοφιας İstanbul हिन्दी ภาษาไทย Привет ⓐⓑⓒ ǅemal"
).split()


def sql_similarity(function: str, a: str, b: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [a, b])
        return cursor.fetchone()[0]


def ranked_in_sql(item: FeedbackItem, limit: int = 5) -> list[tuple[int, float]]:
    """The ranking as one SQL statement per item did it before batches (feedback_similarity()
    over the newest full-text matches): the reference the batch must reproduce."""
    by_title = bool(item.title.strip())
    text = item.title if by_title else item.body
    words = selectors.significant_words(fold(text), limit=3 if by_title else 4)
    if len(words) < (1 if by_title else 2):
        return []
    compared = "title" if by_title else "left(body, 2000)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT id, score FROM (
                SELECT id, feedback_similarity({compared}, left(%(text)s, 2000)) AS score
                FROM (
                    SELECT id, title, body FROM feedback_feedbackitem
                    WHERE workspace_id = %(workspace)s
                      AND search @@ plainto_tsquery('english', %(words)s)
                      AND id <> %(id)s AND status <> 'spam' AND duplicate_of_id IS NULL
                    ORDER BY received_at DESC, id DESC
                    LIMIT 50
                ) recent
            ) scored
            WHERE score >= %(threshold)s
            ORDER BY score DESC, id DESC
            LIMIT %(limit)s
            """,
            {
                "text": text,
                "workspace": item.workspace_id,
                "words": " ".join(words),
                "id": item.pk,
                "threshold": selectors.TITLE_THRESHOLD if by_title else selectors.BODY_THRESHOLD,
                "limit": limit,
            },
        )
        return [(pk, float(score)) for pk, score in cursor.fetchall()]


def random_text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS + ODD, k=words))


def test_python_trigrams_give_pg_trgms_reference_scores():
    assert [
        as_printed(similarity(trigrams(a), trigrams(b))) for a, b, _ in REFERENCE
    ] == pytest.approx([s for *_, s in REFERENCE])


@pytest.mark.django_db
@pytest.mark.parametrize("function", ["feedback_similarity", "feedback_similarity_plain"])
def test_python_similarity_equals_the_servers_to_the_last_bit(function):
    rng = random.Random(5)
    pairs = [
        (random_text(rng, rng.randint(0, 8)), random_text(rng, rng.randint(1, 8)))
        for _ in range(150)
    ]
    pairs += [("Calendar", "Sync calendar teams"), ("HELLO world", "hello-World!"), ("", "")]

    ours = [as_printed(similarity(trigrams(a), trigrams(b))) for a, b in pairs]

    assert ours == [sql_similarity(function, a, b) for a, b in pairs]


@pytest.fixture
def source(workspace_a) -> Source:
    return Source.objects.create(workspace=workspace_a, name="API", channel="api")


def many_items(workspace, source, count: int, seed: int) -> list[FeedbackItem]:
    """Titled and untitled items over few words, so most share telling words with others."""
    rng = random.Random(seed)
    return FeedbackItem.objects.bulk_create(
        FeedbackItem(
            workspace=workspace,
            source=source,
            title="" if rng.random() < 0.5 else random_text(rng, rng.randint(2, 5)),
            body=random_text(rng, rng.randint(3, 30)),
            status="spam" if rng.random() < 0.05 else "new",
        )
        for _ in range(count)
    )


def test_a_batch_finds_what_one_sql_ranking_per_item_found(source, workspace_a, workspace_b):
    items = many_items(workspace_a, source, 400, seed=1)
    theirs = Source.objects.create(workspace=workspace_b, name="API", channel="api")
    many_items(workspace_b, theirs, 50, seed=1)  # the same texts, in another workspace
    FeedbackItem.objects.filter(pk__in=[i.pk for i in items[:20]]).update(duplicate_of=items[30])

    batch = selectors.duplicate_matches_for(workspace_id=workspace_a.pk, items=items)

    expected = {i.pk: ranked_in_sql(i) for i in items}
    assert sum(len(found) for found in expected.values()) > 300  # the check has teeth
    assert {pk: batch.get(pk, []) for pk in expected} == expected


def test_a_title_scoring_nine_twentieths_stays_below_a_threshold_of_0_45(source, workspace_a):
    # 9/20 as a 4-byte float is 0.449999988: SQL's `score >= 0.45` said no, and so do we.
    FeedbackItem.objects.create(workspace=workspace_a, source=source, title="Sync calendar teams")
    FeedbackItem.objects.create(workspace=workspace_a, source=source, title="Sync calendar team")
    item = FeedbackItem.objects.create(workspace=workspace_a, source=source, title="Calendar")

    found = selectors.duplicate_matches(item=item)

    assert sql_similarity("feedback_similarity", "Calendar", "Sync calendar teams") == 0.45
    assert found == ranked_in_sql(item)
    assert [
        title
        for title in FeedbackItem.objects.filter(pk__in=dict(found)).values_list("title", flat=True)
    ] == ["Sync calendar team"]


def test_a_batch_costs_the_same_queries_at_any_size(source, workspace_a, django_assert_num_queries):
    items = many_items(workspace_a, source, 200, seed=2)
    with django_assert_num_queries(5):  # savepoint, jit off, matches, texts, release
        selectors.duplicate_matches_for(workspace_id=workspace_a.pk, items=items[:3])
    with django_assert_num_queries(5):
        selectors.duplicate_matches_for(workspace_id=workspace_a.pk, items=items)
