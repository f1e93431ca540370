from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inventory.models import Contract, SeatUsageSnapshot, Tool, ToolRequest
from inventory.selectors import renewals, spend
from inventory.selectors import tools as tool_selectors
from inventory.services import contracts, reminders, requests
from inventory.services import tools as tool_services
from productops.errors import StaleEdit
from productops.models import AuditEvent, ChangeMark
from tests.inventory.factories import ContractFactory, ToolFactory

pytestmark = pytest.mark.django_db


def _request(actor, name="Dovetail"):
    return requests.tool_request_create(
        actor=actor, name=name, category="Research", reason="Interview synthesis."
    )


def test_an_approved_request_becomes_a_tool_in_evaluating_owned_by_the_requester(pm, ops_lead):
    request = _request(pm.actor)

    decided = requests.tool_request_decide(actor=ops_lead.actor, request=request, approve=True)

    tool = Tool.objects.get(pk=decided.tool_id)
    assert (tool.name, tool.status, tool.owner_id) == ("Dovetail", "evaluating", pm.membership.pk)
    assert decided.status == "approved" and decided.decided_by == ops_lead.user
    assert AuditEvent.objects.filter(
        verb="tool_request.approved", object_id=str(request.pk)
    ).exists()


def test_a_request_cannot_be_decided_twice(pm, ops_lead, admin):
    request = _request(pm.actor)
    requests.tool_request_decide(actor=ops_lead.actor, request=request, approve=False, note="No.")

    with pytest.raises(StaleEdit):
        requests.tool_request_decide(actor=admin.actor, request=request, approve=True)
    assert Tool.objects.count() == 0


def test_a_rejection_says_why(pm, ops_lead):
    with pytest.raises(ValidationError) as error:
        requests.tool_request_decide(
            actor=ops_lead.actor, request=_request(pm.actor), approve=False
        )
    assert "note" in error.value.message_dict


def test_a_pm_can_request_a_tool_but_not_add_or_decide_one(pm):
    request = _request(pm.actor)

    with pytest.raises(PermissionDenied):
        tool_services.tool_create(actor=pm.actor, name="Maze", category="Research")
    with pytest.raises(PermissionDenied):
        requests.tool_request_decide(actor=pm.actor, request=request, approve=True)
    assert ToolRequest.objects.get().status == "pending"


def test_an_exec_reads_only(exec_, workspace_a):
    tool = ToolFactory(workspace=workspace_a)
    with pytest.raises(PermissionDenied):
        _request(exec_.actor)
    with pytest.raises(PermissionDenied):
        tool_services.tool_update(actor=exec_.actor, tool=tool, expected_version=1, team="X")


def test_a_stale_edit_is_refused_and_changes_nothing(ops_lead, admin, workspace_a):
    tool = ToolFactory(workspace=workspace_a, team="Product")
    tool_services.tool_update(actor=admin.actor, tool=tool, expected_version=1, team="Growth")

    with pytest.raises(StaleEdit) as stale:
        tool_services.tool_update(actor=ops_lead.actor, tool=tool, expected_version=1, team="Data")

    tool.refresh_from_db()
    assert (tool.team, tool.version) == ("Growth", 2)
    assert stale.value.current["version"] == 2


def test_tool_names_are_unique_per_workspace_ignoring_case(ops_lead, workspace_a, workspace_b):
    ToolFactory(workspace=workspace_a, name="Figma")
    ToolFactory(workspace=workspace_b, name="Jira")

    with pytest.raises(ValidationError):
        tool_services.tool_create(actor=ops_lead.actor, name="figma", category="Design")
    assert tool_services.tool_create(actor=ops_lead.actor, name="Jira", category="Tracking").pk


def test_an_update_writes_one_audit_event_with_the_change_and_a_change_mark(ops_lead, workspace_a):
    tool = ToolFactory(workspace=workspace_a, category="Design", team="Product")

    tool_services.tool_update(
        actor=ops_lead.actor, tool=tool, expected_version=1, team="Design", category="Design"
    )

    event = AuditEvent.objects.get(verb="tool.updated")
    assert (event.before, event.after) == ({"team": "Product"}, {"team": "Design"})
    assert ChangeMark.objects.filter(workspace=workspace_a, topic="tools", bucket="Design").exists()


def test_a_new_contract_becomes_current_and_keeps_the_old_one_as_history(
    ops_lead, workspace_a, today
):
    old = ContractFactory(tool=ToolFactory(workspace=workspace_a))

    new = contracts.contract_create(
        actor=ops_lead.actor,
        tool=old.tool,
        billing_period="annual",
        cost=Decimal("1500"),
        currency="usd",
        start_date=old.renewal_date,
        renewal_date=old.renewal_date + timedelta(days=365),
    )

    old.refresh_from_db()
    assert (old.is_current, new.is_current, new.currency) == (False, True, "USD")
    assert Contract.objects.filter(tool=old.tool).count() == 2


def test_a_multi_year_contract_needs_its_term(ops_lead, workspace_a, today):
    with pytest.raises(ValidationError) as error:
        contracts.contract_create(
            actor=ops_lead.actor,
            tool=ToolFactory(workspace=workspace_a),
            billing_period="multi_year",
            cost=Decimal("30000"),
            currency="USD",
            start_date=today,
            renewal_date=today + timedelta(days=1000),
        )
    assert "term_months" in error.value.message_dict


def test_cancelling_takes_the_contract_out_of_annual_spend_and_stops_auto_renew(
    ops_lead, workspace_a
):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a), cost=Decimal("2400"))
    tools = tool_selectors.inventory(workspace=workspace_a)
    before = tool_selectors.inventory_totals(workspace=workspace_a, tools=tools).annual_spend

    contracts.renewal_decide(
        actor=ops_lead.actor, contract=contract, decision="cancel", reason="Nobody uses it."
    )

    contract.refresh_from_db()
    after = tool_selectors.inventory_totals(workspace=workspace_a, tools=tools).annual_spend
    assert (before, after) == (Decimal("2400.00"), Decimal("0"))
    assert (contract.decision, contract.auto_renew) == ("cancel", False)


def test_renegotiating_keeps_the_contract_in_spend(ops_lead, workspace_a):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a), cost=Decimal("2400"))

    contracts.renewal_decide(
        actor=ops_lead.actor,
        contract=contract,
        decision="renegotiate",
        reason="Ask for 20%.",
        target_seats=contract.seats_bought,
        target_annual_cost=Decimal("1920"),
    )

    totals = tool_selectors.inventory_totals(
        workspace=workspace_a, tools=tool_selectors.inventory(workspace=workspace_a)
    )
    assert totals.annual_spend == Decimal("2400.00")


def test_the_newest_seat_use_sets_the_current_contract_and_an_older_one_does_not(
    ops_lead, workspace_a, today
):
    contract = ContractFactory(tool=ToolFactory(workspace=workspace_a), seats_used=10)

    contracts.usage_record(actor=ops_lead.actor, tool=contract.tool, taken_on=today, seats_used=7)
    contracts.usage_record(
        actor=ops_lead.actor, tool=contract.tool, taken_on=today - timedelta(days=30), seats_used=9
    )
    contracts.usage_record(actor=ops_lead.actor, tool=contract.tool, taken_on=today, seats_used=6)

    contract.refresh_from_db()
    assert contract.seats_used == 6
    assert SeatUsageSnapshot.objects.filter(tool=contract.tool).count() == 2


def test_seat_use_cannot_be_recorded_for_the_future(ops_lead, workspace_a, today):
    with pytest.raises(ValidationError):
        contracts.usage_record(
            actor=ops_lead.actor,
            tool=ToolFactory(workspace=workspace_a),
            taken_on=today + timedelta(days=1),
            seats_used=1,
        )


def test_settings_validate_thresholds_and_rates(ops_lead):
    with pytest.raises(ValidationError) as error:
        reminders.alerts_and_rates_update(
            actor=ops_lead.actor,
            utilisation_threshold=0,
            reminder_days=[0],
            exchange_rates={"EURO": Decimal("1")},
        )
    assert set(error.value.message_dict) == {
        "utilisation_threshold",
        "reminder_days",
        "exchange_rates",
    }


def test_the_demo_seed_is_idempotent_and_realistic(admin, ops_lead, pm, workspace_a):
    from inventory.demo import seed_inventory

    added = seed_inventory(workspace_a)
    again = seed_inventory(workspace_a)

    assert (added, again) == (41, 0)
    assert spend.overlap(workspace=workspace_a)
    assert spend.waste(workspace=workspace_a).under_threshold >= 5
    assert len(list(renewals.renewals_due(workspace=workspace_a, days=30))) >= 5
    currencies = set(
        Contract.objects.filter(workspace=workspace_a).values_list("currency", flat=True)
    )
    assert {"USD", "EUR", "GBP"} <= currencies
