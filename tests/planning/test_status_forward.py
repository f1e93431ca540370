"""Issue 10 trial: only open or planned ideas go on an agenda (one rule for the room's list and
the agenda API), and a decision never moves an idea's status backwards."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from feedback.models import Idea, LoopClosure, StatusCategory
from feedback.selectors import ideas as idea_selectors
from feedback.services import ideas as idea_services
from planning.models import AgendaItem, Decision
from planning.selectors import sessions as selectors
from planning.services import agenda as agenda_services
from planning.services import decisions as decision_services
from tests.conftest import signed_in
from tests.planning.planning_data import idea_with_askers, running_session

API = "/api/v1/w/alpha/planning"


def _move(persona, idea: Idea, category: str) -> Idea:
    workspace = persona.actor.workspace
    status = next(s for s in idea_selectors.statuses(workspace=workspace) if s.category == category)
    idea.refresh_from_db()
    return idea_services.idea_update(
        actor=persona.actor, idea=idea, expected_version=idea.version, status=status
    )


@pytest.mark.parametrize(
    ("category", "word"),
    [(StatusCategory.SHIPPED, "shipped"), (StatusCategory.IN_PROGRESS, "in progress")],
)
def test_an_idea_past_planning_is_refused_on_the_agenda_with_why(personas, category, word):
    session = running_session(personas, ideas=1)
    lead = personas["ops_lead"]
    ahead = _move(lead, idea_with_askers(personas["pm"], "Ahead"), category)
    answer = signed_in(lead).post(
        f"{API}/sessions/{session.pk}/agenda/", {"idea": ahead.pk}, content_type="application/json"
    )
    assert answer.status_code == 400
    assert word in answer.json()["error"]["fields"]["idea"][0]
    assert not AgendaItem.objects.filter(idea=ahead).exists()
    # The room's "Add to the agenda" list reads the same rule.
    choices = selectors.idea_choices(workspace=session.workspace)
    assert ahead.pk not in {i.pk for i in choices}
    with pytest.raises(ValidationError, match=word):
        agenda_services.agenda_add(actor=lead.actor, session=session, idea=ahead)


@pytest.mark.parametrize("category", [StatusCategory.SHIPPED, StatusCategory.IN_PROGRESS])
@pytest.mark.parametrize("outcome", ["commit", "reject"])
def test_a_decision_leaves_an_idea_in_progress_or_shipped_where_it_is(personas, category, outcome):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    lead = personas["ops_lead"]
    _move(lead, item.idea, category)  # it moved on while on the agenda
    decision = decision_services.decision_record(
        actor=lead.actor, session=session, item=item, outcome=outcome
    )
    idea = Idea.objects.select_related("status").get(pk=item.idea_id)
    assert idea.status.category == category
    assert decision.announce_subject == "" and decision.announce_message == ""
    assert "stays" in decision.status_note
    with pytest.raises(ValidationError):
        decision_services.decision_announce(
            actor=lead.actor, decision=decision, subject="Planned", message="Hi {name}"
        )
    assert not LoopClosure.objects.filter(idea=idea).exists()
    room = signed_in(lead).get(reverse("planning_session", args=["alpha", session.pk]))
    assert room.status_code == 200 and decision.status_note in room.content.decode()


def test_a_commit_of_an_open_idea_still_plans_it_and_prepares_the_message(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    decision = decision_services.decision_record(
        actor=personas["ops_lead"].actor, session=session, item=item, outcome="commit"
    )
    assert decision.status_note == "" and decision.announce_subject
    assert Decision.objects.get(pk=decision.pk).idea.status.category == StatusCategory.PLANNED
