"""A session shows what its kind has (`PlanningSession.has`): a retrospective's room, poll and
settings show its phases and board, never an agenda, votes on items, reveal, accepted scores,
decisions or a scoring model; a scoring session's still show all of those."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from planning.models import KIND_HAS, PlanningSession, SessionKind
from planning.services import agenda as agenda_services
from tests.conftest import signed_in
from tests.planning.planning_data import running_session
from tests.planning.test_retro import new_retro, to_phase

# What only a session with an agenda shows in its room.
AGENDA_UI = {
    "the item on the table": 'id="room-item"',
    "the agenda": 'id="room-agenda"',
    "adding to the agenda": "Add to the agenda",
    "moving between items": 'value="next_item"',
    "voting on the item": "Voting opens in a scoring phase",
    "deciding": 'name="outcome"',
}


def _room(persona, session) -> str:
    answer = signed_in(persona).get(reverse("planning_session", args=["alpha", session.pk]))
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_retros_room_shows_its_phases_and_board_and_nothing_of_an_agenda(personas):
    retro = to_phase(personas, new_retro(personas), "vote")
    for viewer in ("ops_lead", "pm"):
        html = _room(personas[viewer], retro)
        assert "Retro board" in html
        phases = re.search(r'<ol class="phases".*?</ol>', html, re.S).group(0)
        for label in ("Review last actions", "Reflect", "Group", "Vote", "Discuss", "Wrap up"):
            assert f">{label}</li>" in phases
        shown = [what for what, mark in AGENDA_UI.items() if mark in html]
        assert shown == [], f"{viewer} sees {shown} in a retro"
    assert "You take part: write, group and put your dots on the board." in _room(
        personas["pm"], retro
    )
    poll = signed_in(personas["pm"]).get(
        reverse("planning_poll", args=["alpha", retro.pk]) + "?v=0"
    )
    assert 'id="room-retro"' in poll.content.decode()
    assert not {'id="room-item"', 'id="room-agenda"'} & set(
        re.findall(r'id="room-\w+"', poll.content.decode())
    )


def test_a_scoring_sessions_room_still_shows_its_agenda_votes_and_decisions(personas):
    session = running_session(personas)
    html = _room(personas["ops_lead"], session)
    missing = [what for what, mark in AGENDA_UI.items() if mark not in html]
    # Voting is open in the score phase, so the waiting line is not there; everything else is.
    assert missing == ["voting on the item"]
    assert "Retro board" not in html


@pytest.mark.parametrize("kind", [k for k in SessionKind.values if k != SessionKind.RETROSPECTIVE])
def test_every_kind_with_an_agenda_has_no_board_and_the_retro_has_no_agenda(kind):
    assert KIND_HAS[kind].agenda and not KIND_HAS[kind].board
    retro = KIND_HAS[SessionKind.RETROSPECTIVE]
    assert retro.board and not retro.agenda
    assert not {"scoring_model", "auto_reveal", "item_timer_minutes"} & retro.settings
    assert "anonymous_reflections" not in KIND_HAS[kind].settings


def _field_names(html: str) -> set[str]:
    """The names of the settings form's fields."""
    form = re.search(r'<form method="post" class="stack">.*?</form>', html, re.S).group(0)
    return set(re.findall(r'<(?:input|select|textarea)[^>]* name="(\w+)"', form)) - {
        "csrfmiddlewaretoken"
    }


def test_a_retros_settings_show_only_what_a_retro_uses(personas):
    retro = new_retro(personas, budget=4)
    client = signed_in(personas["ops_lead"])
    url = reverse("planning_edit", args=["alpha", retro.pk])
    html = client.get(url).content.decode()
    assert _field_names(html) == {
        "title",
        "team",
        "scheduled_at",
        "phase_timer_minutes",
        "anonymous_reflections",
        "vote_budget",
        "vote_cap_per_item",
    }
    assert "Dots per person" in html and "Dots on one group at most" in html
    assert "Scoring model" not in html and "Reveal once" not in html
    answer = client.post(
        url, {"title": "Sprint 12 retro, again", "team": "Core", "vote_budget": "6"}
    )
    assert answer.status_code == 302
    retro.refresh_from_db()
    assert (retro.title, retro.vote_budget, retro.anonymous_reflections) == (
        "Sprint 12 retro, again",
        6,
        False,
    )


def test_a_scoring_sessions_settings_keep_the_scoring_fields(personas):
    session = running_session(personas)
    html = (
        signed_in(personas["ops_lead"])
        .get(reverse("planning_edit", args=["alpha", session.pk]))
        .content.decode()
    )
    names = _field_names(html)
    assert {"scoring_model", "auto_reveal", "item_timer_minutes", "period_start"} <= names
    assert "anonymous_reflections" not in names and "kind" not in names


def test_nothing_goes_on_a_retros_agenda(personas):
    retro = new_retro(personas)
    with pytest.raises(ValidationError, match="A retrospective has no agenda"):
        agenda_services.agenda_add(
            actor=personas["ops_lead"].actor, session=retro, topic="Something"
        )
    answer = signed_in(personas["ops_lead"]).post(
        reverse("planning_agenda_add", args=["alpha", retro.pk]), {"topic": "Something"}
    )
    assert answer.status_code == 400
    assert "A retrospective has no agenda" in answer.content.decode()
    assert not PlanningSession.objects.get(pk=retro.pk).items.exists()
