"""The planning pages: the room, its poll, votes and decisions from the browser's side."""

import re
from datetime import date, timedelta
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feedback.models import Idea, LoopClosure, LoopNotice, StatusCategory
from feedback.services import ideas as feedback_services
from feedback.services.loop_closures import loop_closure_send
from planning.models import AgendaItem, Participant, PlanningSession
from planning.services import agenda as agenda_services
from planning.services import decisions as decision_services
from planning.services import sessions as services
from planning.services import votes as vote_services
from productops.models import OutboundEmail
from tests.access import HTMX
from tests.conftest import signed_in
from tests.planning.planning_data import SECRET_REACH, rice, running_session


def _url(name: str, session: PlanningSession, *args) -> str:
    return reverse(name, args=[session.workspace.slug, session.pk, *args])


def test_the_room_shows_the_item_the_phase_and_who_voted(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice("5")
    )
    page = signed_in(personas["exec"]).get(_url("planning_session", session))
    text = page.content.decode()
    assert page.status_code == 200
    assert str(item) in text and "Score" in text
    assert "1 of 3 voted" in text  # the facilitator votes too


def test_the_poll_answers_204_while_nothing_changed_and_the_fragments_after_a_change(personas):
    session = running_session(personas)
    client = signed_in(personas["exec"])
    client.get(_url("planning_poll", session) + "?v=0")  # marks the exec present
    session.refresh_from_db()
    assert client.get(_url("planning_poll", session) + f"?v={session.version}").status_code == 204
    services.session_move_phase(actor=personas["ops_lead"].actor, session=session, step=1)
    answer = client.get(_url("planning_poll", session) + f"?v={session.version}")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert 'id="room-head"' in text and 'hx-swap-oob="true"' in text
    session.refresh_from_db()
    assert f'data-version="{session.version}"' in text  # the page's next poll sends it


def test_a_vote_from_the_page_is_stored_and_a_late_one_gets_a_clear_409(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    client = signed_in(personas["pm"])
    answer = client.post(
        _url("planning_vote", session), {"item": item.pk, **rice("5")}, HTTP_HX_REQUEST="true"
    )
    assert answer.status_code == 200 and "Your vote is in" in answer.content.decode()
    services.session_go_to_item(actor=personas["ops_lead"].actor, session=session, step=1)
    late = client.post(
        _url("planning_vote", session), {"item": item.pk, **rice("7")}, HTTP_HX_REQUEST="true"
    )
    assert late.status_code == 409
    assert "moved on to another item" in late.content.decode()
    plain = client.post(_url("planning_vote", session), {"item": item.pk, **rice("7")})
    assert plain.status_code == 409 and "not counted" in plain.content.decode()


def test_a_decision_from_the_room_plans_the_idea_and_the_idea_page_shows_it(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    lead = signed_in(personas["ops_lead"])
    answer = lead.post(
        _url("planning_decide", session, item.pk),
        {"outcome": "commit", "estimate": "5", "rationale": "Top revenue ask"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    idea = Idea.objects.select_related("status").get(pk=item.idea_id)
    assert idea.status.category == StatusCategory.PLANNED
    history = signed_in(personas["exec"]).get(
        reverse("planning_idea_history", args=[session.workspace.slug, idea.pk]), headers=HTMX
    )
    assert "Q4 prioritisation" in history.content.decode()
    assert "Top revenue ask" in history.content.decode()


def test_the_summary_and_csv_show_revealed_votes_and_decisions(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice(SECRET_REACH["pm"])
    )
    vote_services.vote_cast(
        actor=personas["exec"].actor, session=session, item=item, values=rice("900")
    )
    vote_services.item_reveal(actor=personas["ops_lead"].actor, session=session)
    client = signed_in(personas["exec"])
    page = client.get(_url("planning_summary", session)).content.decode()
    assert SECRET_REACH["pm"] in page
    csv = b"".join(client.get(_url("planning_export", session)).streaming_content).decode()
    assert SECRET_REACH["pm"] in csv
    # The spread reads the same on the page and in the CSV: the votes' range.
    low, high = sorted([Decimal(SECRET_REACH["pm"]), Decimal(900)])
    assert f"spread {low}\u2013{high}" in page and f"Reach {low}\u2013{high}" in csv


def test_a_bad_session_form_answers_400_per_field(personas):
    client = signed_in(personas["ops_lead"])
    answer = client.post(
        reverse("planning_create", args=["alpha"]),
        {
            "kind": "prioritisation",
            "title": "",
            "period_start": "2026-10-01",
            "period_end": "2026-09-01",
        },
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "This field is required" in text


def test_decisions_show_on_the_ideas_board_and_in_the_public_roadmaps_planned_lane(personas):
    from feedback.models import RoadmapSettings

    session = running_session(personas, ideas=1)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    services.session_update(
        actor=personas["ops_lead"].actor,
        session=session,
        settings=services.SessionSettings(
            title=session.title,
            team="Core",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 12, 31),
            scoring_model="rice",
        ),
    )
    decision_services.decision_record(
        actor=personas["ops_lead"].actor,
        session=session,
        item=item,
        outcome="commit",
        rationale="Secret internal reasoning",
    )
    board = signed_in(personas["exec"]).get(reverse("idea_board", args=["alpha"])).content.decode()
    assert f"card-decision-{item.idea_id}" in board
    badges = signed_in(personas["exec"]).get(
        reverse("planning_board_decisions", args=["alpha"]) + f"?ids={item.idea_id},",
        headers=HTMX,
    )
    assert "Commit" in badges.content.decode() and "Q4 prioritisation" in badges.content.decode()
    # The public roadmap shows it in its Planned lane: the commit moved the idea there.
    Idea.objects.filter(pk=item.idea_id).update(is_public=True)
    RoadmapSettings.objects.create(workspace=session.workspace, enabled=True)
    roadmap = Client().get(reverse("ideas_roadmap", args=["alpha"])).content.decode()
    planned = roadmap[roadmap.index('id="lane-planned"') : roadmap.index('id="lane-in_progress"')]
    assert "Idea 1" in planned and "Secret internal reasoning" not in roadmap


def test_the_public_roadmap_says_for_which_period_a_committed_idea_is_planned(personas):
    lead = personas["ops_lead"].actor
    feedback_services.roadmap_update(actor=personas["admin"].actor, enabled=True)
    session = services.session_create(
        actor=lead,
        kind="prioritisation",
        settings=services.SessionSettings(
            title="Q4", period_start=date(2026, 10, 1), period_end=date(2026, 12, 31)
        ),
    )
    unscheduled = services.session_create(
        actor=lead, kind="prioritisation", settings=services.SessionSettings(title="Any time")
    )
    items = {}
    for title, where in (("Offline mode", session), ("Dark mode", unscheduled)):
        idea = feedback_services.idea_create(actor=lead, title=title, is_public=True)
        items[title] = agenda_services.agenda_add(actor=lead, session=where, idea=idea)
    for where in (session, unscheduled):
        services.session_start(actor=lead, session=where)
    decision_services.decision_record(
        actor=lead, session=session, item=items["Offline mode"], outcome="commit"
    )
    decision_services.decision_record(
        actor=lead, session=unscheduled, item=items["Dark mode"], outcome="commit"
    )
    text = Client().get("/public/alpha/roadmap/").content.decode()
    planned = text[text.index('id="lane-planned"') : text.index("</section>")]
    assert "Offline mode" in planned and "Dark mode" in planned  # both moved to Planned
    start = planned.index("Offline mode")
    card = planned[start : planned.index("</article>", start)]
    assert "Planned for Q4 2026" in card
    assert planned.count("Planned for") == 1  # a session without a period plans for no period


def _presence(answer) -> dict[str, str]:
    """Name -> "Present" or "Away", as the people fragment shows them."""
    found = re.findall(r'title="(Present|Away)"></span> ([^<]+?) <small', answer.content.decode())
    return {name: state for state, name in found}


def test_a_full_poll_shows_who_went_away_and_a_return_reaches_everyone(personas):
    """The page asks for everything every 15 s (static/js/planning.js): that answer shows who
    stopped polling; someone coming back bumps the version, so every page shows them at once."""
    session = running_session(personas)
    lead, pm = signed_in(personas["ops_lead"]), signed_in(personas["pm"])
    poll = _url("planning_poll", session)
    lead.get(poll + "?v=0")
    pm.get(poll + "?v=0")
    pm_name = personas["pm"].user.display_name
    assert _presence(lead.get(poll + "?v=0"))[pm_name] == "Present"
    Participant.objects.filter(user=personas["pm"].user).update(
        last_seen_at=timezone.now() - timedelta(seconds=20)
    )
    assert _presence(lead.get(poll + "?v=0"))[pm_name] == "Away"
    session.refresh_from_db()
    seen = session.version
    pm.get(f"{poll}?v={seen}")  # back from the laptop's sleep
    back = lead.get(f"{poll}?v={seen}")
    assert back.status_code == 200 and _presence(back)[pm_name] == "Present"


def test_the_summary_email_goes_to_participants_who_did_not_opt_out(personas):
    session = running_session(personas)
    answer = signed_in(personas["exec"]).post(_url("planning_opt_out", session), {"opt_out": "1"})
    assert answer.status_code == 302
    services.session_end(actor=personas["ops_lead"].actor, session=session)
    sent = signed_in(personas["ops_lead"]).post(_url("planning_summary_email", session))
    assert sent.status_code == 302
    emails = OutboundEmail.objects.filter(subject="Summary: Q4 prioritisation")
    # The admin is a member but took no part; the exec opted out.
    assert sorted(emails.values_list("to", flat=True)) == ["ops_lead@alpha.test", "pm@alpha.test"]


def test_the_close_the_loop_message_is_previewed_then_sent_to_each_asker_once(personas):
    session = running_session(personas, ideas=1)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    decision = decision_services.decision_record(
        actor=personas["ops_lead"].actor, session=session, item=item, outcome="commit"
    )
    client = signed_in(personas["ops_lead"])
    url = reverse("planning_announce", args=["alpha", decision.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Who asked" in page.content.decode() and "Buyer 1" in page.content.decode()
    form = {"subject": "Planned: {idea}", "message": "Hi {name}, we plan {idea}."}
    preview = client.post(url, {**form, "action": "preview"}).content.decode()
    assert "Planned: Idea 1" in preview and "Hi Buyer 0, we plan Idea 1." in preview
    assert not LoopNotice.objects.exists()  # a preview sends nothing
    assert client.post(url, {**form, "action": "send"}).status_code == 302
    assert client.post(url, {**form, "action": "send"}).status_code == 302
    decision.refresh_from_db()
    assert LoopClosure.objects.filter(idea=item.idea).count() == 1  # confirming twice: once
    loop_closure_send(closure_id=decision.loop_closure_id)  # what the worker does
    told = LoopNotice.objects.filter(idea=item.idea).values_list("contact__email", flat=True)
    assert sorted(told) == ["buyer@idea10.test", "buyer@idea11.test"]


def test_the_decision_form_says_what_customers_are_told_and_what_stays_internal(personas):
    session = running_session(personas, ideas=1)
    lead = signed_in(personas["ops_lead"])
    html = lead.get(_url("planning_session", session)).content.decode()
    form = re.search(r'<form[^>]*class="decide-form".*?</form>', html, re.S).group(0)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", form))
    assert "Rationale (internal)" in text
    assert "Never in a message to customers or on the public roadmap" in text
    assert "What customers are told" in text
    assert "Commit : the idea becomes planned" in text and "Defer : nothing changes" in text
    assert "Deciding emails nobody" in text and "only when you confirm it" in text
    # As it says: deciding sends nothing, and the rationale is in no customer's message.
    item = AgendaItem.objects.get(pk=session.current_item_id)
    answer = lead.post(
        _url("planning_decide", session, item.pk),
        {"outcome": "commit", "estimate": "5", "rationale": "Internal: the CFO insists"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert "Customers have not been told yet" in answer.content.decode()
    assert not LoopClosure.objects.exists() and not LoopNotice.objects.exists()
    decision = item.decision
    announce = lead.get(reverse("planning_announce", args=["alpha", decision.pk])).content.decode()
    assert "Nothing has been sent yet" in announce and "the CFO insists" not in announce
    form_data = {"subject": decision.announce_subject, "message": decision.announce_message}
    lead.post(
        reverse("planning_announce", args=["alpha", decision.pk]), {**form_data, "action": "send"}
    )
    closure = LoopClosure.objects.get(idea=item.idea)
    assert "CFO" not in closure.subject + closure.message


def test_a_decision_on_a_topic_tells_no_customer(personas):
    session = running_session(personas, ideas=1)
    lead = personas["ops_lead"].actor
    topic = agenda_services.agenda_add(actor=lead, session=session, topic="Hiring")
    session.refresh_from_db()
    services.session_go_to_item(actor=lead, session=session, item=topic)
    html = signed_in(personas["ops_lead"]).get(_url("planning_session", session)).content.decode()
    form = re.search(r'<form[^>]*class="decide-form".*?</form>', html, re.S).group(0)
    assert "this item is not an idea, so no customer hears of the decision" in form
    assert "the idea becomes planned" not in form
