import time

import pytest
from django.db import connections

from productops import demo

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Every page of every context reports its Content Security Policy violations to the test as
# they happen (a binding survives navigations; a listener on a page would lose what it saw when
# the page goes), with what was refused and where.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
  const where = e.target instanceof Element
    ? e.target.tagName + (e.target.id ? "#" + e.target.id : "") : String(e.target);
  window.__cspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} on ${where}`
    + ` (${e.sourceFile || document.URL}:${e.lineNumber})`);
}, true);
"""


def watch_csp(context, violations: list[str]) -> None:
    """Collects into `violations` every `securitypolicyviolation` of `context`'s pages (the event
    and Chromium's console line, in case a page reports one before the listener is in)."""
    context.expose_binding(
        "__cspViolation", lambda source, text: violations.append(f"{source['page'].url}: {text}")
    )
    context.add_init_script(CSP_WATCH)
    context.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and violations.append(f"console: {message.text}")
        ),
    )


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium driven by Playwright (`.ci/run` installs the package).

    Every context made from it (the `page` fixture's and those a test makes) watches for CSP
    violations: any one fails the test, whatever the journey asserts itself."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between browser steps are still plain synchronous calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        new_context = browser.new_context

        def watched_context(*args, **kwargs):
            context = new_context(*args, **kwargs)
            watch_csp(context, violations)
            return context

        browser.new_context = watched_context
        browser.csp_violations = violations
        yield browser
        browser.close()
        # While Playwright's event loop runs in this thread, asgiref keeps Django's connections
        # per async context, so the test's ORM calls opened connections of their own, which
        # nothing else closes: left open, the test database cannot be dropped at the end.
        connections.close_all()
    assert violations == [], "Content Security Policy violations:\n" + "\n".join(violations)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.console_problems = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_problems.append(message.text),
    )
    yield page
    context.close()


def sign_in(page, live_server, email: str) -> None:
    """Signs `email` in through the sign-in form with the demo password; returns once their
    workspace's Home (/w/acme/) has loaded in `page`."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/w/acme/")


PHONE_WIDTH = 390


def settled(page) -> None:
    """htmx has swapped and processed the new content (its buttons and fields are live: a
    change fired on a field before that is lost)."""
    page.wait_for_selector(".htmx-request, .htmx-swapping, .htmx-settling", state="detached")


def assert_fits_phone(page) -> None:
    """At a phone's 390 px the page never scrolls sideways: wide tables scroll inside their card,
    rows wrap, charts shrink. Names the elements that stick out when it fails."""
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    page.wait_for_timeout(300)  # charts redraw on resize
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE_WIDTH:
        wide = page.evaluate(
            """w => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > w + 1
                && getComputedStyle(e).position !== 'fixed'
                && !e.closest('.sidebar'))
              .slice(0, 12)
              .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.className && typeof e.className === 'string'
                   ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                + ' ' + Math.round(e.getBoundingClientRect().right))""",
            PHONE_WIDTH,
        )
        raise AssertionError(f"{page.url} is {width} px wide at {PHONE_WIDTH} px: {wide}")


class Held:
    """Requests matching `pattern` held back until the test lets each one go.

    Playwright runs route handlers from its event loop, sometimes after the request event a
    test waited for (`expect_request`) has returned: `next()` waits for the handler itself, so
    a test never reads an empty list under load."""

    def __init__(self, page, pattern: str) -> None:
        self.page, self.routes = page, []
        page.route(pattern, self._hold)

    def _hold(self, route) -> None:
        self.routes.append(route)

    def next(self, timeout: float = 10.0):
        """The oldest held route (oldest first); AssertionError when none came in `timeout` s."""
        deadline = time.monotonic() + timeout
        while not self.routes:
            assert time.monotonic() < deadline, "no request was held"
            self.page.wait_for_timeout(10)  # lets Playwright's loop run the route handler
        return self.routes.pop(0)
