"""Processing after intake: sentiment, contact and account matching, duplicate candidates."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from feedback.models import Account, Contact, DuplicateCandidate, FeedbackItem, Source
from feedback.sentiment import score
from feedback.services import intake as services
from feedback.services import processing
from feedback.services.intake import IntakeItem


@pytest.fixture
def source(workspace_a) -> Source:
    return Source.objects.create(workspace=workspace_a, name="API", channel="api")


def submit(actor, source, *items: IntakeItem):
    return services.feedback_submit(actor=actor, source=source, items=list(items))


def process(workspace) -> int:
    return processing.feedback_process_pending(workspace_id=workspace.pk).processed


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love the new dashboard, it is really fast", "positive"),
        ("The export is broken and support was useless", "negative"),
        ("Export is not working since Monday", "negative"),
        ("This is not great", "negative"),
        ("Not bad at all, works fine", "positive"),
        ("Please add SSO for our team", "neutral"),
        ("It looks nice but the search is painfully slow and crashes", "negative"),
        ("I don't like the new layout", "negative"),
    ],
)
def test_the_scorer_reads_negation_and_but(text, label):
    assert score(text).label == label


def test_processing_scores_sentiment_and_marks_items_processed(pm, source, workspace_a):
    submit(
        pm.actor,
        source,
        IntakeItem(body="Absolutely love the roadmap view, thank you!"),
        IntakeItem(body="The mobile app crashes every time I upload a photo"),
    )

    assert process(workspace_a) == 2

    items = {i.body[:10]: i for i in FeedbackItem.objects.all()}
    assert items["Absolutely"].sentiment == "positive"
    assert items["Absolutely"].sentiment_score > 0.2
    assert items["The mobile"].sentiment == "negative"
    assert not FeedbackItem.objects.filter(processed_at=None).exists()


def test_processing_never_overwrites_a_pms_sentiment(pm, source, workspace_a):
    submit(pm.actor, source, IntakeItem(body="This is terrible and broken"))
    FeedbackItem.objects.update(sentiment="positive", sentiment_overridden=True)

    process(workspace_a)

    assert FeedbackItem.objects.get().sentiment == "positive"


def test_processing_matches_items_that_arrived_without_a_contact(source, workspace_a):
    known = Account.objects.create(workspace=workspace_a, name="Initech", domain="initech.com")
    for email in ("peter@initech.com", "milton@gmail.com", "bill@newco.io"):
        FeedbackItem.objects.create(
            workspace=workspace_a, source=source, body="Stapler", submitter_email=email
        )

    process(workspace_a)

    by_email = {i.submitter_email: i for i in FeedbackItem.objects.select_related("contact")}
    assert by_email["peter@initech.com"].account == known
    assert by_email["peter@initech.com"].contact.account == known
    assert by_email["milton@gmail.com"].contact.email == "milton@gmail.com"
    assert by_email["milton@gmail.com"].account is None  # gmail.com makes no account
    assert by_email["bill@newco.io"].account.domain == "newco.io"
    assert Contact.objects.count() == 3
    assert sorted(Account.objects.values_list("domain", flat=True)) == ["initech.com", "newco.io"]


def test_a_near_duplicate_title_gets_a_candidate(pm, source, workspace_a, workspace_b):
    first = submit(
        pm.actor, source, IntakeItem(title="Export to CSV fails for large projects", body="a")
    ).outcomes[0]
    unrelated = submit(pm.actor, source, IntakeItem(title="Dark mode for the editor", body="b"))
    theirs = Source.objects.create(workspace=workspace_b, name="API", channel="api")
    FeedbackItem.objects.create(
        workspace=workspace_b, source=theirs, title="CSV export fails for large projects", body="c"
    )
    process(workspace_a)

    near = submit(
        pm.actor, source, IntakeItem(title="CSV export fails for large projects", body="d")
    ).outcomes[0]
    process(workspace_a)

    candidates = list(
        DuplicateCandidate.objects.filter(item_id=near.item_id).values_list("candidate_id", "score")
    )
    assert [c for c, _ in candidates] == [first.item_id]
    assert candidates[0][1] >= 0.45
    assert not DuplicateCandidate.objects.filter(
        candidate_id=unrelated.outcomes[0].item_id
    ).exists()
    assert not DuplicateCandidate.objects.filter(
        item_id=near.item_id, candidate_id=near.item_id
    ).exists()


def test_bodies_without_titles_match_on_their_telling_words(pm, source, workspace_a):
    original = submit(
        pm.actor,
        source,
        IntakeItem(body="The calendar integration duplicates recurring meetings every week"),
    ).outcomes[0]
    submit(pm.actor, source, IntakeItem(body="Billing page shows the wrong currency"))
    process(workspace_a)

    repeat = submit(
        pm.actor,
        source,
        IntakeItem(body="Calendar integration keeps duplicating recurring meetings each week"),
    ).outcomes[0]
    process(workspace_a)

    assert list(
        DuplicateCandidate.objects.filter(item_id=repeat.item_id).values_list(
            "candidate_id", flat=True
        )
    ) == [original.item_id]


def test_processing_twice_changes_nothing(pm, source, workspace_a):
    submit(
        pm.actor,
        source,
        IntakeItem(title="Slack notifications are delayed", body="by hours", email="x@hooli.com"),
        IntakeItem(title="Slack notifications delayed", body="again", email="y@hooli.com"),
    )
    assert process(workspace_a) == 2
    before = list(FeedbackItem.objects.order_by("pk").values())
    candidates = list(DuplicateCandidate.objects.order_by("pk").values())

    assert process(workspace_a) == 0

    assert list(FeedbackItem.objects.order_by("pk").values()) == before
    assert list(DuplicateCandidate.objects.order_by("pk").values()) == candidates


def test_an_item_changed_at_intake_is_processed_again(pm, source, workspace_a):
    submit(pm.actor, source, IntakeItem(body="I love it", external_id="e1"))
    process(workspace_a)

    submit(pm.actor, source, IntakeItem(body="It is broken now, terrible", external_id="e1"))
    assert FeedbackItem.objects.get().processed_at is None
    process(workspace_a)

    assert FeedbackItem.objects.get().sentiment == "negative"


def test_spam_is_scored_but_never_a_duplicate_candidate(source, workspace_a):
    FeedbackItem.objects.create(
        workspace=workspace_a, source=source, title="Cheap watches here", body="x", status="spam"
    )
    FeedbackItem.objects.create(
        workspace=workspace_a, source=source, title="Cheap watches here", body="y"
    )

    process(workspace_a)

    assert not DuplicateCandidate.objects.exists()


def test_two_workers_process_each_item_once(transactional_db, personas):
    workspace = personas["pm"].membership.workspace
    source = Source.objects.create(workspace=workspace, name="API", channel="api")
    FeedbackItem.objects.bulk_create(
        FeedbackItem(workspace=workspace, source=source, body=f"Feedback number {n}")
        for n in range(600)
    )
    start = threading.Barrier(2)
    counts = []

    def work():
        try:
            start.wait(timeout=10)
            counts.append(process(workspace))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(counts) == 600
    assert not FeedbackItem.objects.filter(processed_at=None).exists()
    assert FeedbackItem.objects.filter(processed_at__lte=timezone.now()).count() == 600


def test_processing_stops_at_its_budget_a_batch_at_a_time_and_says_more_is_left(pm, workspace_a):
    source = Source.objects.create(workspace=workspace_a, name="Bulk", channel="api")
    FeedbackItem.objects.bulk_create(
        FeedbackItem(workspace=workspace_a, source=source, body=f"Feedback number {n}")
        for n in range(450)
    )

    runs = [
        processing.feedback_process_pending(workspace_id=workspace_a.pk, budget_seconds=0)
        for _ in range(3)
    ]

    assert [(r.processed, r.more) for r in runs] == [(200, True), (200, True), (50, False)]
    assert processing.processing_left(workspace_id=workspace_a.pk) == 0
