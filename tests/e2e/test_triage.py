"""A PM's morning in the inbox, in real Chromium, with the keyboard only."""

import itertools
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from feedback.models import DuplicateCandidate, FeedbackItem, FeedbackMerge, IdeaLink, Status
from productops import demo
from tests.e2e.conftest import Held, assert_fits_phone, settled, sign_in
from tests.feedback import triage_data as data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_inbox_as_pm(page, live_server, width: int) -> None:
    """Signs the PM in and opens the inbox in a window `width` pixels wide."""
    sign_in(page, live_server, "pm@acme.test")
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/w/acme/feedback/")


@pytest.fixture
def inbox():
    acme = demo.seed_platform()
    big = data.account(acme, "Bigco", segment="Enterprise", revenue=90000)
    small = data.account(acme, "Smallco", segment="SMB", revenue=4000)
    first = data.item(acme, "Invoices show the wrong VAT rate", hours_ago=1)
    second = data.item(acme, "Love the new dashboards", hours_ago=2)
    third = data.item(
        acme, "We need SSO with Okta", person=data.contact(acme, "it@big.test", big), hours_ago=3
    )
    fourth = data.item(
        acme,
        "Okta single sign-on please",
        person=data.contact(acme, "ops@small.test", small),
        hours_ago=4,
    )
    DuplicateCandidate.objects.create(workspace=acme, item=fourth, candidate=third, score=0.62)
    idea = data.idea(acme, "Single sign-on with Okta")
    return {"items": [first, second, third, fourth], "idea": idea}


def panel_shows(page, item) -> None:
    page.wait_for_selector(f'#panel .panel-body[data-item="{item.pk}"]')
    settled(page)


def slid(page) -> None:
    """The panel's slide-over has finished moving in or out (its CSS transition)."""
    page.locator("#panel").evaluate(
        "panel => Promise.all(panel.getAnimations().map(moving => moving.finished))"
    )


def press_and_wait(page, key: str, path_part: str) -> None:
    """Press a key that posts to `path_part` and wait until the page has taken the answer in.
    Playwright hears a response before the page's script does: an optimistic action (fetch,
    static/js/inbox.js) is taken in when its row is no longer pending, an htmx one when htmx
    has swapped and settled."""
    with page.expect_response(lambda r: path_part in r.url and r.request.method == "POST") as r:
        page.keyboard.press(key)
    assert r.value.status == 200, r.value.status
    expect(page.locator("#inbox-rows tr.pending")).to_have_count(0)
    settled(page)


def test_a_pm_triages_links_and_merges_with_the_keyboard(page, live_server, inbox):
    first, second, third, fourth = inbox["items"]
    idea = inbox["idea"]
    sign_in(page, live_server, "pm@acme.test")
    page.goto(f"{live_server.url}/w/acme/ideas/{idea.pk}/")
    assert page.locator("[data-demand=accounts]").inner_text().strip() == "0"

    page.keyboard.press("g")
    page.keyboard.press("f")
    page.wait_for_url(f"{live_server.url}/w/acme/feedback/")
    page.evaluate("window.__stayed = true")
    assert page.locator("tr.inbox-row").count() == 4

    # First item: tag it, then mark it triaged; the next one opens by itself.
    page.keyboard.press("j")
    panel_shows(page, first)
    page.keyboard.press("t")
    page.keyboard.type("billing")
    press_and_wait(page, "Enter", f"/{first.pk}/update/")
    page.wait_for_selector("#panel .tag-edit .tag")
    press_and_wait(page, "r", f"/{first.pk}/update/")
    panel_shows(page, second)
    assert not page.locator(f"#item-{first.pk}").is_visible()

    # Second: archive it (and the undo note offers to bring it back).
    press_and_wait(page, "e", f"/{second.pk}/update/")
    expect(page.locator("#inbox-toast")).to_contain_text("Archived")
    panel_shows(page, third)

    # Third: link it to the SSO idea from the picker, then mark it triaged.
    page.keyboard.press("l")
    page.keyboard.type("Okta")
    page.wait_for_selector("#idea-results [data-pick]")
    press_and_wait(page, "Enter", f"/{third.pk}/link/")
    page.wait_for_selector("#panel .link-row")
    press_and_wait(page, "r", f"/{third.pk}/update/")
    panel_shows(page, fourth)

    # Fourth: a duplicate of the third; d then Enter merges it into the top candidate.
    assert page.locator("#panel .candidates [data-pick]").count() == 1
    page.keyboard.press("d")
    press_and_wait(page, "Enter", f"/{fourth.pk}/merge/")
    expect(page.locator("#inbox-toast")).to_contain_text("Merged into")
    assert page.evaluate("window.__stayed") is True
    expect(page.locator("tr.inbox-row:not(.gone)")).to_have_count(0)

    statuses = dict(FeedbackItem.objects.values_list("pk", "status"))
    assert statuses[first.pk] == Status.TRIAGED
    assert statuses[second.pk] == Status.ARCHIVED
    assert statuses[third.pk] == Status.TRIAGED
    assert statuses[fourth.pk] == Status.ARCHIVED
    assert [t.name for t in FeedbackItem.objects.get(pk=first.pk).tags.all()] == ["billing"]
    assert IdeaLink.objects.filter(idea=idea, item=third).exists()
    assert FeedbackMerge.objects.filter(original=third, duplicate=fourth).exists()

    # The idea's page counts both companies now: Bigco via the link, Smallco via the merge.
    page.goto(f"{live_server.url}/w/acme/ideas/{idea.pk}/")
    assert page.locator("[data-demand=accounts]").inner_text().strip() == "2"
    assert page.console_problems == []


def test_the_inbox_shortcuts_dialog_opens_instead_of_the_shells(page, live_server, inbox):
    sign_in(page, live_server, "pm@acme.test")
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("?")
    assert page.locator("dialog#inbox-shortcuts").is_visible()
    assert not page.locator("dialog#shortcuts").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("x")  # nothing under the cursor yet: nothing selected
    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.locator("#bulk-form [data-selected-count]").inner_text() == "2 selected"
    # Playwright hears the answer before htmx swaps it in: what the page shows is awaited.
    with page.expect_response(lambda r: r.url.endswith("/feedback/bulk/")) as r:
        page.keyboard.press("e")
    assert r.value.status == 200
    assert FeedbackItem.objects.filter(status=Status.ARCHIVED).count() == 2
    expect(page.locator("#inbox-toast")).to_contain_text("2 items")
    expect(page.locator("tr.inbox-row:not(.gone)")).to_have_count(2)
    settled(page)  # the note's undo form is live (else u could submit it without htmx: a 302)

    # u undoes the bulk action too: both rows come back, and the note then leaves by itself.
    press_and_wait(page, "u", "/feedback/bulk/undo/")
    assert FeedbackItem.objects.filter(status=Status.ARCHIVED).count() == 0
    expect(page.locator("#inbox-toast")).to_contain_text("Undone: 2 items")
    expect(page.locator("tr.inbox-row:not(.gone)")).to_have_count(4)
    page.wait_for_selector("#inbox-toast .toast-body", state="detached", timeout=12000)

    # c logs new feedback from the inbox (PMs cannot open Sources, where the link also is).
    page.keyboard.press("c")
    page.wait_for_url(f"{live_server.url}/w/acme/feedback/new/")
    assert page.locator("form textarea[name=body]").is_visible()
    assert page.console_problems == []


@pytest.mark.parametrize("width", [1440, 390])
def test_undo_after_a_merge_puts_the_cursor_on_the_restored_item(page, live_server, inbox, width):
    first, second, third, fourth = inbox["items"]
    open_inbox_as_pm(page, live_server, width)
    for item in (first, second, third, fourth):
        page.keyboard.press("j")
        panel_shows(page, item)
    # Scrolled down to the duplicates picker: the next item must still open at its top.
    page.locator("#panel").evaluate("panel => { panel.scrollTop = panel.scrollHeight; }")
    page.keyboard.press("d")
    press_and_wait(page, "Enter", f"/{fourth.pk}/merge/")
    panel_shows(page, third)  # the cursor moved on to a row still in the list
    assert page.locator("#panel").evaluate("panel => panel.scrollTop") == 0
    assert page.locator("tr.inbox-row.current").get_attribute("id") == f"item-{third.pk}"

    press_and_wait(page, "u", "/undo/")
    panel_shows(page, fourth)
    assert page.locator("tr.inbox-row.current").get_attribute("id") == f"item-{fourth.pk}"
    assert page.locator(f"#item-{fourth.pk}").is_visible()

    # The next key acts on the restored item the cursor and the panel show, not on the third.
    press_and_wait(page, "r", f"/{fourth.pk}/update/")
    statuses = dict(FeedbackItem.objects.values_list("pk", "status"))
    assert statuses[fourth.pk] == Status.TRIAGED
    assert statuses[third.pk] == Status.NEW
    assert FeedbackItem.objects.get(pk=fourth.pk).duplicate_of_id is None
    # ...and the key after that acts on wherever the cursor went next, the item it shows.
    current = page.locator("tr.inbox-row.current")
    expect(current).not_to_have_id(f"item-{fourth.pk}")
    after = next(i for i in (first, second, third) if current.get_attribute("id") == f"item-{i.pk}")
    panel_shows(page, after)
    press_and_wait(page, "e", f"/{after.pk}/update/")
    statuses = dict(FeedbackItem.objects.values_list("pk", "status"))
    assert statuses[after.pk] == Status.ARCHIVED and statuses[fourth.pk] == Status.TRIAGED
    assert sum(status == Status.NEW for status in statuses.values()) == 2
    if width == 390:
        assert page.locator("#panel").bounding_box()["width"] <= 390  # the slide-over
        assert_fits_phone(page)
    assert page.console_problems == []


@pytest.mark.parametrize("width", [1440, 390])
def test_filters_sit_behind_one_button_and_their_chips_remove_them(page, live_server, inbox, width):
    first = inbox["items"][0]
    FeedbackItem.tags.through.objects.create(
        feedbackitem=first, tag=data.tag(first.workspace, "billing")
    )
    open_inbox_as_pm(page, live_server, width)
    assert page.locator("#inbox-q").is_visible()
    assert not page.locator("#inbox-filters select[name=tag]").is_visible()
    # The filters no longer fill a phone's first screen: the first item is on it.
    expect(page.locator(f"#item-{first.pk}")).to_be_in_viewport()
    assert page.locator("#filter-chips .filter-chip").count() == 0

    page.click("#filter-menu > summary")
    with page.expect_response(lambda r: "tag=" in r.url):
        page.select_option("#inbox-filters select[name=tag]", label="billing")
    settled(page)
    chip = page.locator("#filter-chips .filter-chip")
    assert chip.count() == 1 and chip.inner_text().startswith("Tag: billing")
    assert page.locator("#filter-menu [data-filter-count]").inner_text() == "1"
    assert page.locator("tr.inbox-row").count() == 1
    assert page.locator(f"#item-{first.pk}").is_visible()

    with page.expect_response(lambda r: "/feedback/" in r.url and "tag=&" in r.url + "&"):
        chip.click()
    settled(page)
    assert page.locator("#filter-chips .filter-chip").count() == 0
    assert page.locator("tr.inbox-row").count() == 4
    assert "tag=billing" not in page.url
    assert page.locator("#inbox-filters select[name=tag]").input_value() == ""
    assert page.console_problems == []


def test_the_split_view_holds_at_950_px_and_the_item_slides_over_on_a_phone(
    page, live_server, inbox
):
    first, second, *_ = inbox["items"]
    sign_in(page, live_server, "pm@acme.test")
    page.set_viewport_size({"width": 950, "height": 800})
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("j")
    panel_shows(page, first)
    rows = page.locator(".inbox-list").bounding_box()
    panel = page.locator("#panel").bounding_box()
    assert panel["x"] >= rows["x"] + rows["width"]  # beside the list...
    assert abs(panel["y"] - rows["y"]) < 40  # ...at its top, not below it
    assert panel["x"] + panel["width"] <= 950

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/w/acme/feedback/")
    assert not page.locator("#panel").is_visible()
    page.keyboard.press("j")
    panel_shows(page, first)
    slid(page)
    box = page.locator("#panel").bounding_box()
    assert page.locator("#panel").is_visible()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.locator("#panel .panel-close").is_visible()
    # j in the slide-over moves on to the next item, shown in the same slide-over.
    page.keyboard.press("j")
    panel_shows(page, second)
    page.keyboard.press("Escape")
    slid(page)
    expect(page.locator("#panel")).to_be_hidden()
    assert page.locator("tr.inbox-row.current").get_attribute("id") == f"item-{second.pk}"
    assert_fits_phone(page)
    assert page.console_problems == []


def test_the_command_palette_jumps_to_an_item_by_number_and_an_idea_by_words(
    page, live_server, inbox
):
    third = inbox["items"][2]
    idea = inbox["idea"]
    sign_in(page, live_server, "exec@acme.test")
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("Control+k")
    assert page.locator("dialog#palette").is_visible()
    with page.expect_response(lambda r: f"/palette/?q=%23{third.pk}" in r.url):
        page.keyboard.type(f"#{third.pk}")
    page.wait_for_selector(f'#palette-results [role=option][href$="/feedback/{third.pk}/"]')
    settled(page)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/w/acme/feedback/{third.pk}/")

    # Ctrl-K works while a field has focus too; arrows choose among the kinds found.
    page.keyboard.press("Control+k")
    with page.expect_response(lambda r: "/palette/?q=okta" in r.url):
        page.keyboard.type("okta")
    page.wait_for_selector('#palette-results [role=option][href*="/ideas/"]')
    settled(page)
    options = page.locator("#palette-results [role=option]")
    kinds = [options.nth(n).locator(".palette-kind").inner_text() for n in range(options.count())]
    target = kinds.index("Idea")
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    chosen = page.locator('#palette-results [aria-selected="true"]')
    assert chosen.get_attribute("href") == f"/w/acme/ideas/{idea.pk}/"
    assert page.locator("#palette-q").get_attribute(
        "aria-activedescendant"
    ) == chosen.get_attribute("id")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/w/acme/ideas/{idea.pk}/")

    # An exec sees no page their role cannot open; Escape closes the palette.
    page.keyboard.press("Control+k")
    page.keyboard.type("audit")
    page.wait_for_selector("#palette-results .palette-none")
    page.keyboard.press("Escape")
    assert not page.locator("dialog#palette").is_visible()

    # Cmd-K on a Mac; on a phone the palette fits the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.keyboard.press("Meta+k")
    expect(page.locator("dialog#palette")).to_be_visible()
    with page.expect_response(lambda r: "/palette/?q=okta" in r.url):
        page.keyboard.type("okta")
    expect(page.locator('#palette-results [role=option][href*="/ideas/"]')).to_be_visible()
    box = page.locator("dialog#palette").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.console_problems == []


KEYS_TO_STATUS = {"r": Status.TRIAGED, "e": Status.ARCHIVED, "s": Status.SPAM}


@pytest.mark.parametrize("width", [1440, 390])
def test_a_pm_triages_20_items_with_the_keyboard_alone_and_each_lands_on_its_item(
    page, live_server, width
):
    acme = demo.seed_platform()
    made = [data.item(acme, f"Request number {k}", hours_ago=k + 1) for k in range(20)]
    keys = ["r", "e", "s", "r", "e"] * 4
    sign_in(page, live_server, "pm@acme.test")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("j")
    panel_shows(page, made[0])
    for index, key in enumerate(keys):
        # Each key acts at once on the row under the cursor; the cursor moves on before the
        # server answers (no waiting here beyond what a fast typist leaves).
        assert page.locator("tr.inbox-row.current").get_attribute("id") == f"item-{made[index].pk}"
        page.keyboard.press(key)
        page.wait_for_timeout(40)
    page.wait_for_function(
        "() => !document.querySelector('#inbox-rows tr.pending')"
        " && document.querySelectorAll('#inbox-rows tr.inbox-row:not(.gone)').length === 0",
        timeout=20000,
    )
    statuses = dict(FeedbackItem.objects.filter(workspace=acme).values_list("pk", "status"))
    assert [statuses[item.pk] for item in made] == [KEYS_TO_STATUS[k] for k in keys]
    # The tabs followed, whatever order the answers came in: each status counted as the
    # database holds it (an empty tab shows no number).
    tabs = page.locator("#status-tabs a")
    expect(tabs).to_have_text(["New 0", "Triaged 8", "Archived 8", "Spam 4", "All"])
    if width == 390:
        assert_fits_phone(page)
    assert page.console_problems == []


def test_an_answer_that_arrives_late_leaves_the_newer_tabs_and_undo_note(page, live_server, inbox):
    """Two quick keys whose answers cross: the first action's answer, counted before the second
    committed, arrives last. Held back here, so the order is certain."""
    first, second, *_ = inbox["items"]
    sign_in(page, live_server, "pm@acme.test")
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("j")
    panel_shows(page, first)
    held = Held(page, f"**/feedback/{first.pk}/update/")
    page.keyboard.press("e")
    first_answer = held.next()
    late = first_answer.fetch()  # the server archives the first item and counts its tabs now...
    assert late.status == 200
    assert FeedbackItem.objects.get(pk=first.pk).status == Status.ARCHIVED

    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{second.pk}")
    with page.expect_response(lambda r: f"/{second.pk}/update/" in r.url) as answer:
        page.keyboard.press("s")
    assert answer.value.status == 200
    tabs = page.locator("#status-tabs a")
    expect(tabs).to_have_text(["New 2", "Triaged 0", "Archived 1", "Spam 1", "All"])
    expect(page.locator("#inbox-toast")).to_contain_text("Marked spam")

    first_answer.fulfill(response=late)  # ...and the page hears it only after the second's answer
    expect(page.locator(f"#item-{first.pk}")).not_to_have_class("pending")
    expect(page.locator(f"#item-{first.pk}")).to_have_attribute("data-version", "2")
    expect(tabs).to_have_text(["New 2", "Triaged 0", "Archived 1", "Spam 1", "All"])
    expect(page.locator("#inbox-toast")).to_contain_text("Marked spam")
    assert "Archived" not in page.locator("#inbox-toast").inner_text()

    # u undoes the last key pressed (the spam), not the answer that came in last.
    press_and_wait(page, "u", f"/{second.pk}/update/")
    expect(tabs).to_have_text(["New 3", "Triaged 0", "Archived 1", "Spam 0", "All"])
    statuses = dict(FeedbackItem.objects.values_list("pk", "status"))
    assert statuses[first.pk] == Status.ARCHIVED and statuses[second.pk] == Status.NEW
    assert page.console_problems == []


@pytest.mark.parametrize("width", [1440, 390])
def test_the_panel_shows_it_is_loading_while_the_next_item_is_on_its_way(
    page, live_server, inbox, width
):
    first, second, *_ = inbox["items"]
    sign_in(page, live_server, "pm@acme.test")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("j")
    panel_shows(page, first)
    panel = page.locator("#panel")
    expect(panel).to_have_attribute("aria-busy", "false")

    held = Held(page, f"**/feedback/{second.pk}/")
    page.keyboard.press("j")
    next_item = held.next()
    # Held back here: until it comes, the panel says it is busy and draws its moving bar.
    expect(panel).to_have_class(re.compile(r"\bloading\b"))
    expect(panel).to_have_attribute("aria-busy", "true")
    assert panel.evaluate("p => getComputedStyle(p).animationName") == "panel-loading"
    next_item.continue_()
    panel_shows(page, second)
    expect(panel).not_to_have_class(re.compile(r"\bloading\b"))
    expect(panel).to_have_attribute("aria-busy", "false")
    assert page.console_problems == []


@pytest.mark.parametrize("width", [1440, 390])
def test_picker_results_show_under_their_field_in_view(page, live_server, inbox, width):
    first = inbox["items"][0]
    open_inbox_as_pm(page, live_server, width)
    page.keyboard.press("j")
    panel_shows(page, first)
    for key, results in (("d", "#dup-results"), ("l", "#idea-results")):
        page.keyboard.press(key)
        with page.expect_response(lambda r: "q=Okta" in r.url):
            page.keyboard.type("Okta")
        expect(page.locator(f"{results} [data-pick]").first).to_be_visible()
        settled(page)
        field = page.locator("#panel input:focus").bounding_box()
        shown = page.locator(results).bounding_box()
        panel = page.locator("#panel").evaluate(
            "p => { const r = p.getBoundingClientRect();"
            " return {top: Math.max(r.top, 0), bottom: Math.min(r.bottom, innerHeight)}; }"
        )
        assert panel["top"] <= field["y"] < shown["y"]  # under the field the PM types in...
        assert shown["y"] + shown["height"] <= panel["bottom"] + 1  # ...and all in view
        page.keyboard.press("Escape")
    assert page.console_problems == []


def moving_bar(locator) -> str:
    """The animation the element draws its loading bar with ("none" when it waits on nothing)."""
    return locator.evaluate("e => getComputedStyle(e).animationName")


@pytest.mark.parametrize("width", [1440, 390])
def test_the_list_and_a_picker_show_they_are_loading_while_their_answer_is_on_its_way(
    page, live_server, inbox, width
):
    first = inbox["items"][0]
    open_inbox_as_pm(page, live_server, width)
    results = page.locator("#inbox-results")
    assert moving_bar(results) == "none"

    # A tab (the same for a search or a filter: the form names the list as its indicator).
    tab = Held(page, "**/feedback/?*status=archived*")
    page.locator("#status-tabs a", has_text="Archived").click()
    tab_answer = tab.next()
    expect(results).to_have_class(re.compile(r"\bhtmx-request\b"))
    assert moving_bar(results) == "panel-loading"
    tab_answer.continue_()
    expect(page.locator("#inbox-results .empty-row")).to_be_visible()
    expect(page.locator("#inbox-results")).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    assert moving_bar(page.locator("#inbox-results")) == "none"

    # A picker's field, while its results are on their way.
    page.locator("#status-tabs a", has_text="New").click()
    expect(page.locator(f"#item-{first.pk}")).to_be_visible()
    page.keyboard.press("j")
    panel_shows(page, first)
    search = Held(page, "**/duplicates/?q=Okta")
    page.keyboard.press("d")
    page.keyboard.type("Okta")
    found = search.next()
    field = page.locator("#panel input[data-field=duplicate]")
    assert moving_bar(field) == "panel-loading"
    found.continue_()
    expect(page.locator("#dup-results [data-pick]").first).to_be_visible()
    expect(field).not_to_have_class(re.compile(r"\bhtmx-request\b"))
    assert moving_bar(field) == "none"
    assert page.console_problems == []


def test_a_409_puts_the_row_back_with_what_changed(page, live_server, inbox):
    from feedback.services import triage as services
    from productops.access import Actor
    from productops.models import Membership

    first = inbox["items"][0]
    sign_in(page, live_server, "pm@acme.test")
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("j")
    panel_shows(page, first)
    lead = Membership.objects.get(workspace=first.workspace, user__email="ops@acme.test")
    services.feedback_update(
        actor=Actor.for_membership(lead),
        item=first,
        expected_version=1,
        priority=4,
        add_tags=["vat"],
    )
    with page.expect_response(lambda r: f"/{first.pk}/update/" in r.url) as answer:
        page.keyboard.press("e")
    assert answer.value.status == 409
    page.wait_for_selector(f"#item-{first.pk}.kept")
    settled(page)
    assert page.locator(f"#item-{first.pk}").is_visible()
    assert page.locator("tr.inbox-row.current").get_attribute("id") == f"item-{first.pk}"
    conflict = page.locator("#panel .conflict").inner_text()
    assert "Someone else changed this item first" in conflict and "vat" in conflict
    assert FeedbackItem.objects.get(pk=first.pk).status == Status.NEW  # not archived
    # Applying it again (now at the current version) works.
    with page.expect_response(lambda r: f"/{first.pk}/update/" in r.url) as again:
        page.click("#panel [data-reapply]")
    assert again.value.status == 200
    assert FeedbackItem.objects.get(pk=first.pk).status == Status.ARCHIVED
    # Chromium logs the 409 it was answered as a failed load; it is the answer we wanted.
    assert [p for p in page.console_problems if "409 (Conflict)" not in p] == []


@pytest.mark.parametrize("width", [1440, 390])
def test_start_triage_opens_on_the_oldest_item_with_its_panel_already_there(
    page, live_server, inbox, width
):
    oldest = inbox["items"][3]
    open_inbox_as_pm(page, live_server, width)
    page.route("**/feedback/*/", lambda route: route.abort())  # no panel fetch may be needed
    page.click("#start-triage")
    page.wait_for_url("**start=1**")
    assert page.locator(f'#panel .panel-body[data-item="{oldest.pk}"]').count() == 1
    assert page.locator("#panel .panel-empty").count() == 0
    slid(page)  # on a phone the item is open in the slide-over, in view
    expect(page.locator("#panel .panel-body h2").first).to_be_in_viewport()
    assert page.locator("tr.inbox-row.current").get_attribute("id") == f"item-{oldest.pk}"
    page.unroute("**/feedback/*/")
    press_and_wait(page, "r", f"/{oldest.pk}/update/")
    assert FeedbackItem.objects.get(pk=oldest.pk).status == Status.TRIAGED


@pytest.mark.parametrize("width", [1440, 390])
def test_a_pm_logs_feedback_from_the_inbox_with_the_c_key(page, live_server, inbox, width):
    """PMs cannot open Sources: the inbox's own button and its `c` key take them to the form,
    and what they write down waits in the inbox, new, for triage."""
    sign_in(page, live_server, "pm@acme.test")
    page.set_viewport_size({"width": width, "height": 844})
    assert page.request.get(f"{live_server.url}/w/acme/feedback/sources/").status == 403
    page.goto(f"{live_server.url}/w/acme/feedback/")
    expect(page.locator("#new-feedback")).to_be_in_viewport()
    expect(page.locator("#status-tabs a").first).to_have_text("New 4")

    page.keyboard.press("c")
    page.wait_for_url(f"{live_server.url}/w/acme/feedback/new/")
    page.fill("input[name=title]", "CSV export times out on big accounts")
    page.fill("textarea[name=body]", "Told on the quarterly call: the export stops after a minute.")
    page.fill("input[name=email]", "cfo@big.test")
    if width == 390:
        assert_fits_phone(page)
    page.click("#manual-feedback button[type=submit]:not([name])")

    item = FeedbackItem.objects.get(title="CSV export times out on big accounts")
    page.wait_for_url(f"{live_server.url}/w/acme/feedback/{item.pk}/")
    expect(page.locator(".message").first).to_contain_text("Feedback saved.")
    assert item.status == Status.NEW and item.submitter_email == "cfo@big.test"
    assert item.source.channel == "manual"

    page.goto(f"{live_server.url}/w/acme/feedback/")
    expect(page.locator(f"#item-{item.pk}")).to_be_visible()
    expect(page.locator("#status-tabs a").first).to_have_text("New 5")
    if width == 390:
        assert_fits_phone(page)
    assert page.console_problems == []


# What a PM triages a row by, each of which must be on screen at any width.
ROW_PARTS = {
    "selection": "td.sel input",
    "priority": "td.pri .prio",
    "headline": ".headline",
    "who asked": ".meta a",
    "linked ideas": "td.counts",
    "sentiment": "td.senti .dot",
    "assignee": "td.who .avatar",
    "age": "td.age time",
}


@pytest.mark.parametrize("width", [1440, 390])
def test_each_inbox_row_shows_everything_a_pm_triages_by_at_any_width(
    page, live_server, inbox, width
):
    """On a phone the rows become two-line cards rather than dropping columns: the headline
    keeps most of the width, and demand, sentiment and assignee sit under it."""
    third = inbox["items"][2]
    IdeaLink.objects.create(workspace=third.workspace, item=third, idea=inbox["idea"])
    pm = get_user_model().objects.get(email="pm@acme.test")
    FeedbackItem.objects.filter(pk=third.pk).update(assignee=pm)
    open_inbox_as_pm(page, live_server, width)
    row = page.locator(f"#item-{third.pk}")
    expect(row.locator("td.counts")).to_contain_text("↗1")
    expect(row.locator(".meta a")).to_have_text("Bigco")
    around = row.bounding_box()
    for part, selector in ROW_PARTS.items():
        cell = row.locator(selector)
        expect(cell, part).to_be_visible()
        box = cell.bounding_box()
        assert box["width"] > 0 and box["height"] > 0, part
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (part, box)
        assert (
            around["y"] - 1 <= box["y"]
            and box["y"] + box["height"] <= around["y"] + around["height"] + 1
        ), part
    headline = row.locator(".headline").bounding_box()
    assert headline["width"] >= (0.55 if width == 390 else 0.25) * width, headline
    # The rows lie one under another, never overlapping.
    rows = [page.locator(f"#item-{i.pk}").bounding_box() for i in inbox["items"]]
    assert all(a["y"] + a["height"] <= b["y"] + 1 for a, b in itertools.pairwise(rows))
    if width == 390:
        assert_fits_phone(page)
    assert page.console_problems == []


def test_u_undoes_the_actions_one_by_one_from_the_last_and_then_says_nothing_is_left(
    page, live_server, inbox
):
    """`e` on one item, `r` on the next, then `u`, `u`: each press undoes the action before the
    one it last undid (never the undo itself), with the restored item under the cursor."""
    first, second, third, _ = inbox["items"]
    sign_in(page, live_server, "pm@acme.test")
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("j")
    panel_shows(page, first)
    press_and_wait(page, "e", f"/{first.pk}/update/")
    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{second.pk}")
    press_and_wait(page, "r", f"/{second.pk}/update/")
    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{third.pk}")
    statuses = dict(FeedbackItem.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk]) == (Status.ARCHIVED, Status.TRIAGED)
    note = page.locator("#inbox-toast")
    tabs = page.locator("#status-tabs a")

    press_and_wait(page, "u", f"/{second.pk}/update/")
    panel_shows(page, second)
    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{second.pk}")
    expect(note).to_contain_text("Undone: Love the new dashboards")
    expect(note.locator("[data-undo]")).to_have_count(0)  # no undo of the undo
    statuses = dict(FeedbackItem.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk]) == (Status.ARCHIVED, Status.NEW)

    press_and_wait(page, "u", f"/{first.pk}/update/")
    panel_shows(page, first)
    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{first.pk}")
    expect(note).to_contain_text("Undone: Invoices show the wrong VAT rate")
    expect(note.locator("[data-undo]")).to_have_count(0)
    expect(page.locator("tr.inbox-row:not(.gone)")).to_have_count(4)
    expect(tabs).to_have_text(["New 4", "Triaged 0", "Archived 0", "Spam 0", "All"])
    statuses = dict(FeedbackItem.objects.values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk]) == (Status.NEW, Status.NEW)

    posts = []
    page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page.keyboard.press("u")
    expect(note).to_have_text("Nothing to undo")
    page.wait_for_timeout(300)
    assert posts == []
    assert set(FeedbackItem.objects.values_list("status", flat=True)) == {Status.NEW}
    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{first.pk}")
    assert page.console_problems == []


def test_u_undoes_a_single_action_and_then_the_bulk_action_before_it(page, live_server, inbox):
    first, second, third, _ = inbox["items"]
    sign_in(page, live_server, "pm@acme.test")
    page.goto(f"{live_server.url}/w/acme/feedback/")
    for key in ("j", "x", "j", "x"):
        page.keyboard.press(key)
    expect(page.locator("#bulk-form [data-selected-count]")).to_have_text("2 selected")
    press_and_wait(page, "e", "/feedback/bulk/")
    expect(page.locator("#inbox-toast")).to_contain_text("2 items")
    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{third.pk}")
    panel_shows(page, third)
    press_and_wait(page, "r", f"/{third.pk}/update/")
    statuses = dict(FeedbackItem.objects.values_list("pk", "status"))
    assert [statuses[i.pk] for i in (first, second, third)] == [
        Status.ARCHIVED,
        Status.ARCHIVED,
        Status.TRIAGED,
    ]

    press_and_wait(page, "u", f"/{third.pk}/update/")
    panel_shows(page, third)
    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{third.pk}")
    press_and_wait(page, "u", "/feedback/bulk/undo/")
    expect(page.locator("#inbox-toast")).to_contain_text("Undone: 2 items")
    expect(page.locator("#inbox-toast [data-undo]")).to_have_count(0)
    expect(page.locator("tr.inbox-row:not(.gone)")).to_have_count(4)
    assert set(FeedbackItem.objects.values_list("status", flat=True)) == {Status.NEW}
    page.keyboard.press("u")
    expect(page.locator("#inbox-toast")).to_have_text("Nothing to undo")
    assert page.console_problems == []


def test_u_twice_undoes_two_actions_on_one_item_without_a_conflict(page, live_server, inbox):
    """A priority set on an item, then `r` on it: `u` puts it back to new, `u` again its
    priority; each undo's form carries the version the page's own later writes left."""
    first = inbox["items"][0]
    sign_in(page, live_server, "pm@acme.test")
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("j")
    panel_shows(page, first)
    page.keyboard.press("p")
    with page.expect_response(lambda r: f"/{first.pk}/update/" in r.url) as answer:
        page.select_option("#panel [data-field=priority]", "3")
    assert answer.value.status == 200
    settled(page)
    expect(page.locator(f"#item-{first.pk}")).to_have_attribute("data-version", "2")
    page.locator("#panel [data-field=priority]").blur()  # keys act on the list again
    expect(page.locator("tr.inbox-row.current")).to_have_id(f"item-{first.pk}")
    press_and_wait(page, "r", f"/{first.pk}/update/")
    first.refresh_from_db()
    assert (first.status, first.priority) == (Status.TRIAGED, 3)

    press_and_wait(page, "u", f"/{first.pk}/update/")
    panel_shows(page, first)
    first.refresh_from_db()
    assert (first.status, first.priority) == (Status.NEW, 3)
    press_and_wait(page, "u", f"/{first.pk}/update/")
    first.refresh_from_db()
    assert (first.status, first.priority) == (Status.NEW, 0)
    expect(page.locator("#inbox-toast")).to_contain_text("Undone:")
    assert page.console_problems == []


def test_an_undo_note_stays_while_pointed_at_or_focused_and_leaves_by_itself_after(
    page, live_server, inbox
):
    first, second = inbox["items"][:2]
    sign_in(page, live_server, "pm@acme.test")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/w/acme/feedback/")
    page.keyboard.press("j")
    panel_shows(page, first)
    press_and_wait(page, "e", f"/{first.pk}/update/")
    note = page.locator("#inbox-toast .toast-body")
    expect(note).to_contain_text("Archived")
    note.hover()
    page.wait_for_timeout(9500)  # past the 8 s a note shows for
    expect(note).to_be_visible()
    page.mouse.move(5, 5)
    note.wait_for(state="detached", timeout=5000)

    # The same with the keyboard: the note's undo button focused holds it too.
    panel_shows(page, second)
    press_and_wait(page, "e", f"/{second.pk}/update/")
    page.locator("#inbox-toast [data-undo]").focus()
    page.wait_for_timeout(9500)
    expect(note).to_be_visible()
    page.locator("#inbox-q").focus()
    note.wait_for(state="detached", timeout=5000)
    assert page.console_problems == []
