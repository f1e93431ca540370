"""The item panel a keypress answers with is built in Python (feedback/templatetags/item_panel.py):
it must read exactly as the template's panel does, for every kind of item."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import FeedbackItem, IdeaLink, Priority, Sentiment, Status
from feedback.services import triage as services
from tests.conftest import signed_in
from tests.feedback import triage_data as data

HX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/w/alpha/feedback/"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _same_tokens(html: str) -> str:
    return CSRF.sub('name="csrfmiddlewaretoken" value="-"', html)


def _varied(workspace, pm, other) -> list[FeedbackItem]:
    """Items that between them take every branch of the panel the Python build covers."""
    acme = data.account(workspace, "Acme <& Co>", segment="Enterprise", revenue=45000)
    acme.plan = "Pro"
    acme.save()
    same = data.account(workspace, "Same Words", segment="Enterprise")
    same.plan = "enterprise"
    same.save()
    named = data.contact(workspace, "ana@example.test", acme)
    named.name = 'Ana "Quotes" O\'Neil'
    named.save()
    unnamed = data.contact(workspace, "bo@example.test")
    billing, search = data.area(workspace, "Billing & <Plans>"), data.area(workspace, "Search")
    bug, odd = data.tag(workspace, "bug"), data.tag(workspace, 'a "quoted" <tag>')
    idea = data.idea(workspace, "Export <everything>")
    items = [
        data.item(workspace, "Plain body, no title"),
        data.item(
            workspace,
            "Line one\r\nLine <two> & three\rfour\n\nfive",
            title="A <title> & more",
            person=named,
            acct=acme,
            product_area=billing,
            priority=Priority.URGENT,
            sentiment=Sentiment.NEGATIVE,
            rating=4,
        ),
        data.item(workspace, "From a contact without a name", person=unnamed, acct=same),
        data.item(workspace, "Only an email", submitter_email="x@y.test"),
        data.item(workspace, "Only a name", submitter_name="Zed <Z>"),
        data.item(workspace, "Both", submitter_name="Zed", submitter_email="z@y.test"),
        data.item(workspace, "Not processed yet", processed_at=None),
        data.item(workspace, "", title=""),
        data.item(workspace, "\n\n  first real line  \nsecond"),
        data.item(workspace, "Ünïcödé body — with “quotes”", product_area=search),
        data.item(
            workspace, "Arrived this minute", hours_ago=0, src=data.source(workspace, "Desk")
        ),
    ]
    items[0].tags.add(bug, odd)
    # Set without the services: an audited change would send the panel to the template.
    FeedbackItem.objects.filter(pk=items[2].pk).update(
        status=Status.TRIAGED, triaged_at=timezone.now(), triaged_by=pm.user, assignee=pm.user
    )
    FeedbackItem.objects.filter(pk=items[3].pk).update(
        status=Status.ARCHIVED,
        assignee=other.user,
        sentiment=Sentiment.POSITIVE,
        sentiment_overridden=True,
    )
    FeedbackItem.objects.filter(pk=items[4].pk).update(status=Status.SPAM, version=7)
    FeedbackItem.objects.filter(pk=items[5].pk).update(
        triaged_at=timezone.now() - timedelta(days=3), status=Status.TRIAGED
    )
    IdeaLink.objects.create(
        workspace=workspace, idea=idea, item=items[1], importance=3, note="Needs <it> & soon"
    )
    IdeaLink.objects.create(workspace=workspace, idea=data.idea(workspace, "Second"), item=items[1])
    FeedbackItem.objects.filter(pk=items[8].pk).update(duplicate_of=items[9])
    return [FeedbackItem.objects.get(pk=i.pk) for i in items]


@pytest.mark.parametrize("who", ["pm", "ops_lead"])
def test_the_keypress_panel_reads_exactly_as_the_template_renders_it(workspace_a, personas, who):
    member = personas[who]
    other = personas["ops_lead" if who == "pm" else "pm"]
    items = _varied(workspace_a, personas["pm"], other)
    client = signed_in(member)
    acted = data.item(workspace_a, "Acted on")
    version = 1
    for item in items:
        templated = client.get(f"/w/alpha/feedback/{item.pk}/", headers=HX)
        assert templated.status_code == 200
        answer = client.post(
            f"/w/alpha/feedback/{acted.pk}/update/",
            {
                "version": version,
                "status": "archived" if version % 2 else "new",
                "answer": "row",
                "next": item.pk,
            },
            headers=HX,
        )
        assert answer.status_code == 200
        version += 1
        body = answer.content.decode()
        panel = body[: body.index("\n<template>")]
        assert _same_tokens(panel) == _same_tokens(templated.content.decode()), item.body


def test_an_item_with_history_or_merges_still_gets_the_templates_panel(workspace_a, pm):
    """Sections the Python panel leaves to the template (history, duplicates, merges)."""
    item = data.item(workspace_a, "Changed before")
    services.feedback_update(actor=pm.actor, item=item, expected_version=1, priority=2)
    acted = data.item(workspace_a, "Acted on")
    answer = signed_in(pm).post(
        f"/w/alpha/feedback/{acted.pk}/update/",
        {"version": 1, "status": "archived", "answer": "row", "next": item.pk},
        headers=HX,
    )
    body = answer.content.decode()
    panel = body[: body.index("\n<template>")]
    templated = signed_in(pm).get(f"/w/alpha/feedback/{item.pk}/", headers=HX).content.decode()
    assert _same_tokens(panel) == _same_tokens(templated)
    assert "no changes yet" not in panel and "Activity" in panel


def test_the_compiled_item_read_answers_each_workspace_and_item_afresh(
    workspace_a, workspace_b, pm, django_assert_num_queries
):
    """selectors.triage reads items through one statement compiled once (productops.compiled):
    each read still sees the values of its own call and the rows as they are now."""
    from django.http import Http404

    from feedback.selectors import triage as selectors

    billing, search = data.area(workspace_a, "Billing"), data.area(workspace_a, "Search")
    first = data.item(workspace_a, "First", product_area=billing)
    second = data.item(workspace_a, "Second", person=data.contact(workspace_a, "c@x.test"))
    first.tags.add(data.tag(workspace_a, "zeta"))  # one add each: add() of several is a set
    first.tags.add(data.tag(workspace_a, "alpha"))
    theirs = data.item(workspace_b, "Theirs")
    with django_assert_num_queries(1):
        acted, detail = selectors.item_and_detail(
            workspace=workspace_a, item_id=first.pk, detail_id=second.pk
        )
        assert acted.product_area.name == "Billing" and detail is not None
        assert [t.name for t in acted.tags.all()] == ["zeta", "alpha"]  # in the order added
        assert detail["item"].contact.email == "c@x.test" and detail["item"].assignee is None
    FeedbackItem.objects.filter(pk=first.pk).update(product_area=search, assignee=pm.user)
    again = selectors.item(workspace=workspace_a, item_id=first.pk)
    assert again.product_area.name == "Search" and again.assignee.display_name
    with pytest.raises(Http404):
        selectors.item(workspace=workspace_a, item_id=theirs.pk)
    assert selectors.item(workspace=workspace_b, item_id=theirs.pk).body == "Theirs"
    _, none = selectors.item_and_detail(
        workspace=workspace_a, item_id=first.pk, detail_id=theirs.pk
    )
    assert none is None


@pytest.mark.parametrize(
    "query", ["", "status=new", "status=archived", "status=all", "status=not_spam", "status="]
)
def test_the_answers_tabs_for_a_plain_status_tab_are_what_the_filter_form_gives(
    workspace_a, pm, query
):
    """A keypress from the inbox as it opens (or on a status tab) answers with its tabs without
    the filter form: the same tabs, links and stamp as through the form."""
    from types import SimpleNamespace

    from django.http import QueryDict

    from feedback.forms.triage import InboxFilterForm
    from feedback.views import triage as views

    data.many(workspace_a, 3)
    client = signed_in(pm)
    acted = data.item(workspace_a, "Acted on")
    answer = client.post(
        f"/w/alpha/feedback/{acted.pk}/update/",
        {"version": 1, "status": "archived", "answer": "row"},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": f"http://testserver/w/alpha/feedback/?{query}",
        },
    )
    request = SimpleNamespace(workspace=workspace_a, actor=pm.actor)
    form = InboxFilterForm(QueryDict(query), actor=pm.actor)
    form.is_valid()
    expected = views._tabs(request, form)  # type: ignore[arg-type]
    nav = re.search(r'<nav id="status-tabs".*?</nav>', answer.content.decode(), re.S)
    assert nav is not None
    current = re.findall(r'<a href="\?([^"]*)" class="current"', nav.group(0))
    assert current == [t[3] for t in expected["tabs"] if t[0] == expected["status"]]
    assert f'data-stamp="{expected["stamp"]}"' in nav.group(0)
    assert re.findall(r'<a href="\?([^"]*)"', nav.group(0)) == [t[3] for t in expected["tabs"]]


@pytest.mark.parametrize("in_inbox", [True, False])
@pytest.mark.parametrize("can_triage", [True, False])
@pytest.mark.parametrize(
    "toast",
    [
        None,
        {"text": "Archived: <b>& co</b>", "url": "", "fields": {}},
        {
            "text": "Archived: it",
            "url": "/w/alpha/feedback/1/update/?a=1&b=2",
            "fields": {"status": "new", "add_tag": 'a "tag" <x>', "version": 3},
        },
    ],
)
def test_an_actions_out_of_band_parts_read_exactly_as_the_template_renders_them(
    workspace_a, pm, in_inbox, can_triage, toast
):
    from types import SimpleNamespace

    from django.http import QueryDict
    from django.template.loader import render_to_string

    from feedback.forms.triage import InboxFilterForm
    from feedback.selectors import triage as selectors
    from feedback.templatetags.item_panel import action_parts_html
    from feedback.views import triage as views

    item = _varied(workspace_a, pm, pm)[1]
    item.tags.add(data.tag(workspace_a, "x & y"))
    acted = selectors.item(workspace=workspace_a, item_id=item.pk)
    views.decorate([acted], workspace_a)
    form = InboxFilterForm(QueryDict("status=new&q=a+%26+b"), actor=pm.actor)
    form.is_valid()
    for tabs in (views._tabs(SimpleNamespace(workspace=workspace_a), form), None):  # type: ignore[arg-type]
        context = {"i": acted, "in_inbox": in_inbox, "inbox_tabs": tabs, "toast": toast}
        shell = {"workspace": workspace_a, "can": {"triage_feedback": can_triage}}
        templated = render_to_string(
            "feedback/triage/item.html#action_parts", {**context, **shell, "csrf_token": "tok"}
        )
        built = action_parts_html(
            **context, workspace=workspace_a, can_triage=can_triage, csrf_token="tok"
        )
        assert built == templated


@pytest.mark.parametrize("headers", [HX, {}])
def test_an_edit_of_another_workspaces_item_is_a_404_and_changes_nothing(
    workspace_a, workspace_b, pm, headers
):
    """The keypress no longer reads the item before the service locks it: the lock finding no
    item of the workspace still answers 404, as the read did, for a valid and an invalid form."""
    theirs = data.item(workspace_b, "Not yours")
    client = signed_in(pm)
    for posted in (
        {"version": 1, "status": "archived", "answer": "row"},
        {"version": 1, "status": "bogus"},
    ):
        refused = client.post(f"/w/alpha/feedback/{theirs.pk}/update/", posted, headers=headers)
        assert refused.status_code == 404
    again = FeedbackItem.objects.get(pk=theirs.pk)
    assert (again.status, again.version) == (Status.NEW, 1)


@pytest.mark.django_db(transaction=True)
def test_item_reads_outside_a_transaction_run_prepared_and_read_the_rows_as_they_are_now():
    """Outside a transaction the item reads run as a statement prepared on the connection
    (productops.compiled): the same answer as plain SQL, each call's own ids and values, and
    prepared again on a new connection."""
    from django.db import connection, transaction

    from feedback.selectors import triage as selectors
    from productops import compiled
    from tests.factories import WorkspaceFactory

    workspace = WorkspaceFactory(slug="prepared")
    billing, search = data.area(workspace, "Billing"), data.area(workspace, "Search")
    first = data.item(workspace, "First", product_area=billing)
    second = data.item(workspace, "Second")
    first.tags.add(data.tag(workspace, "bug"))

    def read(item_id: int, detail_id: int) -> tuple:
        acted, detail = selectors.item_and_detail(
            workspace=workspace, item_id=item_id, detail_id=detail_id
        )
        assert detail is not None
        shown = detail["item"]
        return (
            acted.pk,
            acted.product_area.name if acted.product_area else None,
            [t.name for t in acted.tags.all()],
            shown.pk,
            shown.version,
            shown.votes,
            shown.has_events,
        )

    prepared = read(first.pk, second.pk)
    assert "compiled_" in str(compiled._local.prepared.get(connection.connection))
    with transaction.atomic():  # plain SQL inside a transaction
        assert read(first.pk, second.pk) == prepared
    assert prepared == (first.pk, "Billing", ["bug"], second.pk, 1, 1, False)
    FeedbackItem.objects.filter(pk=first.pk).update(product_area=search)
    FeedbackItem.objects.filter(pk=second.pk).update(version=5)
    assert read(first.pk, second.pk)[1] == "Search" and read(first.pk, second.pk)[4] == 5
    assert read(second.pk, first.pk)[0] == second.pk  # the other way round
    connection.close()
    assert read(first.pk, second.pk)[1] == "Search"  # a new connection prepares it again


def test_the_panel_says_how_long_ago_in_words_and_names_a_source_once(workspace_a, pm):
    """ "(just now)", never "(now ago)"; "Intercom" once, "Desk Intercom" (name, then channel)."""
    client = signed_in(pm)
    desk = data.source(workspace_a, "Desk")
    fresh = data.item(workspace_a, "Arrived this minute", hours_ago=0)
    older = data.item(workspace_a, "Arrived earlier", hours_ago=5.2, src=desk)
    FeedbackItem.objects.filter(pk=older.pk).update(
        status=Status.TRIAGED, triaged_at=timezone.now() - timedelta(minutes=5), triaged_by=pm.user
    )

    def text(item):
        html = client.get(f"/w/alpha/feedback/{item.pk}/", headers=HX).content.decode()
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    first, second = text(fresh), text(older)
    assert "(just now)" in first and " ago)" not in first.replace("just now", "")
    assert "Source Intercom Received" in first
    assert "(5 hours ago)" in second and "triaged 5 min ago by" in second
    assert "Source Desk Intercom Received" in second
