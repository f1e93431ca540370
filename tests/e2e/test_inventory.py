"""An ops lead's renewal round, in real Chromium: find what renews this month, open a tool,
decide, and see the annual spend follow."""

import re

import pytest

from inventory.demo import seed_inventory
from inventory.models import Contract
from productops import demo
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme():
    workspace = demo.seed_platform()
    seed_inventory(workspace)
    return workspace


def dollars(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def test_an_ops_lead_cancels_a_renewal_and_the_annual_spend_drops(page, live_server, acme):
    sign_in(page, live_server, "ops@acme.test")
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url(f"{live_server.url}/w/acme/tools/")
    spend_before = dollars(page.locator("#annual-spend").inner_text())
    all_rows = page.locator("#tools tbody tr").count()

    # Renewing within 30 days: htmx swaps the rows and totals in place.
    page.evaluate("window.__stayed = true")
    with page.expect_response(lambda r: "renewal_within=30" in r.url):
        page.select_option("select[name=renewal_within]", "30")
    page.wait_for_function(
        "n => document.querySelectorAll('#tools tbody tr').length < n", arg=all_rows
    )
    assert page.evaluate("window.__stayed") is True
    assert "renewal_within=30" in page.url
    assert "renewal_within=30" in page.locator("#export-link").get_attribute("href")
    names = page.locator("#tools tbody tr td:first-child a").all_inner_texts()
    assert "Mixpanel" in names and "Jira" not in names
    assert dollars(page.locator("#annual-spend").inner_text()) < spend_before

    page.click("#tools a:text-is('Mixpanel')")
    page.wait_for_url(re.compile(r"/w/acme/tools/\d+/$"))
    assert page.locator("h1").inner_text() == "Mixpanel"
    assert page.locator(".inv-chart svg polyline.line-used").count() == 1
    page.click("#decide-renewal")
    page.check("input[name=decision][value=cancel]")
    page.fill("textarea[name=reason]", "9 of 30 seats used; Amplitude covers it.")
    page.click("#renewal-form button[type=submit]")
    page.wait_for_url(re.compile(r"/w/acme/tools/\d+/$"))
    assert page.locator("#current-decision").inner_text() == "Cancel"
    assert "not counted in annual spend" in page.locator("#current-contract").inner_text()

    page.goto(f"{live_server.url}/w/acme/tools/")
    spend_after = dollars(page.locator("#annual-spend").inner_text())
    assert spend_before - spend_after == 18000
    contract = Contract.objects.get(tool__workspace=acme, tool__name="Mixpanel", is_current=True)
    assert (contract.decision, contract.auto_renew) == ("cancel", False)
    assert page.console_problems == []


def test_the_renewals_calendar_and_spend_pages_render_without_errors(page, live_server, acme):
    sign_in(page, live_server, "exec@acme.test")
    page.goto(f"{live_server.url}/w/acme/tools/renewals/")
    assert page.locator("#renewals tbody tr").count() > 5
    assert page.locator(".cal-grid .cal-day").count() in (28, 35, 42)
    assert page.locator("a:text-is('Decide')").count() == 0  # execs read only
    page.click(".inv-tabs a:text-is('Spend')")
    page.wait_for_url(f"{live_server.url}/w/acme/tools/spend/")
    assert page.locator("#spend-by-category svg.hbar").count() > 10
    assert page.console_problems == []
