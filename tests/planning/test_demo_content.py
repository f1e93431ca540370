"""The demo planning comes from planning/demo_data/planning.toml, built by one session builder,
with its dates in the workspace's year and days."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum

from feedback.demo_ideas import seed_ideas
from planning.demo import seed_planning
from planning.models import (
    ActionItem,
    AgendaItem,
    CapacityMember,
    CapacityPlan,
    Decision,
    DiscussionNote,
    PlanningSession,
    PlanningSettings,
    ReflectionGroup,
)
from productops import demo

# 20:00 UTC on 31 December is 09:00 on 1 January 2027 in Auckland: the workspace's new year.
NEW_YEAR_IN_AUCKLAND = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)


@pytest.fixture
def acme(db):
    workspace = demo.seed_platform()
    workspace.time_zone = "Pacific/Auckland"
    workspace.save(update_fields=["time_zone"])
    seed_ideas(workspace)
    with time_machine.travel(NEW_YEAR_IN_AUCKLAND, tick=False):
        seed_planning(workspace)
    return workspace


def agenda(title: str) -> list[str]:
    items = AgendaItem.objects.filter(session__title=title).select_related("idea")
    return [i.idea.title if i.idea else i.topic for i in items.order_by("position")]


def test_the_sessions_are_built_as_the_file_says_in_the_workspace_year(acme):
    q3 = PlanningSession.objects.get(title="Q3 prioritisation")
    assert (q3.state, q3.current_phase, q3.team) == ("ended", "decide", "Core")
    assert (q3.period_start, q3.period_end) == (date(2027, 7, 1), date(2027, 9, 30))
    assert agenda("Q3 prioritisation") == [
        "Mobile app for iOS and Android",
        "Salesforce integration",
        "Audit log export",
    ]
    decisions = {
        d.idea.title: (d.outcome, d.estimate, d.defer_until, d.rationale)
        for d in Decision.objects.select_related("idea")
    }
    assert decisions == {
        "Mobile app for iOS and Android": (
            "commit",
            Decimal("8.00"),
            None,
            "Most revenue behind it, and the effort is known.",
        ),
        "Salesforce integration": (
            "defer",
            None,
            date(2027, 4, 1),
            "Worth doing; not before SSO ships.",
        ),
        "Audit log export": ("reject", None, None, "Few accounts ask, and the effort is large."),
    }
    # The accepted values are the first voter's (the PM's).
    mobile = AgendaItem.objects.get(session=q3, idea__title="Mobile app for iOS and Android")
    assert mobile.final_values == {
        "reach": "1200",
        "impact": "3",
        "confidence": "80%",
        "effort": "5",
    }

    # Q4 waits in the lobby for tomorrow; the estimation runs on its first item.
    q4 = PlanningSession.objects.get(title="Q4 prioritisation")
    assert (q4.state, q4.period_start, q4.period_end) == (
        "lobby",
        date(2027, 10, 1),
        date(2027, 12, 31),
    )
    assert (q4.scheduled_at, q4.auto_reveal, q4.item_timer_seconds) == (
        datetime(2027, 1, 1, 20, 0, tzinfo=UTC),
        True,
        300,
    )
    assert agenda("Q4 prioritisation") == [
        "Granular roles and permissions",
        "Public API webhooks",
        "Invoices in local currency",
        "Calendar view",
        "Salesforce integration",
        "Export reports to CSV and Excel",
        "Custom fields on records",
        "Reliable autosave",
        "Markdown tables and pasted images in the editor",
        "Daily email digest",
        "Two-way Jira sync",
        "Scheduled dashboard emails",
    ]

    sprint = PlanningSession.objects.select_related("current_item__idea").get(
        title="Sprint 42 estimation"
    )
    assert (sprint.state, sprint.current_phase) == ("running", "estimate")
    assert sprint.current_item.idea.title == "Mobile app for iOS and Android"
    assert agenda("Sprint 42 estimation")[-1] == "Upgrade the build pipeline"


def test_the_retro_and_the_team_plans_are_as_the_file_says(acme):
    retro = PlanningSession.objects.get(title="Sprint 41 retro")
    assert (retro.state, retro.current_phase) == ("ended", "discuss")
    dots = dict(
        ReflectionGroup.objects.filter(session=retro, title__gt="")
        .annotate(dots=Sum("votes__dots"))
        .values_list("title", "dots")
    )
    assert dots == {"Slow CI": 6, "Meetings": 7}
    assert list(DiscussionNote.objects.values_list("group__title", "text")) == [
        ("Slow CI", "Most of the wait is the end-to-end stage; half its failures are two tests.")
    ]
    actions = ActionItem.objects.filter(session=retro).order_by("due_on")
    assert [(a.title, a.owner.email, a.due_on, a.status) for a in actions] == [
        ("Share the export speed-up in the changelog", "pm@acme.test", date(2026, 12, 29), "done"),
        (
            "Split the end-to-end suite and quarantine flaky tests",
            "admin@acme.test",
            date(2027, 1, 8),
            "open",
        ),
        (
            "Trial a no-meeting Wednesday for two sprints",
            "ops@acme.test",
            date(2027, 1, 15),
            "open",
        ),
    ]

    plans = CapacityPlan.objects.filter(workspace=acme).order_by("period_start")
    assert [(p.team, p.period_start, p.period_end, p.per_person) for p in plans] == [
        ("Core", date(2027, 7, 1), date(2027, 9, 30), Decimal("13.00")),
        ("Core", date(2027, 10, 1), date(2027, 12, 31), Decimal("13.00")),
    ]
    members = CapacityMember.objects.filter(plan=plans[0]).select_related("user")
    assert sorted(
        (m.user.email if m.user else m.name, m.availability, m.days_off) for m in members
    ) == [
        ("Contract engineer", 100, Decimal("0.0")),
        ("admin@acme.test", 50, Decimal("0.0")),
        ("ops@acme.test", 80, Decimal("3.0")),
        ("pm@acme.test", 100, Decimal("5.0")),
    ]
    assert PlanningSettings.objects.get(workspace=acme).evidence_half_life_days == 180
