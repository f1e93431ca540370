"""Closing the loop: the preview, one email per person however often it runs, items marked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import FeedbackItem, LoopClosure, LoopNotice
from feedback.selectors import ideas as idea_selectors
from feedback.services import ideas as services
from feedback.services import loop_closures
from productops import lost_work
from productops.models import OutboundEmail
from tests.conftest import signed_in
from tests.feedback import ideas_data as data


def _status(workspace, name):
    return next(s for s in idea_selectors.statuses(workspace=workspace) if s.name == name)


@pytest.fixture
def asked(pm, workspace_a):
    """An idea asked for by Ana (twice), Bo (through a duplicate) and someone without email."""
    idea = services.idea_create(actor=pm.actor, title="Dark mode")
    acme = data.account(workspace_a, "Acme", 100)
    ana = data.contact(workspace_a, "ana@acme.test", "Ana", acme)
    bo = data.contact(workspace_a, "bo@globex.test", "Bo")
    nobody = data.contact(workspace_a, "", "No Email")
    first = data.item(workspace_a, "dark please", contact=ana)
    second = data.item(workspace_a, "my eyes", contact=ana)
    duplicate = data.item(workspace_a, "night theme", contact=bo, duplicate_of=first)
    no_email = data.item(workspace_a, "dark!", contact=nobody)
    data.item(workspace_a, "unrelated", contact=data.contact(workspace_a, "zed@x.test", "Zed"))
    services.idea_link(actor=pm.actor, idea=idea, items=[first, second, no_email])
    idea.refresh_from_db()
    return idea, [first, second, duplicate, no_email]


def _ship(pm, idea, workspace):
    return services.idea_update(
        actor=pm.actor,
        idea=idea,
        expected_version=idea.version,
        status=_status(workspace, "Shipped"),
    )


def test_the_preview_lists_each_person_who_asked_once_with_a_default_message(
    pm, workspace_a, asked
):
    idea, _ = asked
    _ship(pm, idea, workspace_a)

    response = signed_in(pm).get(f"/w/alpha/ideas/{idea.pk}/close/")

    text = response.content.decode()
    assert response.status_code == 200
    assert "data-recipients>2<" in text
    assert "ana@acme.test" in text and "bo@globex.test" in text
    assert text.count("ana@acme.test") == 2  # the recipient row and the preview's To
    assert "zed@x.test" not in text
    assert "It&#x27;s live: Dark mode" in text or "It's live: Dark mode" in text
    assert "Hi Ana," in text


def test_the_preview_shows_the_edited_text_with_placeholders_filled(pm, workspace_a, asked):
    idea, _ = asked
    _ship(pm, idea, workspace_a)
    response = signed_in(pm).post(
        f"/w/alpha/ideas/{idea.pk}/close/",
        {
            "subject": "{idea} is out",
            "message": "Dear {name}, {idea} shipped.",
            "action": "preview",
        },
    )
    text = response.content.decode()
    assert "Dark mode is out" in text and "Dear Ana, Dark mode shipped." in text
    assert not LoopClosure.objects.exists()


def test_the_close_page_refuses_to_send_for_an_open_idea(pm, workspace_a, asked):
    idea, _ = asked
    response = signed_in(pm).post(
        f"/w/alpha/ideas/{idea.pk}/close/", {"subject": "s", "message": "m", "action": "send"}
    )
    assert response.status_code == 400
    assert not LoopClosure.objects.exists()


def test_confirming_tells_each_person_once_and_marks_the_items(
    pm, workspace_a, asked, django_capture_on_commit_callbacks
):
    idea, items = asked
    _ship(pm, idea, workspace_a)
    with django_capture_on_commit_callbacks() as callbacks:
        response = signed_in(pm).post(
            f"/w/alpha/ideas/{idea.pk}/close/",
            {"subject": "{idea} shipped", "message": "Hi {name}", "action": "send"},
        )
    assert response.status_code == 302
    closure = LoopClosure.objects.get(idea=idea)
    assert closure.outcome == "shipped"
    assert callbacks, "the sender is woken once the closure commits"

    sent = loop_closures.loop_closure_send(closure_id=closure.pk)

    assert sent == 2
    emails = {e.to: (e.subject, e.body) for e in OutboundEmail.objects.all()}
    assert emails == {
        "ana@acme.test": ("Dark mode shipped", "Hi Ana"),
        "bo@globex.test": ("Dark mode shipped", "Hi Bo"),
    }
    assert all(
        i.loop_closed_at is not None
        for i in FeedbackItem.objects.filter(pk__in=[i.pk for i in items])
    )
    assert FeedbackItem.objects.get(body="unrelated").loop_closed_at is None
    closure.refresh_from_db()
    assert closure.finished_at is not None
    page = signed_in(pm).get(f"/w/alpha/ideas/{idea.pk}/").content.decode()
    assert "loop closed" in page and "2 told" in page


def test_running_the_sender_twice_sends_nothing_more(pm, workspace_a, asked):
    idea, _ = asked
    _ship(pm, idea, workspace_a)
    closure = loop_closures.loop_closure_create(actor=pm.actor, idea=idea, subject="s", message="m")

    assert loop_closures.loop_closure_send(closure_id=closure.pk) == 2
    LoopClosure.objects.filter(pk=closure.pk).update(finished_at=None)  # as if it died after
    assert loop_closures.loop_closure_send(closure_id=closure.pk) == 0
    assert OutboundEmail.objects.count() == 2


def test_a_second_closure_for_the_same_outcome_tells_only_new_people(pm, workspace_a, asked):
    idea, _ = asked
    _ship(pm, idea, workspace_a)
    first = loop_closures.loop_closure_create(actor=pm.actor, idea=idea, subject="s", message="m")
    second = loop_closures.loop_closure_create(
        actor=pm.actor, idea=idea, subject="s2", message="m2"
    )
    assert loop_closures.loop_closure_send(closure_id=first.pk) == 2
    assert loop_closures.loop_closure_send(closure_id=second.pk) == 0

    latecomer = data.contact(workspace_a, "cy@initech.test", "Cy")
    services.idea_link(
        actor=pm.actor, idea=idea, items=[data.item(workspace_a, "dark", contact=latecomer)]
    )
    third = loop_closures.loop_closure_create(actor=pm.actor, idea=idea, subject="s3", message="m3")
    assert loop_closures.loop_closure_send(closure_id=third.pk) == 1
    assert sorted(OutboundEmail.objects.values_list("to", flat=True)) == [
        "ana@acme.test",
        "bo@globex.test",
        "cy@initech.test",
    ]
    assert LoopNotice.objects.filter(idea=idea).count() == 3


def test_a_declined_outcome_is_a_separate_notice(pm, workspace_a, asked):
    idea, _ = asked
    idea = _ship(pm, idea, workspace_a)
    shipped = loop_closures.loop_closure_create(actor=pm.actor, idea=idea, subject="s", message="m")
    loop_closures.loop_closure_send(closure_id=shipped.pk)
    idea = services.idea_update(
        actor=pm.actor,
        idea=idea,
        expected_version=idea.version,
        status=_status(workspace_a, "Declined"),
    )
    declined = loop_closures.loop_closure_create(
        actor=pm.actor, idea=idea, subject="d", message="d"
    )
    assert declined.outcome == "declined"
    assert loop_closures.loop_closure_send(closure_id=declined.pk) == 2


def test_the_sweeper_finds_closures_left_unfinished(pm, workspace_a, asked, settings):
    idea, _ = asked
    _ship(pm, idea, workspace_a)
    closure = loop_closures.loop_closure_create(actor=pm.actor, idea=idea, subject="s", message="m")
    recent = loop_closures.loop_closure_create(actor=pm.actor, idea=idea, subject="s", message="m")
    LoopClosure.objects.filter(pk=closure.pk).update(
        created_at=timezone.now() - timedelta(minutes=5)
    )
    # The recent one may still be on its way: only the old one counts as lost.
    assert lost_work.find_all()["feedback.loop_closures"] == [closure.pk]
    loop_closures.loop_closure_send(closure_id=closure.pk)
    assert lost_work.find_all()["feedback.loop_closures"] == []
    assert LoopClosure.objects.get(pk=recent.pk).finished_at is None


def test_execs_cannot_close_the_loop(exec_, pm, workspace_a, asked):
    idea, _ = asked
    _ship(pm, idea, workspace_a)
    response = signed_in(exec_).post(
        f"/w/alpha/ideas/{idea.pk}/close/", {"subject": "s", "message": "m", "action": "send"}
    )
    assert response.status_code == 403
    assert not LoopClosure.objects.exists()


def test_triage_can_read_whether_an_items_loop_was_closed(pm, workspace_a, asked):
    from feedback.selectors import ideas as selectors

    idea, items = asked
    _ship(pm, idea, workspace_a)
    before = selectors.item_loop(workspace=workspace_a, item=items[2])
    assert before.loop_closed_at is None and [i.pk for i in before.ideas] == [idea.pk]
    closure = loop_closures.loop_closure_create(actor=pm.actor, idea=idea, subject="s", message="m")
    loop_closures.loop_closure_send(closure_id=closure.pk)
    duplicate = FeedbackItem.objects.get(pk=items[2].pk)
    after = selectors.item_loop(workspace=workspace_a, item=duplicate)
    assert after.loop_closed_at is not None
    assert after.ideas[0].outcome_told_at is not None
