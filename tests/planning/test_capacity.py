"""Team capacity: figures on known data, the services' guards, pages, API, query counts."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from planning.models import CapacityPlan, PlanningSession, SessionState
from planning.selectors import capacity as selectors
from planning.services import agenda as agenda_services
from planning.services import capacity as services
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import sessions as session_services
from productops.errors import StaleEdit
from productops.models import AuditEvent
from tests.conftest import signed_in
from tests.planning.capacity_data import committed, plan

Q3 = date(2026, 7, 1)


@pytest.fixture
def team(ops_lead, pm, exec_, admin):
    """Payments, Q3: 60 working days, 30 points per full-time person."""
    made = plan(ops_lead.actor)
    services.capacity_member_set(actor=ops_lead.actor, plan=made, user=pm.user)  # 30
    services.capacity_member_set(  # part time, half the period: 30 * 0.5 * 54/60 = 13.5
        actor=ops_lead.actor, plan=made, user=exec_.user, availability=50, days_off=Decimal(6)
    )
    services.capacity_member_set(  # a contractor, a third off: 30 * 40/60 = 20
        actor=ops_lead.actor, plan=made, name="Casey (contractor)", days_off=Decimal(20)
    )
    return made


def test_capacity_is_members_times_availability_times_points(team, workspace_a):
    figures = selectors.capacity_figures(workspace=workspace_a, plan=team)
    assert [share.capacity for share in figures.members] == [
        Decimal("30.00"),
        Decimal("13.50"),
        Decimal("20.00"),
    ]
    assert figures.capacity == Decimal("63.50")


def test_committed_load_against_capacity_warns_when_over(team, ops_lead, workspace_a):
    committed(ops_lead.actor, "Payments", Q3, [21, 13, 8])
    figures = selectors.capacity_figures(workspace=workspace_a, plan=team)
    assert figures.committed == 42 and not figures.over and figures.load_percent == 66
    committed(ops_lead.actor, "Payments", date(2026, 8, 1), [13, 8, None])
    committed(ops_lead.actor, "Search", Q3, [100])  # another team
    committed(ops_lead.actor, "Payments", date(2026, 10, 1), [100])  # another period
    figures = selectors.capacity_figures(workspace=workspace_a, plan=team)
    assert figures.committed == 63 and not figures.over
    assert (figures.commits, figures.commits_without_estimate) == (6, 1)
    committed(ops_lead.actor, "Payments", Q3, [1])
    figures = selectors.capacity_figures(workspace=workspace_a, plan=team)
    assert figures.over and figures.remaining == Decimal("-0.50")
    page = signed_in(ops_lead).get(f"/w/alpha/planning/capacity/{team.pk}/").content.decode()
    assert "Over capacity" in page


def test_the_range_comes_from_the_teams_earlier_periods(team, ops_lead, pm, workspace_a):
    assert selectors.capacity_figures(workspace=workspace_a, plan=team).range is None
    for start, end, load in [
        (date(2026, 1, 1), date(2026, 3, 31), [20]),  # 20 / 30 = 2/3 of capacity
        (date(2026, 4, 1), date(2026, 6, 30), [30]),  # 30 / 30 = all of it
        (date(2025, 10, 1), date(2025, 12, 31), [24]),  # 0.8
    ]:
        earlier = plan(ops_lead.actor, start=start, end=end)
        services.capacity_member_set(actor=ops_lead.actor, plan=earlier, user=pm.user)
        committed(ops_lead.actor, "Payments", start, load)
    figures = selectors.capacity_figures(workspace=workspace_a, plan=team)
    # 63.5 x (2/3, 0.8, 1)
    assert figures.range.periods == 3
    assert (figures.range.low, figures.range.likely, figures.range.high) == (
        Decimal("42.33"),
        Decimal("50.80"),
        Decimal("63.50"),
    )


def test_person_days_default_to_every_working_day(ops_lead, pm, workspace_a):
    spec = services.PlanSpec(
        team="Design",
        period_start=date(2026, 11, 2),  # a Monday
        period_end=date(2026, 11, 13),  # two weeks: 10 weekdays
        unit="days",
    )
    made = services.capacity_plan_create(actor=ops_lead.actor, spec=spec)
    assert (made.working_days, made.per_person) == (10, Decimal("10.00"))
    services.capacity_member_set(actor=ops_lead.actor, plan=made, user=pm.user, days_off=2)
    assert selectors.capacity_figures(workspace=workspace_a, plan=made).capacity == 8


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"team": " "}, "team"),
        ({"period_end": date(2026, 6, 1)}, "period_end"),
        ({"period_start": date(1900, 1, 1)}, "period_start"),
        ({"working_days": 0}, "working_days"),
        ({"per_person": Decimal(0)}, "per_person"),
        ({"unit": "hours"}, "unit"),
    ],
)
def test_a_bad_plan_is_refused_per_field(ops_lead, values, field):
    spec = {
        "team": "Payments",
        "period_start": Q3,
        "period_end": date(2026, 9, 30),
        "working_days": 60,
        "per_person": Decimal(30),
        **values,
    }
    with pytest.raises(ValidationError) as refused:
        services.capacity_plan_create(actor=ops_lead.actor, spec=services.PlanSpec(**spec))
    assert field in refused.value.error_dict
    assert not CapacityPlan.objects.exists()


def test_one_plan_per_team_and_period_start(team, ops_lead):
    with pytest.raises(ValidationError) as refused:
        plan(ops_lead.actor)
    assert "period_start" in refused.value.error_dict


def test_member_shares_are_checked(team, ops_lead, outsider):
    for values in (
        {"availability": 101},
        {"days_off": Decimal(61)},
        {"days_off": Decimal(-1)},
        {"user": outsider.user},
        {},
    ):
        with pytest.raises(ValidationError):
            services.capacity_member_set(actor=ops_lead.actor, plan=team, **values)


def test_setting_a_member_again_changes_their_share(team, ops_lead, pm, workspace_a):
    services.capacity_member_set(actor=ops_lead.actor, plan=team, user=pm.user, availability=80)
    figures = selectors.capacity_figures(workspace=workspace_a, plan=team)
    assert len(figures.members) == 3 and figures.members[0].capacity == Decimal("24.00")
    assert AuditEvent.objects.filter(verb="capacity_member.updated").count() == 1


def test_pms_and_execs_cannot_change_capacity(team, pm, exec_):
    for persona in (pm, exec_):
        with pytest.raises(PermissionDenied):
            plan(persona.actor, team="Other")
        with pytest.raises(PermissionDenied):
            services.capacity_member_set(actor=persona.actor, plan=team, name="X")


def test_a_stale_plan_edit_is_refused(team, ops_lead):
    spec = services.PlanSpec(
        team="Payments", period_start=Q3, period_end=date(2026, 9, 30), per_person=Decimal(30)
    )
    seen = CapacityPlan.objects.get(pk=team.pk).version
    services.capacity_plan_update(actor=ops_lead.actor, plan=team, spec=spec, expected_version=seen)
    assert CapacityPlan.objects.get(pk=team.pk).working_days == 66  # the weekdays of Q3
    with pytest.raises(StaleEdit):
        services.capacity_plan_update(
            actor=ops_lead.actor, plan=team, spec=spec, expected_version=seen
        )


def test_a_capacity_change_bumps_the_teams_live_session(team, ops_lead):
    live = committed(ops_lead.actor, "Payments", Q3, [], state=SessionState.RUNNING)
    other = committed(ops_lead.actor, "Search", Q3, [], state=SessionState.RUNNING)
    services.capacity_member_set(actor=ops_lead.actor, plan=team, name="New hire")
    assert PlanningSession.objects.get(pk=live.pk).version == live.version + 1
    assert PlanningSession.objects.get(pk=other.pk).version == other.version


def test_every_change_is_audited(team):
    # Past what each workspace was set up with (its idea statuses).
    events = AuditEvent.objects.exclude(verb="idea_status.created").order_by("id")
    verbs = list(events.values_list("verb", flat=True))
    assert verbs == ["capacity_plan.created"] + ["capacity_member.added"] * 3


# Pages


def test_ops_lead_creates_a_plan_and_adds_a_member_on_the_pages(ops_lead, pm, workspace_a):
    client = signed_in(ops_lead)
    response = client.post(
        "/w/alpha/planning/capacity/",
        {
            "team": "Growth",
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
            "unit": "points",
            "per_person": "25",
        },
    )
    made = CapacityPlan.objects.get(team="Growth")
    assert response.status_code == 302 and made.working_days == 66
    response = client.post(
        f"/w/alpha/planning/capacity/{made.pk}/members/",
        {"user": pm.user.pk, "availability": "60", "days_off": "0"},
    )
    assert response.status_code == 302
    page = client.get(f"/w/alpha/planning/capacity/{made.pk}/").content.decode()
    assert pm.user.display_name in page and "15" in page
    assert "Add a person or change their share" in page  # plan_capacity: the ops lead's
    listed = client.get("/w/alpha/planning/capacity/").content.decode()
    assert "New capacity plan" in listed
    as_pm = signed_in(pm)
    assert (
        "Add a person" not in as_pm.get(f"/w/alpha/planning/capacity/{made.pk}/").content.decode()
    )
    assert "New capacity plan" not in as_pm.get("/w/alpha/planning/capacity/").content.decode()


def test_a_bad_plan_on_the_page_answers_400_with_the_field(ops_lead):
    response = signed_in(ops_lead).post(
        "/w/alpha/planning/capacity/",
        {
            "team": "Growth",
            "period_start": "2026-09-30",
            "period_end": "2026-07-01",
            "unit": "days",
        },
    )
    assert response.status_code == 400
    assert "The period ends before it starts." in response.content.decode()


def test_the_capacity_list_runs_the_same_queries_as_plans_grow(ops_lead, pm, exec_, count_queries):
    client = signed_in(exec_)
    first = plan(ops_lead.actor, start=date(2025, 1, 1), end=date(2025, 3, 31))
    services.capacity_member_set(actor=ops_lead.actor, plan=first, user=pm.user)
    committed(ops_lead.actor, "Payments", date(2025, 1, 1), [5])
    few = count_queries(client, "/w/alpha/planning/capacity/")[0]
    api_few = count_queries(client, "/api/v1/w/alpha/planning/capacity/")[0]
    for quarter in range(1, 8):
        start = date(2025 + quarter // 4, 1 + 3 * (quarter % 4), 1)
        more = plan(ops_lead.actor, start=start, end=start.replace(day=28))
        services.capacity_member_set(actor=ops_lead.actor, plan=more, user=pm.user)
        services.capacity_member_set(actor=ops_lead.actor, plan=more, name="Contractor")
        committed(ops_lead.actor, "Payments", start, [3, 5])
        plan(ops_lead.actor, team=f"Team {quarter}", start=start, end=start.replace(day=28))
    assert count_queries(client, "/w/alpha/planning/capacity/")[0] == few
    assert count_queries(client, "/api/v1/w/alpha/planning/capacity/")[0] == api_few


# API


def test_the_api_creates_a_plan_and_shows_its_figures(ops_lead, pm):
    client = signed_in(ops_lead)
    response = client.post(
        "/api/v1/w/alpha/planning/capacity/",
        {"team": "API", "period_start": "2026-07-01", "period_end": "2026-09-30", "per_person": 20},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    plan_id = response.json()["id"]
    response = client.post(
        f"/api/v1/w/alpha/planning/capacity/{plan_id}/members/",
        {"user": pm.user.pk, "availability": 50},
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 200
    assert body["capacity"] == "10.00" and body["members"][0]["name"] == pm.user.display_name
    assert body["range"] is None and body["over"] is False


def test_the_api_refuses_bad_input_per_field(ops_lead, team):
    client = signed_in(ops_lead)
    response = client.post(
        "/api/v1/w/alpha/planning/capacity/",
        {"team": "API", "period_start": "2026-09-30", "period_end": "2026-07-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "period_end" in response.json()["error"]["fields"]
    response = client.patch(
        f"/api/v1/w/alpha/planning/capacity/{team.pk}/",
        json.dumps(
            {
                "team": "Payments",
                "period_start": "2026-07-01",
                "period_end": "2026-09-30",
                "per_person": 30,
                "working_days": 60,
                "version": team.version + 5,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 409


def test_a_plan_edit_that_sends_no_version_is_refused_not_written_blind(team, ops_lead):
    before = CapacityPlan.objects.get(pk=team.pk)
    response = signed_in(ops_lead).post(
        f"/w/alpha/planning/capacity/{team.pk}/edit/",
        {
            "team": before.team,
            "period_start": before.period_start.isoformat(),
            "period_end": before.period_end.isoformat(),
            "unit": before.unit,
            "per_person": "99",
        },
    )
    assert response.status_code == 409
    assert CapacityPlan.objects.get(pk=team.pk).per_person == before.per_person


def test_the_room_shows_committed_load_against_capacity_as_decisions_land(team, ops_lead, pm):
    """Payments' Q3 capacity is 63.5 points; each commit reaches a voter's page at its next
    poll, and the second one takes the team over capacity."""
    lead = ops_lead.actor
    session = session_services.session_create(
        actor=lead,
        kind="prioritisation",
        settings=session_services.SessionSettings(
            title="Payments Q3", team="Payments", period_start=Q3, period_end=date(2026, 9, 30)
        ),
    )
    payouts = agenda_services.agenda_add(actor=lead, session=session, topic="Faster payouts")
    refunds = agenda_services.agenda_add(actor=lead, session=session, topic="Refund API")
    participant_services.participant_join(actor=pm.actor, session=session)
    session_services.session_start(actor=lead, session=session)
    client = signed_in(pm)
    poll = reverse("planning_poll", args=["alpha", session.pk])

    def committed_shown(answer) -> str:
        assert answer.status_code == 200
        found = re.search(
            r'class="room-capacity".*?Committed</span><span class="figure-value[^"]*">([^<]+)<',
            answer.content.decode(),
            re.S,
        )
        assert found, "no capacity in the room"
        return found.group(1)

    first = client.get(poll + "?v=0")
    assert committed_shown(first) == "0"
    assert '<span class="figure-value">63.50</span>' in first.content.decode()
    session.refresh_from_db()
    assert client.get(f"{poll}?v={session.version}").status_code == 204
    seen = session.version
    decision_services.decision_record(
        actor=lead, session=session, item=payouts, outcome="commit", estimate=Decimal(40)
    )
    answer = client.get(f"{poll}?v={seen}")
    assert committed_shown(answer) == "40"
    assert "63% of capacity" in answer.content.decode()
    assert "Over capacity" not in answer.content.decode()
    session.refresh_from_db()
    seen = session.version
    decision_services.decision_record(
        actor=lead, session=session, item=refunds, outcome="commit", estimate=Decimal(30)
    )
    answer = client.get(f"{poll}?v={seen}")
    assert committed_shown(answer) == "70"
    assert "Over capacity: the team committed 70 against 63.50 (-6.50)." in answer.content.decode()
