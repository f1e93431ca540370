"""Triage actions: inline changes, conflicts, merges and undo, bulk, links, saved views, export."""

import csv
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import escape

from feedback.models import (
    FeedbackItem,
    FeedbackMerge,
    Idea,
    IdeaLink,
    Priority,
    SavedView,
    Sentiment,
    Status,
    Tag,
)
from feedback.selectors import ideas as idea_selectors
from feedback.selectors import triage as selectors
from feedback.selectors import triage_choices
from feedback.services import saved_views, triage_bulk, triage_merges
from feedback.services import triage as services
from productops.errors import StaleEdit
from productops.models import AuditEvent, ChangeMark
from tests.conftest import downloaded, signed_in
from tests.feedback import triage_data as data

HX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/w/alpha/feedback/"}


def url(item, action: str = "") -> str:
    return f"/w/alpha/feedback/{item.pk}/{action + '/' if action else ''}"


def fresh(item) -> FeedbackItem:
    return FeedbackItem.objects.get(pk=item.pk)


def test_an_update_changes_the_fields_bumps_the_version_and_is_audited(workspace_a, pm):
    item = data.item(workspace_a, "Export please", hours_ago=30)
    billing = data.area(workspace_a, "Billing")
    bug = data.tag(workspace_a, "bug")
    services.feedback_update(
        actor=pm.actor,
        item=item,
        expected_version=1,
        status=Status.TRIAGED,
        priority=Priority.HIGH,
        assignee=pm.user,
        product_area=billing,
        sentiment=Sentiment.POSITIVE,
        add_tags=[bug],
    )
    item = fresh(item)
    assert (item.status, item.priority, item.assignee, item.product_area) == (
        Status.TRIAGED,
        Priority.HIGH,
        pm.user,
        billing,
    )
    assert item.sentiment == Sentiment.POSITIVE and item.sentiment_overridden
    assert item.triaged_by == pm.user and item.triaged_at is not None
    assert [t.name for t in item.tags.all()] == ["bug"]
    assert item.version == 2
    event = AuditEvent.objects.get(verb="feedback.triaged", object_id=str(item.pk))
    assert event.before["status"] == "new" and event.after["tags"] == ["bug"]
    day = item.received_at.date().isoformat()
    assert ChangeMark.objects.filter(workspace=workspace_a, topic="feedback", bucket=day).exists()


def test_a_stale_version_is_refused_with_who_changed_what(workspace_a, pm, ops_lead):
    item = data.item(workspace_a)
    services.feedback_update(
        actor=ops_lead.actor, item=item, expected_version=1, status=Status.ARCHIVED
    )
    with pytest.raises(StaleEdit) as conflict:
        services.feedback_update(
            actor=pm.actor, item=item, expected_version=1, priority=Priority.URGENT
        )
    current = conflict.value.current
    assert current["version"] == 2 and current["status"] == "archived"
    assert conflict.value.last_change["by"] == ops_lead.user.display_name
    assert f"{ops_lead.user.display_name} changed this item just now" in str(conflict.value)
    assert "status new → archived" in str(conflict.value)
    assert fresh(item).priority == Priority.NONE  # nothing overwritten


def test_a_stale_edit_on_the_page_answers_409_with_the_current_state_and_a_retry(
    workspace_a, pm, ops_lead
):
    item = data.item(workspace_a, "Slow dashboards")
    services.feedback_update(actor=ops_lead.actor, item=item, expected_version=1, priority=4)
    response = signed_in(pm).post(
        url(item, "update"), {"version": 1, "status": "archived"}, headers=HX
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this item first" in body
    assert ops_lead.user.display_name in body
    assert 'name="version" value="2"' in body and "Apply my change again" in body
    assert fresh(item).status == Status.NEW
    retry = signed_in(pm).post(
        url(item, "update"), {"version": 2, "status": "archived"}, headers=HX
    )
    assert retry.status_code == 200 and fresh(item).status == Status.ARCHIVED


def test_inline_actions_answer_with_the_panel_the_row_and_an_undo(workspace_a, pm):
    item = data.item(workspace_a, "Archive me")
    response = signed_in(pm).post(
        url(item, "update"), {"version": 1, "status": "archived"}, headers=HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'class="panel-body"' in body
    assert f'id="item-{item.pk}"' in body and 'hx-swap-oob="true"' in body
    assert "Archived: Archive me" in body and "data-undo" in body
    assert 'name="status" value="new"' in body  # the undo puts it back
    assert 'name="undo" value="1"' in body
    undo = signed_in(pm).post(
        url(item, "update"), {"version": 2, "status": "new", "undo": "1"}, headers=HX
    )
    assert undo.status_code == 200 and fresh(item).status == Status.NEW
    # The undo's note says so and offers no undo of the undo (`u` again goes further back).
    answer = undo.content.decode()
    assert "Undone: Archive me" in answer and "data-undo" not in answer


def test_a_tag_is_created_on_the_fly_and_removed_again(workspace_a, pm):
    item = data.item(workspace_a)
    client = signed_in(pm)
    client.post(url(item, "update"), {"version": 1, "add_tag": "  Onboarding "}, headers=HX)
    tag = Tag.objects.get(workspace=workspace_a, name="Onboarding")
    assert list(fresh(item).tags.all()) == [tag]
    client.post(url(item, "update"), {"version": 2, "add_tag": "onboarding"}, headers=HX)
    assert Tag.objects.filter(workspace=workspace_a).count() == 1  # same tag, any case
    client.post(url(item, "update"), {"version": 2, "remove_tag": tag.pk}, headers=HX)
    assert list(fresh(item).tags.all()) == []


def test_assign_to_me_and_the_sentiment_override_and_back_to_automatic(workspace_a, pm):
    item = data.item(workspace_a, sentiment_score=-0.6, sentiment=Sentiment.NEGATIVE)
    client = signed_in(pm)
    client.post(url(item, "update"), {"version": 1, "assignee": "me"}, headers=HX)
    assert fresh(item).assignee == pm.user
    client.post(url(item, "update"), {"version": 2, "sentiment": "positive"}, headers=HX)
    assert (fresh(item).sentiment, fresh(item).sentiment_overridden) == ("positive", True)
    client.post(url(item, "update"), {"version": 3, "sentiment": "auto"}, headers=HX)
    assert (fresh(item).sentiment, fresh(item).sentiment_overridden) == ("negative", False)


def test_the_panel_activity_reads_as_sentences_not_field_dumps(workspace_a, pm):
    item = data.item(workspace_a, "Export please")
    services.feedback_update(actor=pm.actor, item=item, expected_version=1, status=Status.TRIAGED)
    panel = signed_in(pm).get(url(item), headers=HX).content.decode()
    event = AuditEvent.objects.get(verb="feedback.triaged", object_id=str(item.pk))
    assert event.sentences and all(s.startswith(event.actor_label) for s in event.sentences)
    assert all(escape(sentence) in panel for sentence in event.sentences)
    assert "<code>feedback.triaged</code>" not in panel


def test_an_exec_reads_the_inbox_but_cannot_act(workspace_a, exec_):
    item = data.item(workspace_a, "Read only for execs")
    client = signed_in(exec_)
    page = client.get("/w/alpha/feedback/").content.decode()
    assert "Read only for execs" in page and 'id="bulk-form"' not in page
    panel = client.get(url(item), headers=HX).content.decode()
    assert "data-action=" not in panel and "Read only for execs" in panel
    assert client.post(url(item, "update"), {"version": 1, "status": "spam"}).status_code == 403
    assert 'id="new-feedback"' not in page  # execs do not log feedback
    with pytest.raises(PermissionDenied):
        services.feedback_update(actor=exec_.actor, item=item, expected_version=1, priority=1)


def test_a_pm_can_log_new_feedback_from_the_inbox(workspace_a, pm):
    client = signed_in(pm)
    page = client.get("/w/alpha/feedback/").content.decode()
    assert 'id="new-feedback"' in page and 'href="/w/alpha/feedback/new/"' in page
    assert client.get("/w/alpha/feedback/new/").status_code == 200


def test_a_script_in_feedback_is_inert_on_the_inbox_the_panel_and_the_pickers(workspace_a, pm):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    person = data.contact(workspace_a, "evil@acme.test", data.account(workspace_a, payload))
    item = data.item(workspace_a, payload, person=person, title=payload)
    other = data.item(workspace_a, f"script {payload}", title=payload)
    data.tag(workspace_a, payload).items.add(item)
    client = signed_in(pm)
    pages = [
        client.get("/w/alpha/feedback/?status=all").content.decode(),
        client.get(url(item)).content.decode(),
        client.get(url(item), headers=HX).content.decode(),
        client.get(url(item, "duplicates") + "?q=script", headers=HX).content.decode(),
        client.get(url(other, "duplicates"), headers=HX).content.decode(),
    ]
    for body in pages:
        assert "<script>alert" not in body
        assert "<img src=x" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[0]


# Merges


@pytest.fixture
def asked(workspace_a):
    """Two companies asking the same, the duplicate linked to an idea the original is not."""
    big = data.account(workspace_a, "Bigco", revenue=50000)
    small = data.account(workspace_a, "Smallco", revenue=1000)
    original = data.item(
        workspace_a, "Export to CSV", person=data.contact(workspace_a, "a@big.test", big)
    )
    duplicate = data.item(
        workspace_a, "CSV export please", person=data.contact(workspace_a, "b@small.test", small)
    )
    export = data.idea(workspace_a, "CSV export")
    api = data.idea(workspace_a, "Public API")
    IdeaLink.objects.create(workspace=workspace_a, item=duplicate, idea=export, importance=3)
    IdeaLink.objects.create(workspace=workspace_a, item=original, idea=api)
    IdeaLink.objects.create(workspace=workspace_a, item=duplicate, idea=api)
    return {"original": original, "duplicate": duplicate, "export": export, "api": api}


def demand(workspace, idea: Idea) -> tuple[int, int, int]:
    row = idea_selectors.with_demand(Idea.objects.filter(pk=idea.pk), workspace=workspace).get()
    return row.mentions, row.unique_accounts, int(row.revenue)


def votes(workspace, item) -> int:
    return selectors.item(workspace=workspace, item_id=item.pk).votes


def snapshot(workspace, asked) -> dict:
    return {
        "links": sorted(IdeaLink.objects.values_list("pk", "item_id", "idea_id")),
        "duplicate": FeedbackItem.objects.filter(pk=asked["duplicate"].pk)
        .values("status", "duplicate_of")
        .get(),
        "votes": votes(workspace, asked["original"]),
        "export": demand(workspace, asked["export"]),
        "api": demand(workspace, asked["api"]),
    }


def test_a_merge_keeps_every_vote_contact_account_and_link_and_undo_restores_exactly(
    workspace_a, pm, asked
):
    before = snapshot(workspace_a, asked)
    assert before["export"] == (1, 1, 1000)
    merge = triage_merges.feedback_merge(
        actor=pm.actor, original=asked["original"], duplicate=asked["duplicate"], expected_version=1
    )
    dup = fresh(asked["duplicate"])
    assert (dup.status, dup.duplicate_of_id) == (Status.ARCHIVED, asked["original"].pk)
    assert votes(workspace_a, asked["original"]) == 2
    # The export link moved to the original; the API link stayed (the original has its own).
    assert IdeaLink.objects.get(idea=asked["export"]).item_id == asked["original"].pk
    assert IdeaLink.objects.filter(idea=asked["api"]).count() == 2
    assert merge.moved_link_ids == [IdeaLink.objects.get(idea=asked["export"]).pk]
    # Both companies now ask for the export idea through the original and its duplicate.
    assert demand(workspace_a, asked["export"]) == (2, 2, 51000)
    panel = selectors.item_detail(workspace=workspace_a, item_id=asked["original"].pk)
    assert [d.account.name for d in panel["duplicates"]] == ["Smallco"]

    triage_merges.feedback_unmerge(actor=pm.actor, merge=merge)
    assert snapshot(workspace_a, asked) == before
    assert FeedbackMerge.objects.get(pk=merge.pk).undone_at is not None
    verbs = AuditEvent.objects.filter(object_id=str(dup.pk)).values_list("verb", flat=True)
    assert set(verbs) == {"feedback.merged", "feedback.unmerged"}


def test_merging_an_original_with_duplicates_carries_them_along_and_undo_returns_them(
    workspace_a, pm
):
    top = data.item(workspace_a, "Top")
    middle = data.item(workspace_a, "Middle")
    leaf = data.item(workspace_a, "Leaf", status=Status.TRIAGED)
    first = triage_merges.feedback_merge(actor=pm.actor, original=middle, duplicate=leaf)
    second = triage_merges.feedback_merge(actor=pm.actor, original=top, duplicate=middle)
    assert votes(workspace_a, top) == 3
    assert fresh(leaf).duplicate_of_id == top.pk
    triage_merges.feedback_unmerge(actor=pm.actor, merge=second)
    assert votes(workspace_a, top) == 1 and votes(workspace_a, middle) == 2
    triage_merges.feedback_unmerge(actor=pm.actor, merge=first)
    assert fresh(leaf).status == Status.TRIAGED and fresh(leaf).duplicate_of_id is None


def test_a_merge_refuses_itself_a_stale_version_and_an_item_merged_already(workspace_a, pm):
    one, two = data.item(workspace_a, "One"), data.item(workspace_a, "Two")
    with pytest.raises(ValidationError):
        triage_merges.feedback_merge(actor=pm.actor, original=one, duplicate=one)
    services.feedback_update(actor=pm.actor, item=two, expected_version=1, priority=2)
    with pytest.raises(StaleEdit):
        triage_merges.feedback_merge(
            actor=pm.actor, original=one, duplicate=two, expected_version=1
        )
    triage_merges.feedback_merge(actor=pm.actor, original=one, duplicate=two, expected_version=2)
    with pytest.raises(ValidationError):
        triage_merges.feedback_merge(actor=pm.actor, original=one, duplicate=two)


def test_merging_on_the_page_offers_candidates_and_an_undo(workspace_a, pm):
    from feedback.models import DuplicateCandidate

    original = data.item(workspace_a, "Dark mode please", hours_ago=10)
    item = data.item(workspace_a, "Please add a dark mode")
    DuplicateCandidate.objects.create(
        workspace=workspace_a, item=item, candidate=original, score=0.8
    )
    client = signed_in(pm)
    panel = client.get(url(item), headers=HX).content.decode()
    assert f'name="original" value="{original.pk}"' in panel
    response = client.post(url(item, "merge"), {"version": 1, "original": original.pk}, headers=HX)
    assert response.status_code == 200
    merge = FeedbackMerge.objects.get(duplicate=item)
    assert f"/feedback/merges/{merge.pk}/undo/" in response.content.decode()
    client.post(f"/w/alpha/feedback/merges/{merge.pk}/undo/", headers=HX)
    assert fresh(item).duplicate_of is None and fresh(item).status == Status.NEW


def test_the_duplicate_picker_searches_words_and_numbers(workspace_a, pm):
    item = data.item(workspace_a, "Export to PDF is missing", title="Export to PDF")
    same = data.item(workspace_a, "Exporting PDFs", title="Export PDF", hours_ago=5)
    data.item(workspace_a, "Dark mode", title="Dark mode", hours_ago=6)
    client = signed_in(pm)
    similar = client.get(url(item, "duplicates"), headers=HX).content.decode()
    assert f'value="{same.pk}"' in similar and "Dark mode" not in similar
    by_word = client.get(url(item, "duplicates") + "?q=dark", headers=HX).content.decode()
    assert "Dark mode" in by_word
    by_number = client.get(url(item, "duplicates") + f"?q={same.pk}", headers=HX).content.decode()
    assert f'value="{same.pk}"' in by_number


# Bulk


def test_bulk_actions_apply_at_the_seen_version_and_report_the_skipped(workspace_a, pm, ops_lead):
    a, b, c = (data.item(workspace_a, f"Item {n}") for n in "abc")
    services.feedback_update(actor=ops_lead.actor, item=b, expected_version=1, priority=4)
    result = triage_bulk.feedback_bulk_update(
        actor=pm.actor, versions={a.pk: 1, b.pk: 1, c.pk: 1}, status=Status.ARCHIVED
    )
    assert sorted(r.pk for r in result.updated) == sorted([a.pk, c.pk])
    assert [s.id for s in result.skipped] == [b.pk]
    assert ops_lead.user.display_name in result.skipped[0].reason
    assert fresh(b).status == Status.NEW and fresh(a).status == Status.ARCHIVED


def test_the_bulk_form_tags_assigns_and_reports_skips_inline(workspace_a, pm, ops_lead):
    a, b = data.item(workspace_a, "First"), data.item(workspace_a, "Second")
    services.feedback_update(actor=ops_lead.actor, item=b, expected_version=1, priority=4)
    client = signed_in(pm)
    items = [f"{a.pk}:1", f"{b.pk}:1"]
    response = client.post(
        "/w/alpha/feedback/bulk/",
        {"action": "tag", "tag_value": "billing", "items": items},
        headers=HX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Add tag:</strong> 1 item" in body and "1 skipped because someone changed them" in body
    assert f"#{b.pk}" in body and f'id="item-{a.pk}"' in body
    assert [t.name for t in fresh(a).tags.all()] == ["billing"]
    client.post(
        "/w/alpha/feedback/bulk/",
        {"action": "assign", "assign_value": "me", "items": [f"{a.pk}:2"]},
    )
    assert fresh(a).assignee == pm.user


def undo_entries(body: str) -> list[str]:
    """The bulk undo note's entries, as the browser would post them back."""
    return re.findall(r'name="revert" value="([^"]+)"', body)


def test_undo_after_a_bulk_archive_puts_each_item_back_to_its_own_status(workspace_a, pm, ops_lead):
    fresh_one, spam, changed = (data.item(workspace_a, f"Item {n}") for n in "abc")
    services.feedback_update(actor=pm.actor, item=spam, expected_version=1, status=Status.SPAM)
    client = signed_in(pm)
    answer = client.post(
        "/w/alpha/feedback/bulk/",
        {"action": "archive", "items": [f"{fresh_one.pk}:1", f"{spam.pk}:2", f"{changed.pk}:1"]},
        headers=HX,
    ).content.decode()
    assert "data-undo" in answer
    assert {fresh(i).status for i in (fresh_one, spam, changed)} == {Status.ARCHIVED}
    # Someone else edits one item after the bulk action: undo leaves that one alone.
    services.feedback_update(actor=ops_lead.actor, item=changed, expected_version=2, priority=4)

    response = client.post(
        "/w/alpha/feedback/bulk/undo/", {"revert": undo_entries(answer)}, headers=HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Undone:</strong> 2 items" in body and "1 skipped because someone changed them" in body
    assert fresh(fresh_one).status == Status.NEW
    assert fresh(spam).status == Status.SPAM
    assert fresh(changed).status == Status.ARCHIVED
    assert f'id="item-{fresh_one.pk}"' in body  # the rows come back into the list
    assert AuditEvent.objects.filter(verb="feedback.restored").count() == 1


def test_undo_after_a_bulk_tag_or_priority_restores_what_each_item_had(workspace_a, pm):
    tagged = data.item(workspace_a, "Already tagged")
    plain = data.item(workspace_a, "Not tagged")
    services.feedback_update(
        actor=pm.actor, item=tagged, expected_version=1, add_tags=["billing"], priority=3
    )
    client = signed_in(pm)
    items = [f"{tagged.pk}:2", f"{plain.pk}:1"]
    tag_answer = client.post(
        "/w/alpha/feedback/bulk/",
        {"action": "tag", "tag_value": "billing", "items": items},
        headers=HX,
    ).content.decode()
    client.post("/w/alpha/feedback/bulk/undo/", {"revert": undo_entries(tag_answer)}, headers=HX)
    assert [t.name for t in fresh(tagged).tags.all()] == ["billing"]
    assert list(fresh(plain).tags.all()) == []

    items = [f"{tagged.pk}:{fresh(tagged).version}", f"{plain.pk}:{fresh(plain).version}"]
    priority_answer = client.post(
        "/w/alpha/feedback/bulk/",
        {"action": "priority", "priority_value": "4", "items": items},
        headers=HX,
    ).content.decode()
    client.post(
        "/w/alpha/feedback/bulk/undo/", {"revert": undo_entries(priority_answer)}, headers=HX
    )
    assert (fresh(tagged).priority, fresh(plain).priority) == (3, Priority.NONE)


@pytest.mark.parametrize(
    ("revert", "message"),
    [
        ("x:1:status:new", "Each entry is id:version:field:value."),
        ("1:1:title:hacked", "Undo can restore only"),
        ("1:1:priority:high", "A priority is a number from 0 to 4."),
        ("", "Nothing to undo."),
    ],
)
def test_a_malformed_bulk_undo_is_refused_with_a_clear_400(workspace_a, pm, revert, message):
    response = signed_in(pm).post("/w/alpha/feedback/bulk/undo/", {"revert": revert}, headers=HX)
    assert response.status_code == 400
    assert escape(message) in response.content.decode()


def test_bulk_link_to_an_idea_links_every_fresh_item(workspace_a, pm):
    a, b = data.item(workspace_a, "First"), data.item(workspace_a, "Second")
    idea = data.idea(workspace_a)
    signed_in(pm).post(
        "/w/alpha/feedback/bulk/",
        {"action": "link", "link_value": idea.pk, "items": [f"{a.pk}:1", f"{b.pk}:1"]},
        headers=HX,
    )
    assert set(IdeaLink.objects.filter(idea=idea).values_list("item_id", flat=True)) == {
        a.pk,
        b.pk,
    }


# Links to ideas


def test_linking_to_an_existing_or_a_new_idea_with_importance(workspace_a, pm):
    item = data.item(workspace_a, "Need SSO")
    existing = data.idea(workspace_a, "Single sign-on")
    client = signed_in(pm)
    client.post(
        url(item, "link"),
        {"version": 1, "idea": existing.pk, "importance": 3, "note": "Blocks renewal"},
        headers=HX,
    )
    link = IdeaLink.objects.get(item=item, idea=existing)
    assert (link.importance, link.note) == (3, "Blocks renewal")
    client.post(url(item, "link"), {"version": 1, "title": "SCIM provisioning"}, headers=HX)
    assert IdeaLink.objects.filter(item=item, idea__title="SCIM provisioning").exists()
    response = client.post(f"/w/alpha/feedback/links/{link.pk}/unlink/", headers=HX)
    assert response.status_code == 200 and not IdeaLink.objects.filter(pk=link.pk).exists()


def test_linking_with_a_stale_version_is_refused(workspace_a, pm, ops_lead):
    item = data.item(workspace_a, "Need SSO")
    idea = data.idea(workspace_a, "Single sign-on")
    services.feedback_update(actor=ops_lead.actor, item=item, expected_version=1, priority=4)
    response = signed_in(pm).post(url(item, "link"), {"version": 1, "idea": idea.pk}, headers=HX)
    assert response.status_code == 409
    assert not IdeaLink.objects.filter(item=item).exists()


@pytest.mark.parametrize(
    ("action", "fields", "said"),
    [
        ("merge", {"original": "x"}, "Choose the original item."),
        ("merge", {"original": "theirs"}, "No such item in this workspace."),
        ("merge", {"original": 987654321}, "No such item in this workspace."),
        ("link", {"idea": "theirs"}, "No such idea in this workspace."),
        ("link", {"idea": 987654321}, "No such idea in this workspace."),
        ("link", {}, "Choose an idea or give a new idea a title."),
    ],
)
def test_a_merge_or_link_to_what_the_workspace_lacks_is_refused_by_name(
    workspace_a, workspace_b, pm, action, fields, said
):
    item = data.item(workspace_a, "Need SSO")
    theirs = {"merge": data.item(workspace_b, "Theirs"), "link": data.idea(workspace_b, "Theirs")}
    posted = {k: theirs[action].pk if v == "theirs" else v for k, v in fields.items()}
    response = signed_in(pm).post(url(item, action), {"version": 1, **posted}, headers=HX)
    assert response.status_code == 400
    assert escape(said) in response.content.decode()
    assert not IdeaLink.objects.filter(item=item).exists()
    assert not FeedbackMerge.objects.filter(duplicate=item).exists()


def test_the_idea_picker_finds_ideas_by_title(workspace_a, pm):
    item = data.item(workspace_a)
    data.idea(workspace_a, "Single sign-on")
    data.idea(workspace_a, "Dark mode")
    body = signed_in(pm).get(url(item, "ideas") + "?q=sign", headers=HX).content.decode()
    assert "Single sign-on" in body and "Dark mode" not in body


# Saved views


def test_personal_views_stay_personal_and_shared_views_reach_everyone(workspace_a, pm, ops_lead):
    mine = saved_views.saved_view_create(actor=pm.actor, name="My bugs", filters={"q": "bug"})
    team = saved_views.saved_view_create(
        actor=pm.actor, name="Enterprise", filters={"segment": "Enterprise"}, shared=True
    )
    theirs = triage_choices.saved_views(workspace=workspace_a, user=ops_lead.user)
    assert list(theirs) == [team]
    assert set(triage_choices.saved_views(workspace=workspace_a, user=pm.user)) == {mine, team}
    with pytest.raises(PermissionDenied):
        saved_views.saved_view_rename(actor=ops_lead.actor, view=team, name="Mine now")
    assert signed_in(ops_lead).get(f"/w/alpha/feedback/?view={mine.pk}").status_code == 200
    assert signed_in(ops_lead).post(f"/w/alpha/feedback/views/{mine.pk}/delete/").status_code == 404


def test_an_exec_keeps_personal_views_but_cannot_share(workspace_a, exec_):
    client = signed_in(exec_)
    response = client.post("/w/alpha/feedback/views/", {"name": "Board prep", "segment": "SMB"})
    view = SavedView.objects.get(owner=exec_.user)
    assert response.status_code == 302 and view.filters == {"segment": "SMB"}
    client.post(f"/w/alpha/feedback/views/{view.pk}/rename/", {"name": "Board"})
    assert SavedView.objects.get(pk=view.pk).name == "Board"
    with pytest.raises(ValidationError):
        saved_views.saved_view_create(actor=exec_.actor, name="For all", filters={}, shared=True)
    client.post(f"/w/alpha/feedback/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_opening_a_saved_view_applies_its_filters(workspace_a, pm):
    data.item(workspace_a, "Triaged thing", status=Status.TRIAGED)
    data.item(workspace_a, "New thing")
    view = saved_views.saved_view_create(actor=pm.actor, name="Done", filters={"status": "triaged"})
    body = signed_in(pm).get(f"/w/alpha/feedback/?view={view.pk}").content.decode()
    assert "Triaged thing" in body and "New thing" not in body


# Export


def test_the_export_follows_the_filters_and_defuses_formulas(workspace_a, pm):
    data.item(workspace_a, '=HYPERLINK("http://evil","click")', title="+SUM(A1)")
    data.item(workspace_a, "Archived one", status=Status.ARCHIVED)
    response = signed_in(pm).get("/w/alpha/feedback/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    text = downloaded(response)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["body"].startswith("'=HYPERLINK")
    assert rows[0]["title"] == "'+SUM(A1)"
    everything = signed_in(pm).get("/w/alpha/feedback/export.csv?status=all")
    assert len(list(csv.DictReader(io.StringIO(downloaded(everything))))) == 2


def test_a_stale_edit_from_the_page_leaves_no_new_tag_or_area(workspace_a, pm, ops_lead):
    item = data.item(workspace_a, "Slow dashboards")
    services.feedback_update(actor=ops_lead.actor, item=item, expected_version=1, priority=4)
    client = signed_in(pm)

    tagged = client.post(url(item, "update"), {"version": 1, "add_tag": "brand-new"}, headers=HX)
    area = client.post(url(item, "update"), {"version": 1, "new_area": "Brand new"}, headers=HX)

    assert (tagged.status_code, area.status_code) == (409, 409)
    assert not Tag.objects.filter(workspace=workspace_a, name="brand-new").exists()
    assert not triage_choices.product_areas(workspace=workspace_a).filter(name="Brand new").exists()
    assert not AuditEvent.objects.filter(verb__in=["tag.created", "product_area.created"]).exists()


def test_an_edit_refused_for_a_bad_assignee_leaves_no_new_tag(workspace_a, pm, exec_):
    item = data.item(workspace_a, "Slow dashboards")

    response = signed_in(pm).post(
        url(item, "update"),
        {"version": 1, "add_tag": "brand-new", "assignee": exec_.user.pk},
        headers=HX,
    )

    assert response.status_code == 400
    assert "Assign feedback to a member who triages." in response.content.decode()
    assert not Tag.objects.filter(workspace=workspace_a, name="brand-new").exists()
    assert fresh(item).version == 1


def test_a_bulk_tag_over_items_all_changed_meanwhile_creates_no_tag(workspace_a, pm, ops_lead):
    item = data.item(workspace_a, "Slow dashboards")
    services.feedback_update(actor=ops_lead.actor, item=item, expected_version=1, priority=4)

    response = signed_in(pm).post(
        "/w/alpha/feedback/bulk/",
        {"action": "tag", "value": "brand-new", "items": [f"{item.pk}:1"]},
        headers=HX,
    )

    assert response.status_code == 200
    assert "skipped" in response.content.decode()
    assert not Tag.objects.filter(workspace=workspace_a, name="brand-new").exists()


@pytest.mark.parametrize(
    ("action", "value", "message"),
    [
        ("priority", "9", "Choose a priority from 0 (none) to 4 (urgent)."),
        ("tag", "", "Name the tag."),
        ("area", "12345", "No such product area."),
        ("assign", "12345", "No such member."),
        ("link", "abc", "Give the idea's number, e.g. 12."),
    ],
)
def test_the_page_and_the_api_refuse_a_bad_bulk_value_with_the_same_message(
    workspace_a, pm, action, value, message
):
    item = data.item(workspace_a, "Slow dashboards")
    client = signed_in(pm)

    page = client.post(
        "/w/alpha/feedback/bulk/",
        {"action": action, "value": value, "items": [f"{item.pk}:1"]},
        headers=HX,
    )
    api = client.post(
        "/api/v1/w/alpha/feedback/bulk/",
        {"action": action, "value": value, "items": [{"id": item.pk, "version": 1}]},
        content_type="application/json",
    )

    assert page.status_code == 400 and escape(message) in page.content.decode()
    assert api.status_code == 400
    assert message in str(api.json()["error"])
    assert fresh(item).version == 1


# One keypress of triage (the bench's "triage action"): archive the item under the cursor,
# answered with its row, the tabs and the undo, and the next item's panel in the same answer.
# It took 35 queries before actions read only the item's own row, the panel only the sections it
# has rows in and the pickers' three lists in one query; 22 as two requests (the action, then a
# GET of the next panel), each signing in and reading its item, area and tags again; 16 as one
# request before the sign-in came from its kept copy; 13 before the items' reads carried their
# related rows (no area and tags prefetches) and the action stopped reading its item before
# the service's lock.
KEYPRESS_QUERIES = 10


def test_a_triage_keypress_stays_within_its_query_budget_and_undoes_exactly(
    workspace_a, pm, django_assert_max_num_queries
):
    client = signed_in(pm)
    bug, ux = data.tag(workspace_a, "bug"), data.tag(workspace_a, "ux")
    acted = data.item(workspace_a, "Archive me", product_area=data.area(workspace_a, "Billing"))
    acted.tags.add(bug, ux)
    following = data.item(
        workspace_a, "Next in line", hours_ago=2, product_area=data.area(workspace_a, "Search")
    )
    following.tags.add(ux)
    client.get(url(following), headers=HX)  # the session and the first request's lookups
    with django_assert_max_num_queries(KEYPRESS_QUERIES):
        done = client.post(
            url(acted, "update"),
            {"version": 1, "status": "archived", "answer": "row", "next": following.pk},
            headers=HX,
        )
    assert done.status_code == 200
    body = done.content.decode()
    # The next item's panel, with its own area and tags, and the acted-on item's row beside it.
    panel = body[: body.index("<template>")]  # the row, tabs and note follow, out-of-band
    assert f'data-item="{following.pk}"' in panel and "Next in line" in panel
    assert "Search" in panel and "ux" in panel
    assert f'id="item-{acted.pk}"' in body and 'data-status="archived"' in body
    assert 'name="status" value="new"' in body  # the undo restores the status
    undone = client.post(url(acted, "update"), {"version": 2, "status": "new"}, headers=HX)
    assert undone.status_code == 200
    back = fresh(acted)
    assert back.status == Status.NEW and set(back.tags.all()) == {bug, ux}


def test_an_action_answers_without_a_panel_when_its_next_item_is_not_there(
    workspace_a, workspace_b, pm
):
    """The next item may have gone (merged away, another workspace's id): the action still
    counts, and its answer has no panel, so the page asks for the one under the cursor."""
    client = signed_in(pm)
    acted = data.item(workspace_a, "Archive me")
    elsewhere = data.item(workspace_b, "Not yours")
    done = client.post(
        url(acted, "update"),
        {"version": 1, "status": "archived", "answer": "row", "next": elsewhere.pk},
        headers=HX,
    )
    assert done.status_code == 200 and fresh(acted).status == Status.ARCHIVED
    body = done.content.decode()
    assert "panel-body" not in body and "Not yours" not in body
    assert f'id="item-{acted.pk}"' in body


def test_a_malformed_next_item_is_refused_before_anything_changes(workspace_a, pm):
    acted = data.item(workspace_a, "Archive me")
    refused = signed_in(pm).post(
        url(acted, "update"),
        {"version": 1, "status": "archived", "answer": "row", "next": "soon"},
        headers=HX,
    )
    assert refused.status_code == 400
    assert fresh(acted).status == Status.NEW and fresh(acted).version == 1
