"""The inbox list: filters, search, keyset pages, counts, queries and the plan Postgres picks."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from feedback.models import FeedbackItem, Priority, Sentiment, Status
from feedback.selectors import triage as selectors
from feedback.selectors.triage import InboxFilters
from productops.paging import encode_position
from tests.conftest import signed_in
from tests.feedback import triage_data as data

INBOX = "/w/alpha/feedback/"
API = "/api/v1/w/alpha/feedback/"


def ids(page) -> list[int]:
    return [row.pk for row in page.rows]


def inbox_ids(workspace, **filters) -> set[int]:
    page = selectors.inbox(workspace=workspace, filters=InboxFilters(**filters), limit=500)
    return set(ids(page))


@pytest.fixture
def spread(workspace_a, pm, ops_lead):
    """A handful of items that differ in exactly one way each."""
    acme = data.account(workspace_a, "Acme", segment="Enterprise")
    tiny = data.account(workspace_a, "Tiny", segment="SMB")
    zendesk = data.source(workspace_a, "Zendesk")
    bug = data.tag(workspace_a, "bug")
    billing = data.area(workspace_a, "Billing")
    rows = {
        "plain": data.item(workspace_a, "Plain request", hours_ago=1),
        "zendesk": data.item(workspace_a, "From zendesk", src=zendesk, hours_ago=2),
        "tagged": data.item(workspace_a, "Tagged bug", hours_ago=3),
        "billing": data.item(workspace_a, "Billing area", product_area=billing, hours_ago=4),
        "enterprise": data.item(workspace_a, "Big customer", acct=acme, hours_ago=5),
        "smb": data.item(workspace_a, "Small customer", acct=tiny, hours_ago=6),
        "mine": data.item(workspace_a, "Assigned to me", assignee=pm.user, hours_ago=7),
        "ops": data.item(workspace_a, "Assigned to ops", assignee=ops_lead.user, hours_ago=8),
        "angry": data.item(workspace_a, "Angry", sentiment=Sentiment.NEGATIVE, hours_ago=9),
        "urgent": data.item(workspace_a, "Urgent", priority=Priority.URGENT, hours_ago=10),
        "old": data.item(workspace_a, "Old one", hours_ago=24 * 40),
        "triaged": data.item(workspace_a, "Done", status=Status.TRIAGED, hours_ago=11),
        "spam": data.item(workspace_a, "Buy pills", status=Status.SPAM, hours_ago=12),
    }
    rows["tagged"].tags.add(bug)
    return {"rows": rows, "acme": acme, "zendesk": zendesk, "bug": bug, "billing": billing}


def test_the_inbox_shows_new_items_newest_first_by_default(spread, workspace_a):
    page = selectors.inbox(workspace=workspace_a, filters=InboxFilters())
    rows = spread["rows"]
    assert ids(page)[:3] == [rows["plain"].pk, rows["zendesk"].pk, rows["tagged"].pk]
    assert rows["triaged"].pk not in ids(page)
    assert rows["spam"].pk not in ids(page)
    assert ids(page)[-1] == rows["old"].pk


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (lambda s, pm, ops: {"source": s["zendesk"].pk}, {"zendesk"}),
        (lambda s, pm, ops: {"tag": s["bug"].pk}, {"tagged"}),
        (lambda s, pm, ops: {"area": s["billing"].pk}, {"billing"}),
        (lambda s, pm, ops: {"segment": "Enterprise"}, {"enterprise"}),
        (lambda s, pm, ops: {"account": s["acme"].pk}, {"enterprise"}),
        (lambda s, pm, ops: {"assignee": pm.user.pk}, {"mine"}),
        (lambda s, pm, ops: {"assignee": ops.user.pk}, {"ops"}),
        (lambda s, pm, ops: {"sentiment": "negative"}, {"angry"}),
        (lambda s, pm, ops: {"priority": Priority.URGENT}, {"urgent"}),
        (lambda s, pm, ops: {"status": Status.TRIAGED}, {"triaged"}),
        (lambda s, pm, ops: {"status": Status.SPAM}, {"spam"}),
        (lambda s, pm, ops: {"q": "pills", "status": "all"}, {"spam"}),
    ],
)
def test_each_filter_selects_exactly_its_items(
    spread, workspace_a, pm, ops_lead, filters, expected
):
    got = inbox_ids(workspace_a, **filters(spread, pm, ops_lead))
    assert got == {spread["rows"][name].pk for name in expected}


def test_no_area_unassigned_and_unscored_filters(spread, workspace_a):
    rows = spread["rows"]
    assert rows["billing"].pk not in inbox_ids(workspace_a, area=0)
    assert rows["plain"].pk in inbox_ids(workspace_a, area=0)
    unassigned = inbox_ids(workspace_a, assignee=0)
    assert rows["mine"].pk not in unassigned and rows["plain"].pk in unassigned
    unscored = inbox_ids(workspace_a, sentiment="none")
    assert rows["angry"].pk not in unscored and rows["plain"].pk in unscored


def test_the_date_range_includes_both_days(spread, workspace_a):
    today = timezone.localdate()
    recent = inbox_ids(workspace_a, since=today - timedelta(days=3), until=today)
    assert spread["rows"]["old"].pk not in recent
    assert spread["rows"]["plain"].pk in recent
    old_day = spread["rows"]["old"].received_at.date()
    assert inbox_ids(workspace_a, since=old_day, until=old_day) == {spread["rows"]["old"].pk}


def test_the_page_filters_assignee_me_and_unassigned(spread, pm):
    client = signed_in(pm)
    body = client.get(INBOX, {"assignee": "me"}).content.decode()
    assert "Assigned to me" in body and "Assigned to ops" not in body
    body = client.get(INBOX, {"assignee": "unassigned"}).content.decode()
    assert "Assigned to me" not in body and "Plain request" in body


def test_search_uses_web_search_syntax_and_keeps_date_order(workspace_a):
    newer = data.item(workspace_a, "The CSV export is slow", hours_ago=1)
    older = data.item(workspace_a, "Exporting CSV files fails with a timeout", hours_ago=5)
    data.item(workspace_a, "Dark mode please", hours_ago=2)
    page = selectors.inbox(workspace=workspace_a, filters=InboxFilters(q="csv export"))
    assert ids(page) == [newer.pk, older.pk]  # stemmed: "exporting" matches "export"
    assert ids(selectors.inbox(workspace=workspace_a, filters=InboxFilters(q="csv -slow"))) == [
        older.pk
    ]
    assert ids(
        selectors.inbox(workspace=workspace_a, filters=InboxFilters(q='"export is slow"'))
    ) == [newer.pk]


def test_search_never_leaks_other_workspaces(workspace_a, workspace_b):
    data.item(workspace_b, "Secret CSV export of bravo")
    assert ids(selectors.inbox(workspace=workspace_a, filters=InboxFilters(q="bravo"))) == []


@pytest.mark.parametrize("sort", ["newest", "oldest", "priority"])
def test_keyset_pages_have_no_gaps_or_overlaps_even_with_equal_times(workspace_a, sort):
    made = data.many(workspace_a, 60)
    # Ties: many items share one received_at, so the id must break them.
    same = timezone.now() - timedelta(days=2)
    FeedbackItem.objects.filter(pk__in=[i.pk for i in made[10:40]]).update(received_at=same)
    FeedbackItem.objects.filter(pk__in=[i.pk for i in made[::3]]).update(priority=Priority.HIGH)
    seen, cursor, pages = [], None, 0
    while True:
        page = selectors.inbox(
            workspace=workspace_a, filters=InboxFilters(sort=sort), after=cursor, limit=7
        )
        seen.extend(ids(page))
        pages += 1
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(i.pk for i in made)
    assert len(seen) == len(set(seen))
    assert pages == 9
    everything = selectors.inbox(workspace=workspace_a, filters=InboxFilters(sort=sort), limit=100)
    assert seen == ids(everything)


def test_load_more_appends_the_next_rows_by_htmx(workspace_a, pm):
    data.many(workspace_a, 55)
    client = signed_in(pm)
    first = client.get(INBOX).content.decode()
    assert first.count('class="inbox-row"') == 50
    assert 'id="load-more"' in first
    cursor = first.split("cursor=")[1].split('"')[0].replace("&amp;", "&")
    more = client.get(f"{INBOX}?cursor={cursor}", headers={"HX-Request": "true"}).content.decode()
    assert more.count('class="inbox-row"') == 5
    assert 'id="load-more"' not in more
    assert "<html" not in more


def _decorated_rows(workspace, n: int) -> None:
    """Rows that use every column of the list: account, contact, tags, area, assignee, links."""
    made = data.many(workspace, n)
    acct = data.account(workspace, f"Acme {n}", segment="Enterprise")
    person = data.contact(workspace, f"p{n}@acme.test", acct)
    bug = data.tag(workspace, f"bug{n}")
    area = data.area(workspace, f"Area {n}")
    idea = data.idea(workspace, f"Idea {n}")
    FeedbackItem.objects.filter(pk__in=[i.pk for i in made]).update(
        account=acct, contact=person, product_area=area
    )
    FeedbackItem.tags.through.objects.bulk_create(
        [FeedbackItem.tags.through(feedbackitem_id=i.pk, tag_id=bug.pk) for i in made]
    )
    from feedback.models import IdeaLink

    IdeaLink.objects.bulk_create(
        [IdeaLink(workspace=workspace, item=i, idea=idea) for i in made[:50]]
    )


def test_the_inbox_page_runs_the_same_queries_at_10_and_500_items(workspace_a, pm, count_queries):
    client = signed_in(pm)
    _decorated_rows(workspace_a, 10)
    few, _ = count_queries(client, INBOX)
    _decorated_rows(workspace_a, 490)
    many, response = count_queries(client, INBOX)
    assert response.content.decode().count('class="inbox-row"') == 50
    assert few == many
    assert many <= 20, many
    print(f"inbox page queries: {many}")


def test_the_api_list_runs_the_same_queries_at_10_and_500_items(workspace_a, pm, count_queries):
    client = signed_in(pm)
    _decorated_rows(workspace_a, 10)
    few, _ = count_queries(client, f"{API}?limit=500")
    _decorated_rows(workspace_a, 490)
    many, response = count_queries(client, f"{API}?limit=500")
    assert len(response.json()["results"]) == 500
    assert few == many


def test_the_panel_runs_the_same_queries_however_many_duplicates_and_links(
    workspace_a, pm, count_queries
):
    from feedback.services import triage_merges

    client = signed_in(pm)
    original = data.item(workspace_a, "The original", hours_ago=100)
    dup = data.item(workspace_a, "A duplicate")
    triage_merges.feedback_merge(actor=pm.actor, original=original, duplicate=dup)
    few, _ = count_queries(client, f"{INBOX}{original.pk}/", headers={"HX-Request": "true"})
    for k in range(20):
        extra = data.item(workspace_a, f"Another duplicate {k}")
        triage_merges.feedback_merge(actor=pm.actor, original=original, duplicate=extra)
    many, _ = count_queries(client, f"{INBOX}{original.pk}/", headers={"HX-Request": "true"})
    assert few == many


def test_the_default_inbox_query_walks_the_feedback_inbox_index(workspace_a, workspace_b):
    # Most items of a living workspace are triaged or archived; the inbox reads the new ones.
    data.many(workspace_a, 2000)
    data.many(workspace_a, 5000, status=Status.TRIAGED)
    data.many(workspace_a, 1000, status=Status.ARCHIVED)
    data.many(workspace_b, 1500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feedback_feedbackitem")
    filtered = selectors.filtered(workspace=workspace_a, filters=InboxFilters())
    query = selectors.with_list_columns(filtered.order_by(*selectors.ORDERINGS["newest"]))[:51]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "feedback_inbox" in plan, plan
    assert "Sort" not in plan.split("SubPlan")[0], plan
    assert "OFFSET" not in sql.upper()


def test_a_keyset_page_deep_in_the_list_also_starts_at_the_index(workspace_a):
    made = data.many(workspace_a, 4000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feedback_feedbackitem")
    deep = made[3000]
    cursor_value = encode_position(deep.received_at, deep.pk)
    qs = selectors._after(
        selectors.filtered(workspace=workspace_a, filters=InboxFilters()),
        selectors.decode_cursor(cursor_value, "newest"),
        "newest",
    ).order_by("-received_at", "-id")[:51]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Cond" in plan and "received_at <=" in plan, plan


def test_filter_fields_load_when_opened_and_show_at_once_when_a_filter_is_set(workspace_a, pm):
    acme = data.account(workspace_a, "Acme Ltd")
    data.item(workspace_a, "Export please", acct=acme)
    client = signed_in(pm)
    plain = client.get(INBOX).content.decode()
    assert 'id="filter-fields"' in plain and 'name="account"' not in plain
    assert 'hx-trigger="toggle from:#filter-menu once"' in plain
    opened = client.get(
        INBOX, headers={"HX-Request": "true", "HX-Target": "filter-fields"}
    ).content.decode()
    assert "<html" not in opened and 'name="account"' in opened
    assert f'<option value="{acme.pk}">Acme Ltd</option>' in opened
    filtered = client.get(f"{INBOX}?account={acme.pk}").content.decode()
    assert f'<option value="{acme.pk}" selected>Acme Ltd</option>' in filtered
    no_script = client.get(f"{INBOX}?filters=open").content.decode()
    assert (
        'name="account"' in no_script
        and '<details class="filter-menu" id="filter-menu" open>' in no_script
    )


def test_a_row_shows_every_column_and_escapes_what_people_typed(workspace_a, pm):
    from feedback.services import triage as services

    acct = data.account(workspace_a, "<b>Acme</b> & Co", segment="Enterprise")
    item = data.item(workspace_a, "<script>alert(1)</script> export", acct=acct)
    services.feedback_update(
        actor=pm.actor,
        item=item,
        expected_version=1,
        priority=Priority.HIGH,
        assignee="me",
        new_area="Billing",
        add_tags=["<i>vat</i>"],
        sentiment=Sentiment.NEGATIVE,
    )
    page = signed_in(pm).get(INBOX).content.decode()
    row = page.split(f'<tr id="item-{item.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "<script>" not in row and "&lt;script&gt;alert(1)&lt;/script&gt; export" in row
    assert (
        f'<a class="acct" href="/w/alpha/feedback/accounts/{acct.pk}/" tabindex="-1">'
        "&lt;b&gt;Acme&lt;/b&gt; &amp; Co</a>"
    ) in row
    assert '<span class="badge">Enterprise</span>' in row
    assert '<span class="area">Billing</span>' in row
    assert '<span class="tag">&lt;i&gt;vat&lt;/i&gt;</span>' in row
    assert 'class="prio prio-3" title="High"' in row
    assert 'title="Sentiment: Negative (set by a PM)"' in row
    assert f'title="Assigned to {pm.user.display_name}">{pm.user.display_name[0].upper()}<' in row
    assert f'value="{item.pk}:2"' in row and 'data-version="2"' in row


def test_a_panel_reads_only_the_sections_its_item_has_rows_in(workspace_a, pm, count_queries):
    from feedback.models import DuplicateCandidate
    from feedback.services import ideas, triage, triage_merges

    client = signed_in(pm)
    panel = {"headers": {"HX-Request": "true"}}
    bare = data.item(workspace_a, "Nothing beside it yet")
    full = data.item(workspace_a, "Everything beside it", hours_ago=50)
    merged = data.item(workspace_a, "Said again by someone else", hours_ago=2)
    triage_merges.feedback_merge(actor=pm.actor, original=full, duplicate=merged)
    ideas.idea_link(actor=pm.actor, idea=data.idea(workspace_a, "Bulk export"), items=[full])
    maybe = data.item(workspace_a, "Perhaps the same request", hours_ago=90)
    DuplicateCandidate.objects.create(workspace=workspace_a, item=full, candidate=maybe, score=0.6)
    full.refresh_from_db()
    triage.feedback_update(
        actor=pm.actor, item=full, expected_version=full.version, priority=Priority.HIGH
    )

    bare_queries, bare_page = count_queries(client, f"{INBOX}{bare.pk}/", **panel)
    full_queries, full_page = count_queries(client, f"{INBOX}{full.pk}/", **panel)
    shown = full_page.content.decode()
    assert "Bulk export" in shown  # its idea
    assert f"#{merged.pk}</a>" in shown  # the duplicate merged into it
    assert f"Merge into #{maybe.pk}" in shown  # the candidate
    assert f"#{merged.pk} → #{full.pk}" in shown  # the merge history
    assert "no changes yet" not in shown  # its activity
    bare_shown = bare_page.content.decode()
    assert "Not linked to an idea yet." in bare_shown
    assert "Possible duplicates" not in bare_shown
    assert "no changes yet" in bare_shown
    # Each of the five sections is one read, made only when the item has rows in it.
    assert full_queries == bare_queries + 5, (bare_queries, full_queries)


def test_the_pickers_offer_tags_areas_and_triaging_members_in_one_query(
    workspace_a, workspace_b, personas, django_assert_num_queries
):
    from feedback.selectors import triage_choices

    for name in ("ux", "bug", "api"):
        data.tag(workspace_a, name)
    data.tag(workspace_b, "theirs")
    for name in ("Mobile", "Billing"):
        data.area(workspace_a, name)
    with django_assert_num_queries(1):
        offered = triage_choices.offered(workspace=workspace_a)
    assert [t.name for t in offered.tags] == ["api", "bug", "ux"]
    assert [a.name for a in offered.areas] == ["Billing", "Mobile"]
    gone = personas["ops_lead"].user
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    triaging = sorted(
        (
            p.user
            for p in personas.values()
            if p.membership is not None
            and p.membership.workspace_id == workspace_a.pk
            and p.membership.role != "exec"
            and p.user is not gone
        ),
        key=lambda user: (user.name, user.email),
    )
    assert len(triaging) >= 2
    with django_assert_num_queries(1):
        offered = triage_choices.offered(workspace=workspace_a)
    assert [(u.pk, u.display_name) for u in offered.assignees] == [
        (u.pk, u.display_name) for u in triaging
    ]


@given(
    st.text(
        st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("e\u0301\u0344"),
        max_size=300,
    )
)
def test_a_row_shortens_its_headline_exactly_as_django_truncator_does(text):
    from django.utils.text import Truncator

    from feedback.templatetags.inbox_rows import HEADLINE_CHARS, _shortened

    assert _shortened(text) == Truncator(text).chars(HEADLINE_CHARS)


@given(st.text(st.characters(codec="ascii"), min_size=100, max_size=300))
def test_a_row_shortens_an_ascii_headline_exactly_as_django_truncator_does(text):
    from django.utils.text import Truncator

    from feedback.templatetags.inbox_rows import HEADLINE_CHARS, _shortened

    assert _shortened(text) == Truncator(text).chars(HEADLINE_CHARS)


def test_the_page_rows_read_as_plain_values_show_what_the_item_rows_show(
    spread, workspace_a, pm, ops_lead
):
    """The inbox page reads its rows as plain values (selectors.inbox_page); the rows the
    actions send back are items (selectors.item): both render the same markup, for every
    kind of row (account, contact, e-mail only, area, tags, assignee, duplicate, links)."""
    from django.template import Context

    from feedback.services import triage as services
    from feedback.services import triage_merges
    from feedback.templatetags.inbox_rows import inbox_row
    from feedback.views.triage import decorate

    rows = spread["rows"]
    person = data.contact(workspace_a, "dana@tiny.test")
    data.item(workspace_a, "From a contact", person=person, hours_ago=13)
    data.item(workspace_a, "By e-mail only", submitter_email="eve@mail.test", hours_ago=14)
    services.feedback_update(
        actor=pm.actor,
        item=rows["plain"],
        expected_version=1,
        new_area="Mobile",
        add_tags=["zeta", "alpha"],
        assignee=str(ops_lead.user.pk),
    )
    ops_lead.user.is_active = False  # assigned, but no longer among the pickers' assignees
    ops_lead.user.save(update_fields=["is_active"])
    triage_merges.feedback_merge(actor=pm.actor, original=rows["tagged"], duplicate=rows["smb"])
    data_idea = data.idea(workspace_a, "An idea")
    from feedback.models import IdeaLink

    IdeaLink.objects.create(workspace=workspace_a, item=rows["billing"], idea=data_idea)
    context = Context({"workspace": workspace_a})
    filters = InboxFilters(status="all")
    plain = selectors.inbox_page(workspace=workspace_a, filters=filters).rows
    decorate(plain, workspace_a)
    items = selectors.inbox(workspace=workspace_a, filters=filters).rows
    decorate(items, workspace_a)
    assert [row.pk for row in plain] == [item.pk for item in items] and len(plain) >= 14
    for row, item in zip(plain, items, strict=True):
        assert inbox_row(context, row, True) == inbox_row(context, item, True)
    shown = {row.pk: row for row in plain}
    assert shown[rows["plain"].pk].tag_names == ["zeta", "alpha"]
    assert shown[rows["plain"].pk].assignee.display_name == ops_lead.user.display_name


def test_the_inbox_page_shows_what_changed_since_it_was_last_read(workspace_a, pm, ops_lead):
    """Its reads' SQL is kept between requests (productops.compiled), never their rows."""
    from feedback.models import SavedView

    client = signed_in(pm)
    item = data.item(workspace_a, "Export is slow")
    before = client.get(INBOX).content.decode()
    assert "Export is slow" in before and "Triage bug" not in before
    data.item(workspace_a, "Triage bug", hours_ago=0.5)
    data.tag(workspace_a, "fresh-tag")
    SavedView.objects.create(
        workspace=workspace_a, owner=ops_lead.user, name="Ops shared", shared=True, filters={}
    )
    item.tags.add(data.tag(workspace_a, "slow"))
    after = client.get(INBOX).content.decode()
    assert "Triage bug" in after and '<span class="tag">slow</span>' in after
    assert '<option value="fresh-tag">' in after and "Ops shared" in after


def test_an_empty_inbox_says_so(workspace_a, pm):
    client = signed_in(pm)
    assert "Inbox zero: nothing new to triage." in client.get(INBOX).content.decode()
    data.item(workspace_a, "Export is slow")
    page = client.get(INBOX, {"q": "nothing like this"}).content.decode()
    assert "No feedback matches these filters." in page and 'class="inbox-row"' not in page
    page = client.get(INBOX).content.decode()
    assert page.count('class="inbox-row"') == 1 and "Inbox zero" not in page


def test_the_bulk_bar_offers_the_pickers_choices_escaped(workspace_a, pm):
    data.tag(workspace_a, "<b>vat</b>")
    area = data.area(workspace_a, "Billing & tax")
    page = signed_in(pm).get(INBOX).content.decode()
    bar = page.split('id="bulk-form"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{pm.user.pk}">{pm.user.display_name}</option>' in bar
    assert f'<option value="{area.pk}">Billing &amp; tax</option>' in bar
    assert '<option value="3">High</option>' in bar
    assert '<datalist id="tag-options"><option value="&lt;b&gt;vat&lt;/b&gt;"></option>' in page
