"""A live estimation in real Chromium: a facilitator and two voters in three browser contexts.

Votes are absent from every other page until the reveal, the reveal reaches every page within
two seconds (the poll), and the decision moves the idea to a planned status.
"""

import pytest

from feedback.models import Idea
from feedback.services import ideas as idea_services
from planning.models import AgendaItem, Decision, PlanningSession, Vote
from planning.services import agenda as agenda_services
from planning.services import sessions as services
from productops import demo
from productops.access import Actor
from productops.models import Membership
from tests.e2e.conftest import Held, assert_fits_phone, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _actor(workspace, email: str) -> Actor:
    return Actor.for_membership(
        Membership.objects.select_related("user", "workspace").get(
            workspace=workspace, user__email=email
        )
    )


@pytest.fixture
def session():
    acme = demo.seed_platform()
    pm, lead = _actor(acme, "pm@acme.test"), _actor(acme, "ops@acme.test")
    idea = idea_services.idea_create(actor=pm, title="Offline mode", owner=pm.user)
    made = services.session_create(
        actor=lead, kind="estimation", settings=services.SessionSettings(title="Sprint 7")
    )
    agenda_services.agenda_add(actor=lead, session=made, idea=idea)
    return made


def open_as(browser, live_server, email: str, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    sign_in(page, live_server, email)
    page.goto(url)
    return page


def post_and_wait(page, locator, path_part: str) -> None:
    with page.expect_response(lambda r: path_part in r.url and r.request.method == "POST") as r:
        locator.click()
    assert r.value.status == 200, r.value.status


def test_two_voters_vote_the_facilitator_reveals_and_the_decision_plans_the_idea(
    browser, live_server, session
):
    room = f"{live_server.url}/w/acme/planning/{session.pk}/"
    lead = open_as(browser, live_server, "ops@acme.test", room)
    post_and_wait(lead, lead.get_by_role("button", name="Start"), "/control/")

    voters = {}
    for email, points in (("pm@acme.test", "8"), ("exec@acme.test", "13")):
        page = open_as(browser, live_server, email, room)
        post_and_wait(page, page.get_by_role("button", name="Voter", exact=True), "/join/")
        page.wait_for_selector("form.vote-form")
        voters[email] = (page, points)

    for page, points in voters.values():
        page.locator(f"form.vote-form input[value='{points}']").check()
        post_and_wait(page, page.locator("form.vote-form button[type=submit]"), "/vote/")
        page.wait_for_selector("text=Your vote is in")
    assert Vote.objects.filter(session=session).count() == 2

    # Before the reveal: counts and names on every page, no values anywhere in the DOM.
    lead.wait_for_selector("[data-tally]:has-text('2 of 3 voted')", timeout=3000)
    for page in [lead, *(p for p, _ in voters.values())]:
        assert page.locator(".vote-chip").count() == 0
        assert page.locator(".results").count() == 0
    pm_page, _ = voters["pm@acme.test"]
    assert pm_page.locator("form.vote-form input[value='13']:checked").count() == 0
    assert "Eli Exec" in pm_page.locator("#room-people").inner_text()

    # A style given through the CSSOM, which the CSP allows (a password manager or other
    # extension decorating fields, a layout check), leaves a `style` attribute on the decide
    # form's fields. The reveal's answer replaces the part holding them: htmx must not copy that
    # attribute across with setAttribute (its settle), which `style-src 'self'` refuses; the
    # `browser` fixture fails the test on any `securitypolicyviolation`.
    lead.evaluate(
        """() => ["decide-estimate", "decide-until", "decide-rationale"].forEach((id) => {
          const field = document.getElementById(id);
          field.style.outline = "1px solid";
          field.style.outline = "";
        })"""
    )
    post_and_wait(lead, lead.get_by_role("button", name="Reveal"), "/control/")
    for page, _ in voters.values():
        page.wait_for_selector(".vote-chip:has-text('Eli Exec 13')", timeout=2000)
        page.wait_for_selector(".vote-chip:has-text('Priya PM 8')", timeout=2000)
    lead.wait_for_selector(".vote-chip:has-text('Eli Exec 13')")

    pm_page, _ = voters["pm@acme.test"]
    assert_fits_phone(pm_page)  # the revealed votes table, phases and room head
    assert_fits_phone(lead)
    lead.set_viewport_size({"width": 1280, "height": 900})

    lead.select_option("form.decide-form select[name=outcome]", "commit")
    lead.fill("form.decide-form input[name=estimate]", "13")
    lead.fill("form.decide-form textarea[name=rationale]", "The room agreed on 13")
    post_and_wait(lead, lead.get_by_role("button", name="Decide"), "/decide/")
    decision = Decision.objects.get(session=session)
    assert decision.outcome == "commit" and str(decision.estimate) == "13.00"

    idea = Idea.objects.get(title="Offline mode")
    lead.goto(f"{live_server.url}/w/acme/ideas/{idea.pk}/")
    assert lead.locator(".page-head .badge").first.inner_text() == "Planned"
    lead.wait_for_selector("#planning-history:has-text('Sprint 7')")
    lead.goto(f"{live_server.url}/w/acme/planning/actions/")
    assert_fits_phone(lead)
    for page in [lead, *(p for p, _ in voters.values())]:
        assert page.problems == []
    assert PlanningSession.objects.get(pk=session.pk).version > 1
    assert AgendaItem.objects.get(session=session).is_revealed


def test_a_vote_being_chosen_survives_the_reveal_and_sending_it_late_is_refused_clearly(
    browser, live_server, session
):
    room = f"{live_server.url}/w/acme/planning/{session.pk}/"
    lead = open_as(browser, live_server, "ops@acme.test", room)
    post_and_wait(lead, lead.get_by_role("button", name="Start"), "/control/")
    voter = open_as(browser, live_server, "pm@acme.test", room)
    post_and_wait(voter, voter.get_by_role("button", name="Voter", exact=True), "/join/")
    voter.wait_for_selector("form.vote-form")

    voter.locator("form.vote-form input[value='5']").check()  # chosen, not sent
    post_and_wait(lead, lead.get_by_role("button", name="Reveal"), "/control/")
    voter.wait_for_selector("#room-moved:not(.hidden)", timeout=3000)
    assert voter.locator("form.vote-form input[value='5']:checked").count() == 1

    with voter.expect_response(lambda r: "/vote/" in r.url) as answer:
        voter.locator("form.vote-form button[type=submit]").click()
    assert answer.value.status == 409
    voter.wait_for_selector("#room-notice:has-text('not counted')")
    voter.wait_for_selector("#room-moved.hidden", state="attached")
    assert Vote.objects.filter(session=session).count() == 0
    assert voter.problems == [] or all("409" in p for p in voter.problems)


def test_the_capacity_plan_page_fits_a_phone(browser, live_server):
    """With what the page shows in use (members in its table, each with their share, and a
    range from earlier periods in its figures): an empty plan fit 390 px without the phone
    styles, so it showed nothing about them."""
    from datetime import date
    from decimal import Decimal

    from planning.services import capacity as capacity_services
    from tests.planning.capacity_data import committed, plan

    acme = demo.seed_platform()
    lead = _actor(acme, "ops@acme.test")
    capacity_plan = plan(lead)
    for email in ("ops@acme.test", "pm@acme.test", "exec@acme.test"):
        capacity_services.capacity_member_set(
            actor=lead, plan=capacity_plan, user=_actor(acme, email).user, availability=80
        )
    capacity_services.capacity_member_set(
        actor=lead,
        plan=capacity_plan,
        name="Contractor from the design agency",
        availability=50,
        days_off=Decimal("12.5"),
    )
    for start, end, estimates in (
        (date(2026, 1, 1), date(2026, 3, 31), ["40", "35"]),
        (date(2026, 4, 1), date(2026, 6, 30), ["55"]),
    ):
        earlier = plan(lead, start=start, end=end)
        capacity_services.capacity_member_set(actor=lead, plan=earlier, user=lead.user)
        committed(lead, "Payments", start, estimates)
    url = f"{live_server.url}/w/acme/planning/capacity/{capacity_plan.pk}/"
    page = open_as(browser, live_server, "ops@acme.test", url)
    assert page.locator("input[name=period_start]").input_value() == "2026-07-01"
    members = page.locator("section.card", has=page.locator("h2", has_text="Members"))
    assert members.locator("tbody tr").count() == 4
    assert "from 2 earlier periods" in page.locator(".figures").inner_text()
    assert_fits_phone(page)
    assert page.problems == []


def test_an_action_answering_after_the_poll_replaced_its_part_still_updates_the_room(
    browser, live_server, session
):
    """The poll may bring the new state before the action's own answer: the Reveal button's
    part must stay on the page until that answer comes, or htmx looks for the answer's parts
    inside the replaced one and finds none (`htmx:oobErrorNoTarget #room-head`)."""
    room = f"{live_server.url}/w/acme/planning/{session.pk}/"
    lead = open_as(browser, live_server, "ops@acme.test", room)
    post_and_wait(lead, lead.get_by_role("button", name="Start"), "/control/")
    shown = int(lead.locator("#room-version").get_attribute("data-version"))

    held = Held(lead, "**/control/")
    lead.get_by_role("button", name="Reveal").click()
    reveal = held.next()
    answer = reveal.fetch()  # the reveal is done on the server; the page has not heard it...
    assert answer.status == 200
    lead.wait_for_function(  # ...while its poll finds the new version and replaces the part
        "shown => Number(document.getElementById('room-version').dataset.version) > shown",
        arg=shown,
        timeout=5000,
    )
    reveal.fulfill(response=answer)
    lead.wait_for_selector("#room-head button:has-text('Re-vote')")
    lead.wait_for_selector("#room-head button:has-text('Reveal')", state="detached")
    assert lead.problems == []
