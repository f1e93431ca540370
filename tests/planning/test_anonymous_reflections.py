"""An anonymous retro never tells who wrote a reflection. After each kind of write on the board
(a card added, edited, deleted or moved, groups merged, a group named, the retro ended and its
summary emailed), each done through the room by a card's own author (early in a retro the one
who moves a card is usually who wrote it), every planning page, fragment, poll answer, export
and API answer, the audit log page and API and the workspace home, requested as every role,
ties no author's name or user id to a card. The walk of test_hidden_votes.py, for authorship.
"""

import json
import re

import pytest
from django.urls import reverse

from planning.models import PlanningSession, Reflection, ReflectionGroup
from planning.services import sessions as session_services
from planning.services.summary import summary_email
from productops.models import AuditEvent, OutboundEmail
from tests.conftest import downloaded, signed_in
from tests.planning import matrix_retro, matrix_sessions
from tests.planning.test_retro import new_retro, to_phase
from tests.planning.test_retro_summary import _places_of
from tests.productops.test_access_matrix import concrete, url_patterns

AUTHORS = {"pm": "Zebediah Quill", "exec": "Ottilie Marsh"}
VIEWERS = ["admin", "ops_lead", "pm", "exec", "outsider"]
STEPS = ["added", "edited", "deleted", "moved", "merged", "named", "ended"]
BOARD_VERBS = (
    "retro.reflection_added",
    "retro.reflection_edited",
    "retro.reflection_deleted",
    "retro.reflection_moved",
    "retro.groups_merged",
    "retro.group_renamed",
)


class Room:
    """A retro driven through its room's forms, as each author's browser posts them."""

    def __init__(self, personas, session: PlanningSession):
        self.personas, self.session = personas, session
        self.answers: list[str] = []  # what each post answered its author

    def post(self, role: str, name: str, data: dict, *ids: int) -> None:
        url = reverse(name, args=["alpha", self.session.pk, *ids])
        answer = signed_in(self.personas[role]).post(url, data, HTTP_HX_REQUEST="true")
        assert answer.status_code == 200, (name, answer.content.decode()[:300])
        self.answers.append(answer.content.decode())

    def card(self, text: str) -> Reflection:
        return Reflection.objects.get(session=self.session, text=text)

    def to(self, phase: str) -> None:
        self.session = to_phase(self.personas, self.session, phase)


def _play(personas, last_step: str) -> tuple[Room, set[int]]:
    """The anonymous retro up to `last_step`; returns the room and every card id it ever had."""
    for role, name in AUTHORS.items():
        personas[role].user.name = name
        personas[role].user.save(update_fields=["name"])
    room = Room(personas, new_retro(personas, title="Sprint 13 retro", anonymous=True))
    room.to("reflect")
    ids: set[int] = set()
    written = [
        ("pm", 0, "Deploys were calm"),
        ("exec", 0, "Flaky tests hurt"),
        ("pm", 1, "Pair on releases"),
        ("exec", 1, "Slow CI"),
        ("pm", 2, "Drop the Friday demo"),
    ]
    for role, position, text in written:
        room.post(role, "planning_retro_reflect", {"position": position, "text": text})
        ids.add(room.card(text).pk)
    steps = iter(STEPS[1:])

    def reached(step: str) -> bool:
        assert next(steps) == step
        return last_step != STEPS[STEPS.index(step) - 1]

    if not reached("edited"):
        return room, ids
    card = room.card("Deploys were calm").pk
    room.post("pm", "planning_retro_reflection", {"text": "Deploys were calmer"}, card)
    if not reached("deleted"):
        return room, ids
    card = room.card("Drop the Friday demo").pk
    room.post("pm", "planning_retro_reflection", {"action": "delete"}, card)
    if not reached("moved"):
        return room, ids
    room.to("group")
    calm, pairing = room.card("Deploys were calmer").pk, room.card("Pair on releases").pk
    room.post("pm", "planning_retro_move", {"target": f"card:{pairing}"}, calm)
    if not reached("merged"):
        return room, ids
    flaky, slow = room.card("Flaky tests hurt").pk, room.card("Slow CI").pk
    room.post("exec", "planning_retro_move", {"target": f"card:{slow}"}, flaky)
    theirs, mine = (room.card(text).group_id for text in ("Flaky tests hurt", "Pair on releases"))
    room.post("pm", "planning_retro_group", {"action": "merge", "into": mine}, theirs)
    if not reached("named"):
        return room, ids
    room.post("pm", "planning_retro_group", {"title": "Shipping"}, mine)
    if not reached("ended"):
        return room, ids
    lead = personas["ops_lead"].actor
    session_services.session_end(actor=lead, session=room.session)
    room.session.refresh_from_db()
    assert summary_email(actor=lead, session=room.session) == 3
    return room, ids


def _urls(session: PlanningSession) -> list[tuple[str, str]]:
    """Every GET of planning whose URL names only the retro, the audit log page and API (also
    filtered to cards and to the retro's verbs) and the workspace home's recent events."""
    values = {"slug": "alpha", "session_id": session.pk}
    checks = {**matrix_sessions.MATRIX, **matrix_retro.MATRIX}
    urls = []
    for name, route in url_patterns():
        wanted = set(re.findall(r"<(?:\w+:)?(\w+)>", route))
        if any(c.method == "GET" for c in checks.get(name, [])) and wanted <= set(values):
            urls.append((name, concrete(route, values)))
    audit_api = "/api/v1/w/alpha/audit-events/"
    urls += [
        ("audit_log", reverse("audit_log", args=["alpha"])),
        ("audit_log", reverse("audit_log", args=["alpha"]) + "?verb=retro."),
        ("api_audit_event_list", audit_api),
        ("api_audit_event_list", audit_api + "?object_type=planning.reflection"),
        ("api_audit_event_list", audit_api + "?verb=retro."),
        ("workspace_home", reverse("workspace_home", args=["alpha"])),
    ]
    return urls


def _card_markers(session: PlanningSession, ids: set[int]) -> list[str]:
    """What shows a card: its text (as written and as HTML escapes it) and its id in the DOM."""
    texts = set(Reflection.objects.filter(session=session).values_list("text", flat=True))
    texts |= {"Deploys were calm", "Drop the Friday demo"}  # edited away, deleted
    markers = [*texts, *(t.replace("'", "&#x27;") for t in texts)]
    return markers + [f'id="card-{pk}"' for pk in ids] + [f'"card:{pk}"' for pk in ids]


def _assert_no_author_tied_to_a_card(text: str, where: str, markers: list[str], ids: set[int]):
    for marker in markers:
        for place in _places_of(text, marker):
            for author in AUTHORS.values():
                assert author not in place, f"{author} tied to {marker!r} in {where}"
            assert "author" not in place.lower(), f"an author attribute by {marker!r} in {where}"
    for pk in ids:  # a card named by id, as a named retro's audit event names it
        assert not re.search(rf"Reflection {pk}\b", text), f"card {pk} named in {where}"
    assert "planning.reflection" not in text, f"a card's event in {where}"


def _assert_the_log_names_nobody_on_the_board(personas, name: str, text: str, where: str):
    author_ids = {personas[role].user.pk for role in AUTHORS}
    if name == "api_audit_event_list":
        for event in json.loads(text)["results"]:
            if event["verb"] in BOARD_VERBS:
                assert event["actor_user"] is None and event["actor_token"] is None, where
                assert event["actor_label"] == "A participant", where
                assert event["object_type"] == "planning.planningsession", where
            if event["actor_user"] in author_ids:  # an author's own events: none about cards
                assert event["verb"] not in BOARD_VERBS, where
                assert event["object_type"] != "planning.reflection", where
    elif name in ("audit_log", "workspace_home"):
        for row in text.split("<tr")[1:]:
            if any(verb in row for verb in BOARD_VERBS) or "reflection" in row.lower():
                for author in AUTHORS.values():
                    assert author not in row, f"{author} in a card's event in {where}: {row}"


@pytest.mark.parametrize("step", STEPS)
def test_no_answer_ties_an_anonymous_card_to_its_author(step, personas):
    room, ids = _play(personas, step)
    session = room.session
    markers = _card_markers(session, ids)
    for number, answer in enumerate(room.answers):
        _assert_no_author_tied_to_a_card(answer, f"the answer to post {number}", markers, ids)
    urls = _urls(session)
    names = {name for name, _ in urls}
    assert {"planning_session", "planning_poll", "planning_summary", "planning_export"} <= names
    assert {"api_planning_session_detail", "api_planning_action_items"} <= names
    seen = 0
    for viewer in VIEWERS:
        client = signed_in(personas[viewer])
        for name, url in urls:
            answer = client.get(url, HTTP_HX_REQUEST="true" if name == "planning_poll" else "")
            text = downloaded(answer) if answer.status_code == 200 else answer.content.decode()
            where = f"{name} ({url}) as {viewer} after a card was {step}"
            _assert_no_author_tied_to_a_card(text, where, markers, ids)
            if answer.status_code == 200:
                _assert_the_log_names_nobody_on_the_board(personas, name, text, where)
            seen += sum(text.count(marker) for marker in markers)
    assert seen >= len(ids)  # the cards were in what was read, not only absent
    events = AuditEvent.objects.filter(verb__in=BOARD_VERBS)
    assert events.count() >= 5 and not events.exclude(actor_label="A participant")
    assert not events.exclude(object_type="planning.planningsession", object_id=str(session.pk))
    assert not events.filter(actor_user__isnull=False) and not events.filter(
        actor_token__isnull=False
    )
    for email in OutboundEmail.objects.filter(subject="Summary: Sprint 13 retro"):
        for body in (email.body, email.html_body):
            assert "Shipping" in body and "Deploys were calmer" in body
            assert not any(author in body for author in AUTHORS.values()), email.to


def test_the_audit_log_says_each_board_write_without_a_person(personas):
    room, _ = _play(personas, "named")
    page = signed_in(personas["admin"]).get(reverse("audit_log", args=["alpha"]) + "?verb=retro.")
    rows = page.content.decode().split("<tbody", 1)[1]
    retro = "in the retro “Sprint 13 retro”"
    for sentence in (
        "A participant added a reflection under “What went well”",
        "A participant edited a reflection",
        "A participant deleted a reflection",
        "A participant grouped a reflection with another",
        "A participant merged two groups of reflections",
        "A participant named a group “Shipping”",
    ):
        assert f"{sentence} {retro}" in rows, sentence
    assert not ReflectionGroup.objects.filter(session=room.session).exclude(title="Shipping")


def test_only_a_cards_author_may_change_it_and_the_refusal_names_nobody(personas):
    room, _ = _play(personas, "added")
    card = room.card("Deploys were calm")
    url = reverse("planning_retro_reflection", args=["alpha", room.session.pk, card.pk])
    for data in ({"text": "Rewritten"}, {"action": "delete"}):
        answer = signed_in(personas["exec"]).post(url, data, HTTP_HX_REQUEST="true")
        assert answer.status_code == 403
        text = answer.content.decode()
        assert "Only its author can change a reflection." in text
        assert AUTHORS["pm"] not in text
    card.refresh_from_db()
    assert card.text == "Deploys were calm"


def test_cards_show_in_the_order_written_never_grouped_by_author(personas):
    room, _ = _play(personas, "deleted")
    room.to("group")
    html = signed_in(personas["admin"]).get(
        reverse("planning_session", args=["alpha", room.session.pk])
    )
    text = html.content.decode()
    written = ["Deploys were calmer", "Flaky tests hurt", "Pair on releases", "Slow CI"]
    assert sorted(written, key=text.index) == written
