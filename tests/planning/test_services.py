"""Sessions through their services: phases and their guards, votes and reveal, decisions."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from feedback.models import Idea, LoopNotice, StatusCategory
from planning.models import (
    AgendaItem,
    Decision,
    ParticipantRole,
    PlanningSession,
    SessionState,
    Vote,
)
from planning.selectors import room as room_selectors
from planning.selectors import sessions as selectors
from planning.selectors import votes as vote_selectors
from planning.services import agenda as agenda_services
from planning.services import decisions as decision_services
from planning.services import participants as participant_services
from planning.services import sessions as services
from planning.services import votes as vote_services
from productops.models import AuditEvent, OutboundEmail
from tests.inventory.factories import ContractFactory, ToolFactory
from tests.planning.planning_data import SECRET_REACH, idea_with_askers, rice, running_session


def _lead(personas):
    return personas["ops_lead"].actor


def test_a_session_walks_its_phases_and_going_back_keeps_every_vote(personas):
    session = running_session(personas)
    assert session.state == SessionState.RUNNING and session.current_phase == "score"
    item = AgendaItem.objects.get(pk=session.current_item_id)
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice("5")
    )
    services.session_move_phase(actor=_lead(personas), session=session, step=1)
    services.session_move_phase(actor=_lead(personas), session=session, step=-1)
    session.refresh_from_db()
    assert session.current_phase == "score"
    assert Vote.objects.filter(item=item).count() == 4  # reach, impact, confidence, effort
    with pytest.raises(ValidationError, match="first phase"):
        for _ in range(3):
            services.session_move_phase(actor=_lead(personas), session=session, step=-1)


def test_the_last_phase_cannot_go_further_and_an_ended_session_takes_no_moves(personas):
    session = running_session(personas)
    services.session_move_phase(actor=_lead(personas), session=session, step=1)
    services.session_move_phase(actor=_lead(personas), session=session, step=1)
    with pytest.raises(ValidationError, match="last phase"):
        services.session_move_phase(actor=_lead(personas), session=session, step=1)
    services.session_end(actor=_lead(personas), session=session)
    with pytest.raises(ValidationError, match="ended"):
        services.session_move_phase(actor=_lead(personas), session=session, step=-1)


def test_a_session_cannot_start_with_an_empty_agenda(personas):
    session = services.session_create(
        actor=_lead(personas), kind="prioritisation", settings=services.SessionSettings(title="Q1")
    )
    with pytest.raises(ValidationError, match="agenda"):
        services.session_start(actor=_lead(personas), session=session)


def test_only_the_facilitator_moves_the_session_and_a_pm_cannot_create_one(personas):
    session = running_session(personas)
    with pytest.raises(PermissionDenied):
        services.session_move_phase(actor=personas["admin"].actor, session=session, step=1)
    with pytest.raises(PermissionDenied):
        services.session_create(
            actor=personas["pm"].actor,
            kind="prioritisation",
            settings=services.SessionSettings(title="Mine"),
        )


def test_every_change_bumps_the_version_by_one(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    before = session.version
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice("5")
    )
    vote_services.item_reveal(actor=_lead(personas), session=session)
    session.refresh_from_db()
    assert session.version == before + 2


def test_a_vote_changes_until_the_reveal_and_a_late_vote_is_refused_clearly(personas):
    session = running_session(personas)
    pm = personas["pm"].actor
    item = AgendaItem.objects.get(pk=session.current_item_id)
    vote_services.vote_cast(actor=pm, session=session, item=item, values=rice("5"))
    vote_services.vote_cast(actor=pm, session=session, item=item, values={"reach": "7"})
    assert Vote.objects.get(item=item, field="reach").value == "7"
    services.session_go_to_item(actor=_lead(personas), session=session, step=1)
    with pytest.raises(vote_services.LateVote, match="moved on"):
        vote_services.vote_cast(actor=pm, session=session, item=item, values={"reach": "9"})
    assert Vote.objects.get(item=item, field="reach").value == "7"


def test_a_value_off_the_scale_is_refused_per_field(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    with pytest.raises(ValidationError) as caught:
        vote_services.vote_cast(
            actor=personas["pm"].actor, session=session, item=item, values=rice("5", impact="7")
        )
    assert "impact" in caught.value.message_dict
    assert not Vote.objects.exists()


def test_spectators_vote_on_nothing(personas):
    session = running_session(personas, spectators=("exec",))
    item = AgendaItem.objects.get(pk=session.current_item_id)
    with pytest.raises(PermissionDenied):
        vote_services.vote_cast(
            actor=personas["exec"].actor, session=session, item=item, values=rice("5")
        )


def test_reveal_shows_the_round_and_a_revote_keeps_the_earlier_round(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    for name in ("pm", "exec"):
        vote_services.vote_cast(
            actor=personas[name].actor, session=session, item=item, values=rice(SECRET_REACH[name])
        )
    assert not vote_selectors.revealed_votes(session=session).exists()
    vote_services.item_reveal(actor=_lead(personas), session=session)
    assert vote_selectors.revealed_votes(session=session).count() == 8
    vote_services.item_revote(actor=_lead(personas), session=session)
    item.refresh_from_db()
    assert (item.round, item.revealed_round) == (2, 1)
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice("1")
    )
    assert vote_selectors.revealed_votes(session=session).count() == 8  # round 2 hidden, 1 kept


def test_the_suggestion_is_the_median_and_mode_with_the_spread(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice("100")
    )
    vote_services.vote_cast(
        actor=personas["exec"].actor, session=session, item=item, values=rice("300", effort="5")
    )
    vote_services.item_reveal(actor=_lead(personas), session=session)
    item.refresh_from_db()
    room = room_selectors.room(session=session, user=personas["ops_lead"].user)
    reach = next(r for r in room.results if r.name == "reach")
    assert reach.suggestion.median == Decimal(200) and reach.suggestion.spread == Decimal(200)
    effort = next(r for r in room.results if r.name == "effort")
    assert effort.display["suggested"] in ("3", "5") and effort.display["spread"] == "2"
    accepted = vote_services.item_accept_score(
        actor=_lead(personas), session=session, item=item, values=rice("200", effort="5")
    )
    assert accepted.final_score == pytest.approx(200 * 2 * 0.8 / 5)


def test_auto_reveal_counts_down_once_every_present_voter_voted_and_can_be_cancelled(personas):
    session = running_session(personas, auto_reveal=True)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice("5")
    )
    session.refresh_from_db()
    assert session.reveal_due_at is None  # the exec has not voted
    vote_services.vote_cast(
        actor=personas["exec"].actor, session=session, item=item, values=rice("8")
    )
    session.refresh_from_db()
    assert session.reveal_due_at is not None
    assert not vote_services.reveal_when_due(session_id=session.pk)  # the countdown runs
    vote_services.auto_reveal_cancel(actor=_lead(personas), session=session)
    PlanningSession.objects.filter(pk=session.pk).update(reveal_due_at="2000-01-01T00:00Z")
    assert vote_services.reveal_when_due(session_id=session.pk)
    item.refresh_from_db()
    assert item.is_revealed


def test_a_commit_plans_the_idea_and_the_confirmed_message_tells_each_asker_once(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    lead = _lead(personas)
    decision = decision_services.decision_record(
        actor=lead, session=session, item=item, outcome="commit", estimate=Decimal("8")
    )
    again = decision_services.decision_record(
        actor=lead, session=session, item=item, outcome="commit", estimate=Decimal("8")
    )
    assert again.pk == decision.pk and Decision.objects.count() == 1
    idea = Idea.objects.select_related("status").get(pk=item.idea_id)
    assert idea.status.category == StatusCategory.PLANNED
    assert not LoopNotice.objects.exists()  # previewed, not sent, until an ops lead confirms
    for _ in range(2):
        decision_services.decision_announce(
            actor=lead, decision=decision, subject="Planned: {idea}", message="Hi {name}"
        )
    from feedback.services.loop_closures import loop_closure_send

    decision.refresh_from_db()
    loop_closure_send(closure_id=decision.loop_closure_id)
    assert LoopNotice.objects.filter(idea=idea, outcome="planned").count() == 2
    assert OutboundEmail.objects.filter(subject=f"Planned: {idea.title}").count() == 2


def test_a_reject_declines_the_idea_and_a_defer_needs_a_date(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    with pytest.raises(ValidationError) as caught:
        decision_services.decision_record(
            actor=_lead(personas), session=session, item=item, outcome="defer"
        )
    assert "defer_until" in caught.value.message_dict
    decision_services.decision_record(
        actor=_lead(personas),
        session=session,
        item=item,
        outcome="defer",
        defer_until=date(2027, 1, 1),
    )
    decision_services.decision_record(
        actor=_lead(personas), session=session, item=item, outcome="reject"
    )
    idea = Idea.objects.select_related("status").get(pk=item.idea_id)
    assert idea.status.category == StatusCategory.DECLINED
    assert Decision.objects.get(item=item).defer_until is None


def test_a_pm_adds_ideas_they_own_only(personas):
    session = running_session(personas, ideas=1)
    mine = idea_with_askers(personas["pm"], "Mine")
    agenda_services.agenda_add(actor=personas["pm"].actor, session=session, idea=mine)
    theirs = idea_with_askers(personas["ops_lead"], "Theirs")
    with pytest.raises(PermissionDenied):
        agenda_services.agenda_add(actor=personas["pm"].actor, session=session, idea=theirs)
    with pytest.raises(PermissionDenied):
        agenda_services.agenda_add(actor=personas["exec"].actor, session=session, idea=mine)


def test_an_agenda_item_keeps_the_evidence_it_had_when_added(personas):
    session = running_session(personas, ideas=1)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    assert item.evidence["unique_accounts"] == 2 and item.evidence["revenue"] == "3000.00"


def test_facilitation_is_handed_over_to_an_ops_lead_or_admin_only(personas):
    session = running_session(personas)
    with pytest.raises(ValidationError):
        services.session_hand_over(actor=_lead(personas), session=session, to=personas["pm"].user)
    services.session_hand_over(actor=_lead(personas), session=session, to=personas["admin"].user)
    session.refresh_from_db()
    assert session.facilitator_id == personas["admin"].user.pk
    roles = dict(session.participants.values_list("user__email", "role"))
    assert roles["admin@alpha.test"] == ParticipantRole.FACILITATOR
    assert roles["ops_lead@alpha.test"] == ParticipantRole.VOTER
    services.session_move_phase(actor=personas["admin"].actor, session=session, step=1)


def test_the_audit_log_records_that_someone_voted_never_the_value(personas):
    session = running_session(personas)
    item = AgendaItem.objects.get(pk=session.current_item_id)
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=item, values=rice(SECRET_REACH["pm"])
    )
    events = AuditEvent.objects.filter(verb="planning_vote.cast")
    assert events.count() == 1
    assert SECRET_REACH["pm"] not in str(list(events.values()))


# 17:10 UTC on 30 November: already 1 December in Auckland.
EVENING_UTC = datetime(2026, 11, 30, 17, 10, tzinfo=UTC)


def test_renewals_whose_notice_falls_before_the_teams_next_session_go_on_the_agenda(personas):
    lead = _lead(personas)
    workspace = lead.workspace
    workspace.time_zone = "Pacific/Auckland"
    workspace.save(update_fields=["time_zone"])
    with time_machine.travel(EVENING_UTC, tick=False):
        session = services.session_create(
            actor=lead,
            kind="prioritisation",
            settings=services.SessionSettings(
                title="December", team="Core", scheduled_at=datetime(2026, 12, 2, 9, tzinfo=UTC)
            ),
        )
        services.session_create(
            actor=lead,
            kind="prioritisation",
            settings=services.SessionSettings(
                title="January", team="Core", scheduled_at=datetime(2027, 1, 6, 9, tzinfo=UTC)
            ),
        )

        def contract(name: str, renewal: date):
            tool = ToolFactory(workspace=workspace, name=name)
            return ContractFactory(tool=tool, renewal_date=renewal, notice_days=30)

        due = contract("Due before January", date(2027, 1, 20))  # notice by 21 December
        contract("Notice passed in Auckland", date(2026, 12, 30))  # notice by 30 November
        contract("After January", date(2027, 3, 3))  # notice by 1 February
        horizon = selectors.renewal_horizon(session=session)
        assert horizon == date(2027, 1, 6)  # the team's next session
        offered = selectors.renewals_before(workspace=workspace, day=horizon)
        assert [c.tool.name for c in offered] == ["Due before January"]
        item = agenda_services.agenda_add(actor=lead, session=session, contract=due)
    assert item.kind == "contract" and str(item) == "Renewal: " + str(due)
    assert item.evidence == {
        "notice_deadline": "2026-12-21",
        "renewal_date": "2027-01-20",
        "annual_cost": "1200.00",
    }
    with pytest.raises(PermissionDenied):
        agenda_services.agenda_add(actor=personas["pm"].actor, session=session, contract=due)


def test_timers_are_deadlines_on_the_server_per_phase_and_per_item(personas):
    lead = _lead(personas)
    start = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        session = running_session(personas)
    session.item_timer_seconds, session.phase_timer_seconds = 300, 1800
    session.save(update_fields=["item_timer_seconds", "phase_timer_seconds"])
    room = room_selectors.room(session=session, user=personas["pm"].user)
    assert room.phase_deadline == start + timedelta(minutes=30)
    assert room.item_deadline == start + timedelta(minutes=5)
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        services.session_go_to_item(actor=lead, session=session, step=1)
    session.refresh_from_db()
    room = room_selectors.room(session=session, user=personas["pm"].user)
    assert room.item_deadline == start + timedelta(minutes=7)  # the next item's own clock
    assert room.phase_deadline == start + timedelta(minutes=30)  # the phase's runs on


def test_ready_is_marked_per_phase_and_shown_to_the_room(personas):
    session = running_session(personas)
    pm = personas["pm"]
    before = session.version
    participant_services.participant_ready(actor=pm.actor, session=session)
    session.refresh_from_db()
    assert session.version == before + 1

    def ready_people() -> set[str]:
        room = room_selectors.room(session=session, user=pm.user)
        return {s.participant.user.email for s in room.seats if s.ready}

    assert ready_people() == {"pm@alpha.test"}
    services.session_move_phase(actor=_lead(personas), session=session, step=1)
    session.refresh_from_db()
    assert ready_people() == set()  # ready for "score", not yet for "decide"
    services.session_move_phase(actor=_lead(personas), session=session, step=-1)
    session.refresh_from_db()
    assert ready_people() == {"pm@alpha.test"}
    participant_services.participant_ready(actor=pm.actor, session=session, ready=False)
    assert ready_people() == set()


def test_dot_voting_keeps_each_persons_budget_and_cap_per_item(personas):
    session = running_session(personas, ideas=3, scoring_model="dot_voting")  # 10 dots, 5 max
    lead, pm = _lead(personas), personas["pm"].actor

    def dots(n: str) -> None:
        session.refresh_from_db()
        item = AgendaItem.objects.get(pk=session.current_item_id)
        vote_services.vote_cast(actor=pm, session=session, item=item, values={"dots": n})

    dots("5")
    with pytest.raises(ValidationError) as caught:
        dots("6")
    assert "dots" in caught.value.message_dict
    services.session_go_to_item(actor=lead, session=session, step=1)
    dots("5")
    services.session_go_to_item(actor=lead, session=session, step=1)
    with pytest.raises(ValidationError) as caught:
        dots("1")  # 11 of 10
    assert "dots" in caught.value.message_dict
    stored = Vote.objects.filter(participant__user=personas["pm"].user).order_by("item__position")
    assert [v.value for v in stored] == ["5", "5"]


def test_the_agenda_reorders_and_keeps_items_with_votes(personas):
    session = running_session(personas, ideas=3)
    lead = _lead(personas)
    first, second, third = AgendaItem.objects.filter(session=session).order_by("position")
    agenda_services.agenda_move(actor=lead, session=session, item=third, step=-1)
    order = list(AgendaItem.objects.filter(session=session).order_by("position"))
    assert order == [first, third, second]
    vote_services.vote_cast(
        actor=personas["pm"].actor, session=session, item=first, values=rice("5")
    )
    with pytest.raises(ValidationError):
        agenda_services.agenda_remove(actor=lead, session=session, item=first)
    agenda_services.agenda_remove(actor=lead, session=session, item=second)
    assert list(AgendaItem.objects.filter(session=session).order_by("position")) == [first, third]
    with pytest.raises(PermissionDenied):
        agenda_services.agenda_remove(actor=personas["pm"].actor, session=session, item=third)
