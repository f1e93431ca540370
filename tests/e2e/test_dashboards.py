"""An exec's Monday look, in real Chromium: sign in, the overview with its charts and no CSP
violation, a longer date range, and a number followed to the list behind it."""

import re

import pytest

from tests.e2e.conftest import assert_fits_phone, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_exec_reads_the_overview_and_follows_a_number_to_its_list(page, live_server, acme_demo):
    violations = []
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and violations.append(m.text),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI))"
    )
    sign_in(page, live_server, "exec@acme.test")
    # Home is the exec's overview: tiles load on their own.
    page.wait_for_selector("#role-home #tile-volume canvas[data-drawn=yes]")
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{live_server.url}/w/acme/dashboards/")
    for name in ("volume", "sentiment", "ideas", "triage", "loop", "tools"):
        page.wait_for_selector(f"#tile-{name} .as-of")
    page.wait_for_function("document.querySelectorAll('canvas[data-drawn=yes]').length >= 6")
    assert "As of" in page.locator("#tile-volume .as-of").inner_text()
    assert page.locator("#tile-volume figcaption").inner_text().startswith("")
    received_30 = page.locator("#tile-volume .figure-value").first.inner_text()
    assert_fits_phone(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.select_option("select[name=range]", "12m")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url(re.compile(r"range=12m"))
    page.wait_for_selector("#tile-volume canvas[data-drawn=yes]")
    received_12m = page.locator("#tile-volume .figure-value").first.inner_text()
    assert int(received_12m.replace(",", "")) >= int(received_30.replace(",", ""))

    # A typed day makes the period custom; choosing a preset again empties the days, so the
    # URL never names a preset and days at once.
    page.fill("input[name=since]", "2026-01-01")
    assert page.locator("select[name=range]").input_value() == "custom"
    page.fill("input[name=until]", "2026-01-31")
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url(re.compile(r"range=custom&since=2026-01-01&until=2026-01-31"))
    page.select_option("select[name=range]", "90d")
    assert page.locator("input[name=since]").input_value() == ""
    assert page.locator("input[name=until]").input_value() == ""
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_url(re.compile(r"range=90d"))
    assert not re.search(r"(since|until)=\d", page.url), page.url
    page.wait_for_selector("#tile-volume canvas[data-drawn=yes]")

    page.click("#tile-volume a.figure-value")
    page.wait_for_url(
        re.compile(r"/w/acme/feedback/\?status=not_spam&since=\d{4}-\d\d-\d\d&until=")
    )
    rows = page.locator("#inbox-rows tr.inbox-row").count()
    assert rows > 0
    assert violations == []
    assert page.evaluate("window.__csp || []") == []


def test_a_second_refresh_within_a_minute_shows_when_to_try_again(page, live_server, acme_demo):
    # The 429 came with its notice and Retry-After, but htmx swaps no 4xx answer: nothing showed.
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, live_server, "ops@acme.test")
    page.goto(f"{live_server.url}/w/acme/dashboards/")
    status = page.locator("#refresh-status")

    status.get_by_role("button", name="Refresh now").click()
    page.wait_for_selector("#refresh-status .notice >> text=Refresh queued")
    with page.expect_response(lambda r: r.url.endswith("/dashboards/refresh/")) as answer:
        status.get_by_role("button", name="Refresh now").click()

    assert answer.value.status == 429
    notice = page.wait_for_selector("#refresh-status .notice >> text=try again in")
    assert re.fullmatch(
        r"A refresh was asked for moments ago; try again in \d+ seconds?\.", notice.inner_text()
    )
    assert [e for e in errors if "Response Status Error" in e] == []


def test_a_refused_request_that_answers_a_whole_page_is_said_above_the_page(
    page, live_server, acme_demo
):
    # A 403 (here: an exec asking for a refresh only ops leads and admins may ask for) answers
    # a whole page, which is not swapped into a part: it failed without a word.
    sign_in(page, live_server, "exec@acme.test")
    page.goto(f"{live_server.url}/w/acme/dashboards/")
    page.wait_for_selector("#refresh-status")
    assert page.locator("#refresh-status button").count() == 0

    with page.expect_response(lambda r: r.url.endswith("/dashboards/refresh/")) as answer:
        page.evaluate(
            "htmx.ajax('POST', '/w/acme/dashboards/refresh/',"
            " {source: document.body, target: '#refresh-status', swap: 'outerHTML'})"
        )

    assert answer.value.status == 403
    alert = page.wait_for_selector("main #request-failure[role=alert] .message")
    assert alert.inner_text() == "You can't do that here: your role does not allow it."
    assert page.locator("#refresh-status").count() == 1  # the part stayed as it was
