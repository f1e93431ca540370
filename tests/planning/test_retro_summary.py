"""A retrospective's summary page, CSV and summary email speak of the retro: its prompts, groups
with their dots and notes, reflections, action items and the earlier action items it reviewed.
Anonymity holds exactly as in the room: an anonymous reflection's author never appears with it
in any page, CSV, email or API answer, for anyone, the facilitator included."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse

from planning.models import Reflection, ReflectionGroup
from planning.services import action_items as action_services
from planning.services import retro as services
from planning.services import sessions as session_services
from planning.services.summary import summary_email
from productops.models import AuditEvent, OutboundEmail
from tests.conftest import downloaded, signed_in
from tests.planning import matrix_retro, matrix_sessions
from tests.planning.test_retro import _finished_retro_with_actions, new_retro, reflect, to_phase
from tests.productops.test_access_matrix import concrete, url_patterns

AUTHORS = {"pm": "Zebediah Quill", "exec": "Ottilie Marsh"}
CARDS = {"Deploys were calm": "pm", "Flaky tests hurt": "exec", "Try pairing on releases": "pm"}


def _name_authors(personas) -> None:
    for role, name in AUTHORS.items():
        personas[role].user.name = name
        personas[role].user.save(update_fields=["name"])


def _held_retro(personas, *, anonymous: bool, end: bool = True):
    """A retro of team Core that reviewed an earlier action, had three reflections (two of them
    grouped as "Testing", with the PM's two dots and the ops lead's note), a loose note and an
    action item owned by the ops lead; ended unless `end` is False. Only the PM and the exec
    wrote reflections; neither owns an action or wrote a note, so their names have no reason to
    be anywhere in what the retro produced."""
    _name_authors(personas)
    lead = personas["ops_lead"]
    runbook, _ = _finished_retro_with_actions(personas, ["Write the runbook", "Fix alerts"])
    action_services.action_item_update(
        actor=lead.actor, item=runbook, changes=action_services.ActionChanges(owner=lead.user)
    )
    session = new_retro(personas, title="Sprint 13 retro", anonymous=anonymous, budget=5)
    action_services.action_item_update(
        actor=lead.actor,
        item=runbook,
        changes=action_services.ActionChanges(status="done"),
        reviewed_in=session,
    )
    session = to_phase(personas, session, "reflect")
    cards = {
        text: reflect(personas[author], session, text, position)
        for position, (text, author) in enumerate(CARDS.items())
    }
    session = to_phase(personas, session, "group")
    services.reflection_move(
        actor=lead.actor,
        session=session,
        reflection_id=cards["Try pairing on releases"].pk,
        onto_reflection_id=cards["Flaky tests hurt"].pk,
    )
    group = ReflectionGroup.objects.get(session=session)
    services.group_rename(actor=lead.actor, session=session, group_id=group.pk, title="Testing")
    session = to_phase(personas, session, "vote")
    services.retro_vote(actor=personas["pm"].actor, session=session, group_id=group.pk, dots=2)
    session = to_phase(personas, session, "discuss")
    services.discussion_note_add(
        actor=lead.actor, session=session, group_id=group.pk, text="Quarantine the flaky ones"
    )
    services.discussion_note_add(
        actor=lead.actor, session=session, group_id=None, text="A calmer sprint overall"
    )
    action_services.action_item_add(
        actor=lead.actor,
        session=session,
        title="Set up a flaky-test quarantine",
        owner=lead.user,
        due_on=date(2026, 12, 18),
        group_id=group.pk,
    )
    if end:
        session_services.session_end(actor=lead.actor, session=session)
    session.refresh_from_db()
    return session


def _summary_url(session) -> str:
    return reverse("planning_summary", args=["alpha", session.pk])


def _csv_rows(client, session) -> list[dict[str, str]]:
    answer = client.get(reverse("planning_export", args=["alpha", session.pk]))
    assert answer.status_code == 200
    return list(csv.DictReader(io.StringIO(downloaded(answer))))


def test_the_summary_page_shows_what_the_retro_produced(personas):
    session = _held_retro(personas, anonymous=False)
    page = signed_in(personas["exec"]).get(_summary_url(session))
    assert page.status_code == 200
    text = page.content.decode()
    # The prompts, with the reflection no group took under its prompt.
    assert "What went well" in text and "What to try next" in text
    assert "Deploys were calm" in text
    # The group with its dots, its reflections, with their authors (the retro is not anonymous)
    # and its note; the loose note.
    testing = text[text.index("Testing") :]
    assert re.search(r"Testing\s*<span class=\"badge\">2 dots</span>", text)
    assert "Flaky tests hurt" in testing and "Try pairing on releases" in testing
    assert "Ottilie Marsh" in testing and "Quarantine the flaky ones" in testing
    assert "A calmer sprint overall" in text
    # The action item with owner, due date and status; the earlier action reviewed (done), and
    # the one still open from the earlier retro.
    action_row = re.search(r"<tr><td>Set up a flaky-test quarantine</td>.*?</tr>", text).group(0)
    lead_name = personas["ops_lead"].user.display_name
    assert lead_name in action_row and "18 Dec 2026" in action_row and "Open" in action_row
    assert "Testing" in action_row
    reviewed = text[text.index("Last actions reviewed</h2>") :]
    assert re.search(r"Write the runbook.*?Done", reviewed, re.S)
    assert "Still open from earlier retros" in reviewed and "Fix alerts" in reviewed
    # Nothing of a scoring session.
    assert "Committed load" not in text and "Votes (revealed)" not in text
    assert "Summary email" in text


def test_while_the_room_reflects_the_summary_shows_ones_own_reflections_and_a_count(personas):
    _name_authors(personas)
    session = to_phase(personas, new_retro(personas, anonymous=False), "reflect")
    reflect(personas["pm"], session, "Mine to read")
    reflect(personas["exec"], session, "Not yet for the PM")
    reflect(personas["exec"], session, "Nor this one")
    text = signed_in(personas["pm"]).get(_summary_url(session)).content.decode()
    assert "Mine to read" in text
    assert "Not yet for the PM" not in text and "Nor this one" not in text
    assert "2 more from others, shown when the room groups them" in text
    rows = _csv_rows(signed_in(personas["pm"]), session)
    assert [r["text"] for r in rows if r["record"] == "reflection"] == ["Mine to read"]
    assert "Not yet for the PM" not in str(rows)


def test_the_retro_csv_holds_prompts_groups_reflections_notes_and_actions(personas):
    session = _held_retro(personas, anonymous=False)
    rows = _csv_rows(signed_in(personas["exec"]), session)
    assert list(rows[0]) == [
        "record", "prompt", "group", "dots", "text", "author", "owner", "due_on", "status",
    ]  # fmt: skip
    by_record: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_record.setdefault(row["record"], []).append(row)
    assert [r["prompt"] for r in by_record["prompt"]] == [
        "What went well", "What to improve", "What to try next",
    ]  # fmt: skip
    assert [(r["group"], r["dots"]) for r in by_record["group"]] == [("Testing", "2")]
    reflections = {r["text"]: (r["group"], r["author"]) for r in by_record["reflection"]}
    assert reflections == {
        "Flaky tests hurt": ("Testing", "Ottilie Marsh"),
        "Try pairing on releases": ("Testing", "Zebediah Quill"),
        "Deploys were calm": ("", "Zebediah Quill"),
    }
    assert {(r["group"], r["text"]) for r in by_record["note"]} == {
        ("Testing", "Quarantine the flaky ones"),
        ("", "A calmer sprint overall"),
    }
    lead_name = personas["ops_lead"].user.display_name
    (action,) = by_record["action item"]
    assert (action["text"], action["group"], action["owner"], action["due_on"]) == (
        "Set up a flaky-test quarantine", "Testing", lead_name, "2026-12-18",
    )  # fmt: skip
    assert action["status"] == "Open"
    assert [(r["text"], r["status"]) for r in by_record["reviewed"]] == [
        ("Write the runbook", "Done")
    ]


def test_the_retro_summary_email_goes_as_html_and_text_to_participants_who_stayed_in(personas):
    session = _held_retro(personas, anonymous=False, end=False)
    signed_in(personas["exec"]).post(
        reverse("planning_opt_out", args=["alpha", session.pk]), {"opt_out": "1"}
    )
    session_services.session_end(actor=personas["ops_lead"].actor, session=session)
    answer = signed_in(personas["ops_lead"]).post(
        reverse("planning_summary_email", args=["alpha", session.pk])
    )
    assert answer.status_code == 302
    emails = OutboundEmail.objects.filter(subject="Summary: Sprint 13 retro").order_by("to")
    # The admin is a member but took no part; the exec opted out.
    assert [e.to for e in emails] == ["ops_lead@alpha.test", "pm@alpha.test"]
    link = "http://testserver" + _summary_url(session)  # the address the request reached
    for email in emails:
        for body in (email.body, email.html_body):
            assert "Testing" in body and "2 dots" in body
            assert "Flaky tests hurt" in body and "Deploys were calm" in body
            assert "Quarantine the flaky ones" in body and "A calmer sprint overall" in body
            assert "Set up a flaky-test quarantine" in body and "18 Dec 2026" in body
            assert "Write the runbook" in body and "Fix alerts" in body
            assert link in body
            assert "undecided" not in body and "Committed load" not in body
        assert email.html_body.startswith("<!doctype html>") and "<script" not in email.html_body
        assert "Ottilie Marsh" in email.body  # named retro: authors shown
        assert "yours" not in email.body  # one email for all: nobody's own view


def _get_urls(session, action) -> list[tuple[str, str]]:
    """Every GET page and endpoint of planning whose URL names only the retro (or an action
    item), plus the audit log page and API."""
    values = {"slug": "alpha", "session_id": session.pk, "action_id": action.pk}
    urls = []
    checks = {**matrix_sessions.MATRIX, **matrix_retro.MATRIX}
    for name, route in url_patterns():
        wanted = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
        if any(c.method == "GET" for c in checks.get(name, [])) and wanted <= set(values):
            urls.append((name, concrete(route, values)))
    urls.append(("audit_log", reverse("audit_log", args=["alpha"])))
    urls.append(("api_audit_event_list", "/api/v1/w/alpha/audit-events/"))
    return urls


def _places_of(text: str, card: str) -> list[str]:
    """The smallest thing around each place `card` shows: its list item or table row in HTML,
    its line in a CSV or text email, else the 200 characters either side."""
    places = []
    for match in re.finditer(re.escape(card), text):
        start, end = match.start(), match.end()
        opening = max(text.rfind("<li", 0, start), text.rfind("<tr", 0, start))
        if opening != -1 and text.rfind(">", opening, start) != -1:
            closing = min(
                (i for i in (text.find("</li>", end), text.find("</tr>", end)) if i != -1),
                default=end + 200,
            )
            places.append(text[opening:closing])
        elif "\n" in text:
            places.append(text[text.rfind("\n", 0, start) + 1 : text.find("\n", end)])
        else:
            places.append(text[max(0, start - 200) : end + 200])
    return places


@pytest.mark.parametrize("viewer", ["admin", "ops_lead", "pm", "exec"])
def test_an_anonymous_reflections_author_never_leaves_the_server(viewer, personas):
    session = _held_retro(personas, anonymous=True)
    assert summary_email(actor=personas["ops_lead"].actor, session=session) == 3
    action = session.actions.get()
    client = signed_in(personas[viewer])
    urls = _get_urls(session, action)
    names = {name for name, _ in urls}
    assert {"planning_summary", "planning_export", "planning_session", "planning_poll"} <= names
    assert {"api_planning_session_detail", "api_planning_action_items", "audit_log"} <= names
    shown = 0
    for name, url in urls:
        answer = client.get(url, HTTP_HX_REQUEST="true" if name == "planning_poll" else "")
        text = downloaded(answer) if answer.status_code == 200 else answer.content.decode()
        for card in CARDS:
            for place in _places_of(text, card):
                shown += 1
                for author in AUTHORS.values():
                    assert author not in place, f"{viewer} saw who wrote {card!r} in {name}"
        if name in ("planning_summary", "planning_export"):
            # These show what the retro produced; no other author's name has a place there.
            others = [n for role, n in AUTHORS.items() if role != viewer]
            assert not any(other in text for other in others), f"an author's name in {name}"
    assert shown >= 3 * len(CARDS)  # summary page, CSV and room each show every card
    # The audit log names nobody as a card's author: writes on the board's cards and groups
    # have no actor ("A participant") and name the retro, not the card (a move included: early
    # in a retro the mover is usually the author).
    ids = {
        str(pk) for pk in Reflection.objects.filter(session=session).values_list("pk", flat=True)
    }
    authored = AuditEvent.objects.filter(
        verb__in=["retro.reflection_added", "retro.reflection_moved", "retro.group_renamed"]
    )
    assert authored.filter(verb="retro.reflection_added").count() == 3
    assert authored.filter(verb="retro.reflection_moved").count() == 1
    assert not authored.filter(object_type="planning.reflection", object_id__in=ids)
    assert not authored.filter(actor_user__isnull=False) and not authored.exclude(
        actor_label="A participant"
    )
    if viewer == "admin":  # the one role that reads the log: its page and API, as shown
        log = client.get(reverse("audit_log", args=["alpha"])).content.decode()
        table = log.split("<tbody", 1)[1]  # past the verb filter's options
        rows = [row for row in table.split("<tr") if "retro.reflection_added" in row]
        api = client.get("/api/v1/w/alpha/audit-events/").json()["results"]
        events = [e for e in api if e["verb"] == "retro.reflection_added"]
        assert len(rows) == len(events) == 3
        for row in rows:  # a sentence, not "added the reflection: prompt ..."
            assert re.search(
                r"A participant added a reflection under “[^”]+” in the retro “Sprint 13 retro”",
                row,
            ), row
        for shown in [*rows, *map(str, events)]:
            assert "A participant" in shown
            assert not any(author in shown for author in AUTHORS.values()), shown
        assert all(e["actor_user"] is None and e["actor_token"] is None for e in events)
    for email in OutboundEmail.objects.filter(subject="Summary: Sprint 13 retro"):
        for body in (email.body, email.html_body):
            assert all(card in body for card in CARDS)
            assert not any(author in body for author in AUTHORS.values()), email.to
            assert "yours" not in body


def test_a_named_retros_reflections_keep_their_authors_in_the_audit_log(personas):
    session = to_phase(personas, new_retro(personas, anonymous=False), "reflect")
    card = reflect(personas["pm"], session, "Named")
    event = AuditEvent.objects.get(verb="retro.reflection_added")
    assert (event.object_type, event.object_id) == ("planning.reflection", str(card.pk))
    assert event.actor_user == personas["pm"].user


def test_the_audit_log_says_who_put_dots_never_where_or_how_many(personas):
    """The room shows each person only their own dots (totals from the discuss phase); the
    audit log, read any time, must not show more."""
    session = _held_retro(personas, anonymous=False)
    group = ReflectionGroup.objects.get(session=session)
    log = signed_in(personas["admin"]).get(reverse("audit_log", args=["alpha"])).content.decode()
    rows = [row for row in log.split("<tbody", 1)[1].split("<tr") if "retro.voted" in row]
    assert len(rows) == 1 and AUTHORS["pm"] in rows[0]
    assert "dot" not in rows[0] and "Testing" not in rows[0] and f"#{group.pk}<" not in rows[0]
    event = AuditEvent.objects.get(verb="retro.voted")
    assert (event.object_type, event.object_id) == ("planning.planningsession", str(session.pk))
    assert not event.before and not event.after


def test_the_retro_summary_and_csv_cost_the_same_as_the_retro_grows(personas, count_queries):
    small = _held_retro(personas, anonymous=True)
    client = signed_in(personas["exec"])

    def urls(session) -> list[str]:
        return [_summary_url(session), reverse("planning_export", args=["alpha", session.pk])]

    few = [count_queries(client, url)[0] for url in urls(small)]
    lead = personas["ops_lead"]
    big = _held_retro(personas, anonymous=True, end=False)
    for _ in range(3):  # back to reflecting: going back loses nothing
        session_services.session_move_phase(actor=lead.actor, session=big, step=-1)
        big.refresh_from_db()
    assert big.current_phase == "reflect"
    cards = [reflect(personas["pm"], big, f"More {n}", n % 3) for n in range(9)]
    big = to_phase(personas, big, "group")
    for first, second in zip(cards[:8:2], cards[1::2], strict=True):
        services.reflection_move(
            actor=lead.actor, session=big, reflection_id=first.pk, onto_reflection_id=second.pk
        )
    big = to_phase(personas, big, "discuss")
    for group in ReflectionGroup.objects.filter(session=big):
        services.discussion_note_add(actor=lead.actor, session=big, group_id=group.pk, text="N")
        action_services.action_item_add(
            actor=lead.actor, session=big, title="A", owner=personas["pm"].user, group_id=group.pk
        )
    for n in range(3):
        older = _finished_retro_with_actions(personas, [f"Older {n}"])[0]
        action_services.action_item_update(
            actor=lead.actor,
            item=older,
            changes=action_services.ActionChanges(status="dropped"),
            reviewed_in=big,
        )
    session_services.session_end(actor=lead.actor, session=big)
    assert ReflectionGroup.objects.filter(session=big).count() > 3
    assert [count_queries(client, url)[0] for url in urls(big)] == few


def test_reflections_written_anonymously_stay_anonymous(personas):
    _name_authors(personas)
    retro = to_phase(personas, new_retro(personas, anonymous=True), "reflect")
    reflect(personas["pm"], retro, "Written as anonymous")
    lead = signed_in(personas["ops_lead"])
    answer = lead.post(
        reverse("planning_edit", args=["alpha", retro.pk]), {"title": "Unmasked", "team": "Core"}
    )
    assert answer.status_code == 400
    assert "Reflections were written anonymously; they stay so." in answer.content.decode()
    retro.refresh_from_db()
    assert retro.anonymous_reflections and retro.title == "Sprint 12 retro"
    retro = to_phase(personas, retro, "group")
    assert "Zebediah Quill" not in lead.get(_summary_url(retro)).content.decode()
    # Before anyone wrote, the facilitator may still choose named reflections.
    fresh = new_retro(personas, title="Named from the start", anonymous=True)
    answer = lead.post(
        reverse("planning_edit", args=["alpha", fresh.pk]), {"title": "Named", "team": "Core"}
    )
    assert answer.status_code == 302
    fresh.refresh_from_db()
    assert not fresh.anonymous_reflections


def test_reflections_written_with_names_cannot_be_made_anonymous_afterwards(personas):
    """The audit log names the authors of cards written in a named retro; turning anonymity on
    afterwards would show those cards as anonymous while the log still names their authors."""
    retro = to_phase(personas, new_retro(personas, anonymous=False), "reflect")
    reflect(personas["pm"], retro, "Written with my name")
    lead = signed_in(personas["ops_lead"])
    answer = lead.post(
        reverse("planning_edit", args=["alpha", retro.pk]),
        {"title": "Masked", "team": "Core", "anonymous_reflections": "on"},
    )
    assert answer.status_code == 400
    assert "written with their authors&#x27; names; they stay so." in answer.content.decode()
    retro.refresh_from_db()
    assert not retro.anonymous_reflections and retro.title == "Sprint 12 retro"
