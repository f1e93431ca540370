"""The status counters behind the inbox tabs equal a recount after any sequence of actions."""

import contextlib
import random
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count

from feedback.intake_item import IntakeItem
from feedback.models import FeedbackItem, FeedbackMerge, Status, StatusCount
from feedback.selectors import triage as selectors
from feedback.selectors.triage import InboxFilters
from feedback.services import intake as intake_services
from feedback.services import sources as source_services
from feedback.services import status_counts, triage_bulk, triage_merges
from feedback.services import triage as services
from productops.errors import StaleEdit
from tests.conftest import signed_in
from tests.feedback import triage_data as data

STATUSES = list(Status.values)


def kept(workspace) -> dict[str, int]:
    rows = StatusCount.objects.filter(workspace=workspace).values_list("status", "items")
    return {status: n for status, n in rows if n}


def stamp(workspace) -> int:
    return selectors.status_counts(workspace=workspace, filters=InboxFilters()).stamp


def recounted(workspace) -> dict[str, int]:
    rows = (
        FeedbackItem.objects.filter(workspace=workspace)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return dict(rows)


def _items(workspace) -> list[FeedbackItem]:
    return list(FeedbackItem.objects.filter(workspace=workspace).order_by("pk"))


def _one_action(rng: random.Random, step: int, workspace, pm, admin, web_form) -> None:
    """One random action through the services a person or a channel uses."""
    items = _items(workspace)
    kind = rng.choice(
        ["create", "web_form", "resend", "update", "stale", "bulk", "revert", "merge", "unmerge"]
    )
    if kind == "create" or not items:
        intake_services.feedback_create_manual(actor=pm.actor, body=f"Said on a call {step}")
    elif kind == "web_form":
        intake_services.feedback_web_form_submit(
            workspace=workspace,
            body=f"From the form {step}",
            spam_reason="honeypot" if rng.random() < 0.5 else "",
        )
    elif kind == "resend":
        # The same external id again is the same row: counted once.
        key = f"ext-{rng.randint(0, 3)}"
        intake_services.feedback_submit(
            actor=admin.actor,
            source=web_form,
            items=[IntakeItem(body=f"Sent again {step}", external_id=key)],
            wake=False,
        )
    elif kind == "update":
        item = rng.choice(items)
        services.feedback_update(
            actor=pm.actor,
            item=item,
            expected_version=item.version,
            status=rng.choice(STATUSES),
        )
    elif kind == "stale":
        item = rng.choice(items)
        with pytest.raises(StaleEdit):
            services.feedback_update(
                actor=pm.actor, item=item, expected_version=item.version - 1, status=Status.SPAM
            )
    elif kind == "bulk":
        chosen = rng.sample(items, min(len(items), rng.randint(1, 5)))
        versions = {i.pk: i.version for i in chosen}
        if rng.random() < 0.3:
            versions[chosen[0].pk] -= 1  # one the PM saw before someone changed it: skipped
        triage_bulk.feedback_bulk_update(
            actor=pm.actor, versions=versions, status=rng.choice(STATUSES)
        )
    elif kind == "revert":
        chosen = rng.sample(items, min(len(items), 3))
        triage_bulk.feedback_bulk_revert(
            actor=pm.actor,
            reverts={i.pk: (i.version, {"status": rng.choice(STATUSES)}) for i in chosen},
        )
    elif kind == "merge" and len(items) > 1:
        original, duplicate = rng.sample(items, 2)
        # Refused (already a duplicate, or of each other): nothing changes.
        with contextlib.suppress(ValidationError):
            triage_merges.feedback_merge(actor=pm.actor, original=original, duplicate=duplicate)
    elif kind == "unmerge":
        merge = FeedbackMerge.objects.filter(workspace=workspace, undone_at=None).first()
        if merge is not None:
            triage_merges.feedback_unmerge(actor=pm.actor, merge=merge)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counters_equal_a_recount_after_random_actions(seed, workspace_a, pm, admin):
    web_form = source_services.web_form_set(actor=admin.actor, enabled=True)
    data.many(workspace_a, 6)
    rng = random.Random(seed)
    for step in range(60):
        counts_before, stamp_before = kept(workspace_a), stamp(workspace_a)
        _one_action(rng, step, workspace_a, pm, admin, web_form)
        assert kept(workspace_a) == recounted(workspace_a), f"step {step}"
        # The stamp orders the counts: it never goes back, and counts that changed have a
        # later stamp (what lets the inbox drop tabs that answer late).
        assert stamp(workspace_a) >= stamp_before, f"step {step}"
        if kept(workspace_a) != counts_before:
            assert stamp(workspace_a) > stamp_before, f"step {step}"
    assert sum(recounted(workspace_a).values()) > 6
    shown = selectors.status_counts(workspace=workspace_a, filters=InboxFilters()).counts
    assert shown == {s: f"{recounted(workspace_a).get(s, 0):,}" for s in STATUSES}


def test_an_action_that_fails_leaves_the_counts_as_they_were(workspace_a, pm):
    item = data.item(workspace_a, "Export please")
    before, stamp_before = kept(workspace_a), stamp(workspace_a)
    with pytest.raises(StaleEdit):
        services.feedback_update(actor=pm.actor, item=item, expected_version=7, status="spam")
    with pytest.raises(ValidationError):
        triage_merges.feedback_merge(actor=pm.actor, original=item, duplicate=item)
    assert kept(workspace_a) == before == {"new": 1}
    assert stamp(workspace_a) == stamp_before


def test_counters_are_kept_per_workspace(workspace_a, workspace_b, pm):
    mine = data.item(workspace_a, "Ours")
    data.many(workspace_b, 3)
    services.feedback_update(actor=pm.actor, item=mine, expected_version=1, status="archived")
    assert kept(workspace_a) == {"archived": 1}
    assert kept(workspace_b) == {"new": 3}


def test_recount_repairs_rows_written_around_the_services(workspace_a):
    source = data.source(workspace_a)
    FeedbackItem.objects.bulk_create(
        [FeedbackItem(workspace=workspace_a, source=source, body=f"b{n}") for n in range(4)]
        + [FeedbackItem(workspace=workspace_a, source=source, body="x", status="spam")]
    )
    assert kept(workspace_a) == {}  # a bulk load goes around the services...
    status_counts.recount(workspace_a)
    assert kept(workspace_a) == {"new": 4, "spam": 1}  # ...and is counted once repaired
    # A repair is a later state too: tabs read before it count as older.
    repaired = stamp(workspace_a)
    status_counts.recount(workspace_a)
    assert kept(workspace_a) == {"new": 4, "spam": 1} and stamp(workspace_a) > repaired > 0


def test_unfiltered_tabs_read_the_counters_and_filtered_tabs_cap_their_counts(workspace_a, pm):
    data.many(workspace_a, 1003)
    made = data.many(workspace_a, 2, status=Status.TRIAGED)
    unfiltered = selectors.status_counts(workspace=workspace_a, filters=InboxFilters()).counts
    assert unfiltered == {"new": "1,003", "triaged": "2", "archived": "0", "spam": "0"}
    # Sorting does not narrow: still the counters.
    oldest = selectors.status_counts(
        workspace=workspace_a, filters=InboxFilters(sort="oldest")
    ).counts
    assert oldest == unfiltered
    since = made[0].received_at.date() - timedelta(days=1)
    filtered = selectors.status_counts(
        workspace=workspace_a, filters=InboxFilters(since=since)
    ).counts
    assert filtered == {"new": "1,000+", "triaged": "2", "archived": "0", "spam": "0"}


def _tab_counts(html: str) -> dict[str, str]:
    """{label: count} of the status tabs swapped in out-of-band."""
    nav = html.split('<nav id="status-tabs"', 1)[1].split("</nav>", 1)[0]
    assert 'hx-swap-oob="true"' in nav.split(">", 1)[0]
    return dict(re.findall(r'>(\w+) <span class="count">([\d,+]+)</span>', nav))


def _tab_stamp(html: str) -> int:
    nav = html.split('<nav id="status-tabs"', 1)[1].split(">", 1)[0]
    return int(re.search(r'data-stamp="(\d+)"', nav).group(1))


def test_each_action_from_the_inbox_answers_with_its_tabs_counted_again(workspace_a, pm):
    first, second, third = data.many(workspace_a, 3)
    client = signed_in(pm)
    hx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/w/alpha/feedback/"}
    done = client.post(
        f"/w/alpha/feedback/{first.pk}/update/", {"version": 1, "status": "triaged"}, headers=hx
    )
    assert done.status_code == 200
    assert _tab_counts(done.content.decode()) == {
        "New": "2",
        "Triaged": "1",
        "Archived": "0",
        "Spam": "0",
    }
    bulk = client.post(
        "/w/alpha/feedback/bulk/",
        {"action": "spam", "items": [f"{second.pk}:1", f"{third.pk}:1"]},
        headers=hx,
    )
    assert bulk.status_code == 200
    assert _tab_counts(bulk.content.decode())["New"] == "0"
    assert _tab_counts(bulk.content.decode())["Spam"] == "2"
    # Each answer's tabs say which state they were counted at: the later action's are later.
    assert _tab_stamp(bulk.content.decode()) > _tab_stamp(done.content.decode())


def test_tabs_after_an_action_keep_the_inbox_filters_it_came_from(workspace_a, pm):
    billing = data.area(workspace_a, "Billing")
    mine = data.item(workspace_a, "Invoice wrong", product_area=billing)
    data.many(workspace_a, 4)  # no area: outside the filtered tabs
    client = signed_in(pm)
    page = f"http://testserver/w/alpha/feedback/?area={billing.pk}"
    done = client.post(
        f"/w/alpha/feedback/{mine.pk}/update/",
        {"version": 1, "status": "archived"},
        headers={"HX-Request": "true", "HX-Current-URL": page},
    )
    html = done.content.decode()
    assert _tab_counts(html) == {"New": "0", "Triaged": "0", "Archived": "1", "Spam": "0"}
    assert f"area={billing.pk}" in html.split('<nav id="status-tabs"', 1)[1].split("</nav>")[0]


def test_an_action_from_the_item_page_sends_no_tabs(workspace_a, pm):
    item = data.item(workspace_a, "Export please")
    done = signed_in(pm).post(
        f"/w/alpha/feedback/{item.pk}/update/",
        {"version": 1, "status": "triaged"},
        headers={
            "HX-Request": "true",
            "HX-Current-URL": f"http://testserver/w/alpha/feedback/{item.pk}/",
        },
    )
    assert done.status_code == 200 and 'id="status-tabs"' not in done.content.decode()


def test_an_action_answered_for_the_row_only_sends_no_panel(workspace_a, pm):
    """The inbox acts before the answer and already shows the next item: it asks for the row,
    the tabs and the undo note, not for the acted-on item's panel."""
    first = data.many(workspace_a, 2)[0]
    done = signed_in(pm).post(
        f"/w/alpha/feedback/{first.pk}/update/",
        {"version": 1, "status": "archived", "answer": "row"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/w/alpha/feedback/"},
    )
    html = done.content.decode()
    assert done.status_code == 200
    assert 'class="panel-body"' not in html
    assert f'<tr id="item-{first.pk}"' in html and 'data-status="archived"' in html
    assert 'data-version="2"' in html
    assert _tab_counts(html) == {"New": "1", "Triaged": "0", "Archived": "1", "Spam": "0"}
    assert "Archived: Feedback number 0" in html and "data-undo" in html
    assert FeedbackItem.objects.get(pk=first.pk).status == "archived"
