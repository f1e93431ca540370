"""Many people at once, on real Postgres with one connection per thread."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from feedback.models import LoopClosure, LoopNotice
from feedback.services.loop_closures import loop_closure_send
from planning.models import AgendaItem, ParticipantRole, PlanningSession, Vote
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import votes as vote_services
from productops.access import Actor
from productops.models import AuditEvent, Role
from tests.factories import MembershipFactory, UserFactory
from tests.planning.planning_data import running_session

pytestmark = pytest.mark.django_db(transaction=True)
VOTERS = 50


def _at_once(calls) -> list:
    """Runs the calls in threads released together; each thread has its own connection."""
    barrier = Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_fifty_people_voting_at_once_are_each_counted_once(personas):
    session = running_session(personas, scoring_model="ice")
    actors = []
    for n in range(VOTERS):
        membership = MembershipFactory(
            workspace=session.workspace, role=Role.EXEC, user=UserFactory(email=f"v{n}@alpha.test")
        )
        actor = Actor.for_membership(membership)
        participant_services.participant_join(
            actor=actor, session=session, role=ParticipantRole.VOTER
        )
        actors.append(actor)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    before = PlanningSession.objects.get(pk=session.pk).version
    values = {"impact": "5", "confidence": "6", "ease": "7"}
    _at_once(
        [
            lambda a=actor: vote_services.vote_cast(
                actor=a, session=session, item=item, values=values
            )
            for actor in actors
        ]
    )
    assert Vote.objects.filter(item=item).count() == VOTERS * 3
    assert Vote.objects.filter(item=item).values("participant").distinct().count() == VOTERS
    # Each vote raised the version by exactly one: no two saw the same version.
    assert PlanningSession.objects.get(pk=session.pk).version == before + VOTERS


def test_a_decision_and_its_announcement_clicked_twice_at_once_happen_once(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    lead = personas["ops_lead"].actor
    decisions = _at_once(
        [
            lambda: decision_services.decision_record(
                actor=lead, session=session, item=item, outcome="commit"
            )
        ]
        * 2
    )
    assert decisions[0].pk == decisions[1].pk
    moves = AuditEvent.objects.filter(verb="idea.updated", object_id=str(item.idea_id))
    assert moves.count() == 1
    _at_once(
        [
            lambda: decision_services.decision_announce(
                actor=lead, decision=decisions[0], subject="Planned: {idea}", message="Hi {name}"
            )
        ]
        * 2
    )
    assert LoopClosure.objects.filter(idea_id=item.idea_id).count() == 1
    closure = LoopClosure.objects.get(idea_id=item.idea_id)
    _at_once([lambda: loop_closure_send(closure_id=closure.pk)] * 2)
    assert LoopNotice.objects.filter(idea_id=item.idea_id).count() == 2  # two customers asked
