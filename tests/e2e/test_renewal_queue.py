"""An ops lead works the renewal queue, in real Chromium at 1440 px and on a phone at 390 px:
the groups show their money at stake, a renegotiation records its target, and deciding returns
to the queue with the renewal gone from it and its money off the group."""

import re

import pytest

from inventory.models import Contract, RenewalDecision
from inventory.selectors.renewals import renewal_queue
from productops.money import format_money
from tests.e2e.conftest import PHONE_WIDTH, assert_fits_phone, sign_in
from tests.e2e.test_inventory import acme, dollars  # noqa: F401 (acme is a fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits(page, width: int) -> None:
    if width == PHONE_WIDTH:
        assert_fits_phone(page)
    else:
        assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [1440, PHONE_WIDTH])
def test_an_ops_lead_works_the_renewal_queue_on_a_laptop_and_a_phone(
    page,
    live_server,
    acme,  # noqa: F811
    width,
):
    sign_in(page, live_server, "ops@acme.test")
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/w/acme/tools/renewals/")
    fits(page, width)
    assert page.locator("#queue .queue-group h3").all_inner_texts()[0].startswith("Notice passed")

    # The first group with something to decide, its first renewal.
    group_id = page.locator(".queue-group:has(li)").first.get_attribute("id")
    group = page.locator(f"#{group_id}")
    stake_before = dollars(group.locator(".queue-money").inner_text())
    item = group.locator("li").first
    item_id = int(item.get_attribute("id").removeprefix("queue-item-"))
    contract = Contract.objects.get(pk=item_id)
    name = contract.tool.name
    assert name in item.inner_text()

    item.locator("a:text-is('Decide')").click()
    page.wait_for_url(re.compile(r"/contracts/\d+/decide/\?back=queue$"))
    assert page.locator("#leave-decision").inner_text() == "Back to the renewal queue"
    fits(page, width)
    page.check("input[name=decision][value=renegotiate]")
    page.fill("textarea[name=reason]", "Ask for fewer seats at the same seat price.")
    if contract.seats_bought:
        page.fill("input[name=target_seats]", "3")
    page.fill("input[name=target_annual_cost]", "1000")
    page.click("#renewal-form button[type=submit]")

    page.wait_for_url(f"{live_server.url}/w/acme/tools/renewals/#queue")
    assert (
        f"{name}: renegotiate recorded." in page.locator(".messages, .message").first.inner_text()
    )
    assert page.locator(f"#queue-item-{item_id}").count() == 0
    stake_after = dollars(group.locator(".queue-money").inner_text())
    contract = Contract.objects.get(pk=item_id)
    assert contract.decision == "renegotiate"
    decision = RenewalDecision.objects.get(contract=contract)
    assert decision.target_annual_cost == 1000
    assert decision.target_seats == (3 if contract.seats_bought else None)
    queue = {g.key: g for g in renewal_queue(workspace=acme)}
    assert stake_after == dollars(format_money(queue[group_id.removeprefix("queue-")].at_stake))
    assert stake_after < stake_before  # the decided renewal's money left the group
    fits(page, width)
    assert page.console_problems == []
