"""The demo: `make run` shows planning sessions in `acme`, and seeding twice adds nothing."""

from django.core.management import call_command

from feedback.models import Idea
from feedback.selectors import ideas as idea_selectors
from planning.models import (
    ActionItem,
    AgendaItem,
    CapacityPlan,
    Decision,
    PlanningSession,
    SessionState,
)
from planning.selectors import capacity as capacity_selectors
from planning.selectors import retro as retro_selectors


def test_the_demo_has_a_finished_a_ready_and_a_running_session_once(db):
    call_command("seed_demo")
    states = dict(PlanningSession.objects.values_list("title", "state"))
    assert states == {
        "Q3 prioritisation": SessionState.ENDED,
        "Q4 prioritisation": SessionState.LOBBY,
        "Sprint 42 estimation": SessionState.RUNNING,
        "Sprint 41 retro": SessionState.ENDED,
    }
    assert Decision.objects.count() == 3
    counts = (CapacityPlan.objects.count(), ActionItem.objects.count())
    call_command("seed_demo")
    assert PlanningSession.objects.count() == 4 and Decision.objects.count() == 3
    assert (CapacityPlan.objects.count(), ActionItem.objects.count()) == counts == (2, 3)


def test_the_demo_team_has_capacity_with_a_range_and_open_retro_actions(db):
    call_command("seed_demo")
    q3, q4 = CapacityPlan.objects.order_by("period_start")
    workspace = q4.workspace
    figures = capacity_selectors.capacity_figures(workspace=workspace, plan=q3)
    assert figures.committed > 0 and figures.capacity > 0  # the Q3 session's commits
    assert capacity_selectors.capacity_figures(workspace=workspace, plan=q4).range is not None
    assert ActionItem.objects.filter(status="open").count() == 2
    rows = {row.team: row for row in retro_selectors.follow_through(workspace=workspace)}
    assert rows["Core"].percent_done == 33


def test_the_q4_session_has_a_dozen_asked_for_ideas_and_q3_shows_on_the_roadmap(db):
    """Issue 10: "a Q4 session ready to run with a dozen ideas", each with customer evidence;
    the Q3 decisions' ideas are public, so the commit shows on the public roadmap."""
    call_command("seed_demo")
    q4 = AgendaItem.objects.filter(session__title="Q4 prioritisation").select_related("idea")
    assert len(q4) == 12
    assert [str(i) for i in q4 if not i.evidence["unique_accounts"]] == []
    q3_ideas = Idea.objects.filter(
        pk__in=Decision.objects.filter(session__title="Q3 prioritisation").values("idea")
    )
    assert len(q3_ideas) == 3 and all(i.is_public for i in q3_ideas)
    workspace = q4[0].workspace
    lanes = {lane.category: lane for lane in idea_selectors.roadmap(workspace=workspace)}
    assert "Mobile app for iOS and Android" in [i.title for i in lanes["planned"].ideas]
