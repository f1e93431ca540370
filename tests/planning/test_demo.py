"""The demo: `make run` shows planning sessions in `acme`, and seeding twice adds nothing."""

from django.core.management import call_command

from planning.models import Decision, PlanningSession, SessionState


def test_the_demo_has_a_finished_a_ready_and_a_running_session_once(db):
    call_command("seed_demo")
    states = dict(PlanningSession.objects.values_list("title", "state"))
    assert states == {
        "Q3 prioritisation": SessionState.ENDED,
        "Q4 prioritisation": SessionState.LOBBY,
        "Sprint 42 estimation": SessionState.RUNNING,
    }
    assert Decision.objects.count() == 3
    call_command("seed_demo")
    assert PlanningSession.objects.count() == 3 and Decision.objects.count() == 3
