"""The loop-closure tile on known data: which ideas it covers (shipped or declined in the
period), how many asking customers were told, and how many days after the decision."""

from datetime import timedelta

import pytest
import time_machine

from dashboards import refresh
from dashboards.filters import DashboardFilters
from dashboards.selectors import triage as triage_tiles
from feedback.models import Idea, IdeaStatus, StatusCategory
from feedback.services import ideas as idea_services
from feedback.services import loop_closures
from productops import clock
from tests.feedback import ideas_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_loop_tile_counts_asking_customers_told_and_days_from_decision_to_told(admin):
    workspace = admin.actor.workspace
    actor = admin.actor
    today = clock.workspace_today(workspace)
    since = today - timedelta(days=29)
    status = {
        s.category: s for s in IdeaStatus.objects.filter(workspace=workspace).order_by("-position")
    }

    def at(days_ago: int, hour: int = 10):
        moment = clock.day_start(workspace, today - timedelta(days=days_ago)) + timedelta(
            hours=hour
        )
        return time_machine.travel(moment, tick=False)

    def idea_asked_by(title: str, emails: list[str]) -> Idea:
        idea = idea_services.idea_create(actor=actor, title=title, owner=actor.user)
        items = [
            ideas_data.item(
                workspace,
                f"{title}, please",
                contact=ideas_data.contact(workspace, email),
                days_ago=40,
            )
            for email in emails
        ]
        idea_services.idea_link(actor=actor, idea=idea, items=items)
        return idea

    def move(idea: Idea, category: str) -> Idea:
        idea.refresh_from_db()
        return idea_services.idea_update(
            actor=actor, idea=idea, expected_version=idea.version, status=status[category]
        )

    def tell(idea: Idea) -> None:
        subject, message = loop_closures.default_message(idea.status.category)
        closure = loop_closures.loop_closure_create(
            actor=actor, idea=idea, subject=subject, message=message
        )
        loop_closures.loop_closure_send(closure_id=closure.pk)

    shipped = idea_asked_by("Dark mode", ["ann@acme.test", "bo@globex.test"])
    declined = idea_asked_by("Fax export", ["cy@initech.test", "di@umbrella.test"])
    shipped_long_ago = idea_asked_by("SSO", ["ed@acme.test"])
    planned = idea_asked_by("Gantt charts", ["flo@acme.test"])
    with at(45):
        move(shipped_long_ago, StatusCategory.SHIPPED)
        tell(Idea.objects.get(pk=shipped_long_ago.pk))  # before the period: not counted
    move(planned, StatusCategory.PLANNED)  # not an outcome that closes the loop
    with at(10, hour=9):
        move(shipped, StatusCategory.SHIPPED)
    with at(7, hour=21):  # 3 days and 12 hours after the decision
        tell(Idea.objects.get(pk=shipped.pk))
    with at(5):
        move(declined, StatusCategory.DECLINED)  # nobody told yet
    # Someone asks for the shipped idea after the others were told: not told yet.
    late = ideas_data.item(
        workspace, "Dark mode too", contact=ideas_data.contact(workspace, "gus@acme.test")
    )
    idea_services.idea_link(actor=actor, idea=Idea.objects.get(pk=shipped.pk), items=[late])
    refresh.refresh_changed(workspace_id=workspace.pk)
    assert refresh.verify(workspace_id=workspace.pk) == []

    tile = triage_tiles.loop_closure(
        workspace=workspace, filters=DashboardFilters(since=since, until=today, preset="30d")
    )

    figures = {f.label: f.value for f in tile.figures}
    assert figures["Ideas closed"] == 2  # shipped and declined in the period
    assert figures["Asking customers"] == 5  # 3 for the shipped idea, 2 for the declined one
    assert figures["Customers told"] == 2
    assert {f.label: f.display for f in tile.figures}["Customers told"] == "40%"
    assert figures["Days from decision to told"] == pytest.approx(3.5)
    # The ideas still owed a message come first: the declined one (2 waiting), then the shipped.
    assert tile.rows == [["Fax export", "declined", 2, 0], ["Dark mode", "shipped", 3, 2]]
