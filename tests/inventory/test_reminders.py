import threading
from datetime import timedelta

import pytest
from django.db import connection

from inventory.models import Notification, RenewalReminder
from inventory.services import contracts as contract_services
from inventory.services import reminders
from productops.models import OutboundEmail
from tests.inventory.factories import ContractFactory, ToolFactory


def _contract(workspace, owner, today, deadline_in: int, **extra):
    """A contract whose notice deadline is `deadline_in` days after `today`."""
    return ContractFactory(
        tool=ToolFactory(workspace=workspace, owner=owner, name=extra.pop("name", "Miro")),
        renewal_date=today + timedelta(days=deadline_in + 30),
        notice_days=30,
        **extra,
    )


def _sent(contract) -> list[int]:
    return sorted(
        RenewalReminder.objects.filter(contract=contract, sent=True).values_list(
            "threshold_days", flat=True
        )
    )


@pytest.mark.django_db
def test_a_reminder_goes_once_per_threshold_when_the_task_runs_twice(workspace_a, ops_lead, today):
    contract = _contract(workspace_a, ops_lead.membership, today, deadline_in=25)

    first = reminders.renewal_reminders_send(today=today)
    second = reminders.renewal_reminders_send(today=today)

    assert [(r.contract_id, r.threshold_days) for r in first] == [(contract.pk, 30)]
    assert second == []
    assert _sent(contract) == [30]
    assert OutboundEmail.objects.filter(to=ops_lead.user.email).count() == 1
    notice = Notification.objects.get(recipient=ops_lead.user)
    assert "notice deadline is in 25 days" in notice.message


@pytest.mark.django_db
def test_a_missed_day_still_sends_and_only_the_nearest_of_several_missed_thresholds(
    workspace_a, ops_lead, today
):
    # Nothing ran while the deadline crossed 90 and 30 days: one email (30), not two.
    contract = _contract(workspace_a, ops_lead.membership, today, deadline_in=20)

    reminders.renewal_reminders_send(today=today)
    reminders.renewal_reminders_send(today=today + timedelta(days=14))  # deadline in 6 days
    reminders.renewal_reminders_send(today=today + timedelta(days=15))

    assert _sent(contract) == [7, 30]
    covered = RenewalReminder.objects.get(contract=contract, threshold_days=90)
    assert covered.sent is False
    assert OutboundEmail.objects.filter(to=ops_lead.user.email).count() == 2


@pytest.mark.django_db
def test_each_threshold_is_reached_in_turn_on_daily_runs(workspace_a, ops_lead, today):
    contract = _contract(workspace_a, ops_lead.membership, today, deadline_in=100)

    for day in range(0, 101):
        reminders.renewal_reminders_send(today=today + timedelta(days=day))

    assert _sent(contract) == [7, 30, 90]
    assert OutboundEmail.objects.filter(to=ops_lead.user.email).count() == 3


@pytest.mark.django_db
def test_decided_contracts_and_far_deadlines_are_not_reminded(workspace_a, ops_lead, today):
    _contract(workspace_a, ops_lead.membership, today, deadline_in=10, decision="renew")
    _contract(workspace_a, ops_lead.membership, today, deadline_in=120, name="Far")

    assert reminders.renewal_reminders_send(today=today) == []
    assert not OutboundEmail.objects.exists()


@pytest.mark.django_db
def test_a_tool_without_an_owner_reminds_the_ops_leads_and_admins(personas, workspace_a, today):
    _contract(workspace_a, None, today, deadline_in=5)

    reminders.renewal_reminders_send(today=today)

    recipients = set(OutboundEmail.objects.values_list("to", flat=True))
    assert recipients == {"admin@alpha.test", "ops_lead@alpha.test"}


@pytest.mark.django_db
def test_the_workspace_sets_its_own_thresholds(workspace_a, ops_lead, today):
    reminders.alerts_and_rates_update(
        actor=ops_lead.actor, utilisation_threshold=70, reminder_days=[14], exchange_rates={}
    )
    contract = _contract(workspace_a, ops_lead.membership, today, deadline_in=25)

    assert reminders.renewal_reminders_send(today=today) == []
    reminders.renewal_reminders_send(today=today + timedelta(days=11))

    assert _sent(contract) == [14]


@pytest.mark.django_db
def test_moving_the_deadline_out_lets_the_thresholds_remind_again(workspace_a, ops_lead, today):
    contract = _contract(workspace_a, ops_lead.membership, today, deadline_in=5)
    reminders.renewal_reminders_send(today=today)

    contract_services.contract_update(
        actor=ops_lead.actor,
        contract=contract,
        expected_version=contract.version,
        renewal_date=contract.renewal_date + timedelta(days=365),
    )

    assert not RenewalReminder.objects.filter(contract=contract).exists()


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(personas, workspace_a, today):
    ops_lead = personas["ops_lead"]
    contracts = [
        _contract(workspace_a, ops_lead.membership, today, deadline_in=d, name=f"Tool {d}")
        for d in (3, 12, 25, 60)
    ]
    barrier = threading.Barrier(2)
    failures = []

    def run():
        try:
            barrier.wait()
            reminders.renewal_reminders_send(today=today)
        except Exception as error:  # surfaced by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert OutboundEmail.objects.count() == len(contracts)
    assert Notification.objects.count() == len(contracts)
    assert [_sent(c) for c in contracts] == [[7], [30], [30], [90]]
