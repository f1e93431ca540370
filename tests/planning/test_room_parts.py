"""The room's parts everyone sees alike are rendered once per version and kind of viewer
(planning/views/room_parts.py); each answer still carries the viewer's own vote, seat, controls
and a CSRF token that works."""

import re
import time
from pathlib import Path

from django.test import Client
from django.urls import reverse

from planning.models import AgendaItem, Vote
from planning.views import room_parts
from tests.planning.planning_data import SECRET_REACH, rice, running_session

ROOT = Path(__file__).resolve().parents[2]
# What only one viewer may see or use: none of it may be in a part rendered for all.
VIEWER_OWN = ("room.me", "room.my_votes", "room.can_vote", "vote_fields", "request.", "may_add")


def _partials(path: Path) -> dict[str, str]:
    text = path.read_text()
    return dict(re.findall(r"{% partialdef (\w+) %}(.*?){% endpartialdef %}", text, re.S))


def test_the_parts_rendered_for_everyone_hold_nothing_of_one_viewer():
    partials = _partials(ROOT / "templates/planning/room.html")
    assert set(room_parts.SHARED) <= set(partials)
    found = {
        name: [word for word in VIEWER_OWN if word in partials[name]] for name in room_parts.SHARED
    }
    assert found == {name: [] for name in room_parts.SHARED}
    assert any(word in partials["vote"] for word in VIEWER_OWN)  # the check reads real text


def _changed_poll(count_queries, client: Client, session) -> tuple[int, str]:
    """The queries and HTML of a poll that answers every part, counted as the first GET: a
    warming GET would keep the parts this test is about."""
    url = reverse("planning_poll", args=["alpha", session.pk]) + "?v=0"
    queries, answer = count_queries(client, url, warm=False)
    return queries, answer.content.decode()


def test_a_second_voter_at_the_same_version_reuses_the_parts_everyone_sees(personas, count_queries):
    session = running_session(personas)
    pm, exec_ = Client(), Client()
    pm.force_login(personas["pm"].user)
    exec_.force_login(personas["exec"].user)
    for client in (pm, exec_):
        _changed_poll(count_queries, client, session)  # both present, so presence is the same below
    for _ in range(3):  # parts are kept per second: both polls must fall in one
        second = int(time.time())
        room_parts.forget()  # as in a process that has rendered nothing yet
        first, pm_html = _changed_poll(count_queries, pm, session)
        second_queries, exec_html = _changed_poll(count_queries, exec_, session)
        if int(time.time()) == second:
            break
    assert second_queries < first
    assert 'name="reach"' in pm_html and 'name="reach"' in exec_html  # each their own vote form


def test_each_viewer_gets_their_own_controls_vote_and_a_token_that_works(personas, count_queries):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    pm = Client(enforce_csrf_checks=True)
    pm.force_login(personas["pm"].user)
    lead = Client()
    lead.force_login(personas["ops_lead"].user)
    pm.get(reverse("planning_session", args=["alpha", session.pk]))  # the CSRF cookie
    _, pm_html = _changed_poll(count_queries, pm, session)  # the voter first, then the facilitator
    _, lead_html = _changed_poll(count_queries, lead, session)
    assert "Reveal" in lead_html and "Reveal" not in pm_html
    assert room_parts.CSRF_PLACEHOLDER not in pm_html + lead_html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pm_html).group(1)
    sent = pm.post(
        reverse("planning_vote", args=["alpha", session.pk]),
        {"item": item.pk, **rice(SECRET_REACH["pm"]), "csrfmiddlewaretoken": token},
    )
    assert sent.status_code == 302  # accepted: back to the room (403 on a bad token)
    assert Vote.objects.filter(item=item, participant__user=personas["pm"].user).exists()
    _, pm_after = _changed_poll(count_queries, pm, session)
    _, lead_after = _changed_poll(count_queries, lead, session)
    assert SECRET_REACH["pm"] in pm_after and SECRET_REACH["pm"] not in lead_after
