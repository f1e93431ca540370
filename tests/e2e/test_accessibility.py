"""axe over every page, in real Chromium at 1440 and 390 px: nothing serious or critical.

The pages come from the access matrix (tests/productops/test_access_matrix.py): every GET that
answers a whole HTML document to somebody, opened as the first persona it answers 200 to
(anonymous for the public pages and sign-in, else admin, ops lead, PM, exec), its parameters
filled as the matrix fills them, in a workspace holding the demo's content too. So a new page is
checked without anyone listing it here. Fragments are checked inside the pages that load them.

axe-core is vendored in static/vendor/axe-core/ but no page links it: the test evaluates the file
in the page through the DevTools protocol, which the page's strict CSP does not govern.
"""

from contextlib import suppress

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from planning.models import PlanningSession
from productops import demo
from tests.conftest import ROOT, signed_in
from tests.productops.test_access_matrix import MATRIX, concrete, url_patterns, url_values_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = (ROOT / "static/vendor/axe-core/axe.min.js").read_text()
VIEWERS = ["anonymous", "admin", "ops_lead", "pm", "exec"]
BLOCKING = {"serious", "critical"}
# Pages whose markup is a vendored tool's, not ours, each with what axe finds there.
NOT_OURS = {
    "api_docs": "Swagger UI: a button nested in each operation's summary control, pale labels",
}
WIDTHS = {"desktop": 1440, "phone": 390}


def pages_to_check(personas, workspace) -> list[tuple[str, str, str]]:
    """(URL name, path, persona) for every GET in the matrix that some persona may open."""
    routes = dict(url_patterns())
    values = url_values_of(personas, workspace)  # makes the objects once
    found = []
    for name, checks in MATRIX.items():
        for check in checks:
            viewer = next((p for p in VIEWERS if check.expect[p] == 200), None)
            is_api = check.expect["anonymous"] == 401  # an endpoint answers 401, a page 302
            if check.method == "GET" and viewer and not is_api and name not in NOT_OURS:
                found.append((name, concrete(routes[name], values(name)), viewer))
    # The error pages a member meets: a page that is not there, and one their role may not use.
    found.append(("404", f"/w/{workspace.slug}/no-such-page/", "pm"))
    forbidden = next(n for n, checks in MATRIX.items() if checks[0].expect["pm"] == 403)
    found.append(("403", concrete(routes[forbidden], values(forbidden)), "pm"))
    return found


# Pages whose template depends on the planning session's kind: the matrix fills them with one
# session (a prioritisation); the crawl opens them for a session of every other kind too.
PAGES_OF_EACH_KIND = ("planning_session", "planning_summary", "planning_edit")


def pages_of_each_kind(workspace) -> list[tuple[str, str, str]]:
    """(URL name, path, persona) of each kind-dependent planning page for the first session of
    each kind in `workspace` (the demo's: a retro, an estimation, prioritisations)."""
    routes = dict(url_patterns())
    found = []
    first_of_kind = {}
    for session in PlanningSession.objects.filter(workspace=workspace).order_by("pk"):
        first_of_kind.setdefault(session.kind, session)
    for kind, session in first_of_kind.items():
        values = {"slug": workspace.slug, "session_id": session.pk}
        for name in PAGES_OF_EACH_KIND:
            found.append((f"{name} ({kind})", concrete(routes[name], values), "ops_lead"))
    return found


def tab_of(browser, live_server, client, width: int):
    """A browser tab at `width` px sharing the test client's session (signed in, or not)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    if "sessionid" in client.cookies:
        session = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return context.new_page()


def is_document(response) -> bool:
    """A whole HTML page, as opposed to a download, a JSON answer or an htmx fragment."""
    return response["Content-Type"].startswith("text/html") and response.content.lstrip()[
        :15
    ].lower().startswith(b"<!doctype html")


# What axe lets pass or leaves for review: a label naming no control (`<label for="">`), and a
# reference to an id the page lacks (an aria-describedby naming help text that is not there).
OWN_CHECKS = """() => [
  ...[...document.querySelectorAll('label[for=""]')].map(l =>
    `label-for-empty: <label for=""> "${l.textContent.trim().slice(0, 40)}"`),
  ...[...document.querySelectorAll('[aria-describedby], [aria-labelledby], [aria-controls]')]
    .flatMap(e => ['aria-describedby', 'aria-labelledby', 'aria-controls']
      .flatMap(a => (e.getAttribute(a) || '').split(/\\s+/).filter(Boolean)
        .filter(id => !document.getElementById(id))
        .map(id => `idref-missing: ${e.tagName.toLowerCase()}#${e.id} ${a}="${id}"`))),
]"""


def serious_violations(page) -> list[str]:
    """'rule (impact): help; the first few offending selectors' for each blocking axe result,
    then what OWN_CHECKS finds."""
    page.evaluate(AXE)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return page.evaluate(OWN_CHECKS) + [
        f"{v['id']} ({v['impact']}): {v['help']}; "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:4])
        + (f" and {len(v['nodes']) - 4} more" if len(v["nodes"]) > 4 else "")
        for v in results["violations"]
        if v["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_axe_finds_nothing_serious_on_any_page(browser, live_server, personas, workspace_a, width):
    pages = pages_to_check(personas, workspace_a)
    for _, seed in demo.seeders():  # after the matrix's objects: the seeders skip what exists
        seed(workspace_a)
    pages += pages_of_each_kind(workspace_a)
    assert any("(retrospective)" in name for name, _, _ in pages)
    clients = {persona: signed_in(personas[persona]) for persona in VIEWERS}
    tabs = {}
    problems, checked = [], 0
    for name, path, persona in pages:
        if persona not in tabs:
            tabs[persona] = tab_of(browser, live_server, clients[persona], width)
        page = tabs[persona]
        if not is_document(clients[persona].get(path)):
            continue  # a CSV, JSON or YAML answer, or an htmx fragment of a page checked here
        page.goto(live_server.url + path)
        # Wait for the parts htmx loads; a live session polls every second, so it may never
        # be idle: then check what has loaded.
        with suppress(PlaywrightTimeout):
            page.wait_for_load_state("networkidle", timeout=5000)
        checked += 1
        problems += [f"{name} {path} as {persona}: {v}" for v in serious_violations(page)]

    assert checked > 50, f"only {checked} pages were checked: the crawl is broken"
    assert not problems, f"{len(problems)} serious axe findings at {width} px:\n" + "\n".join(
        problems
    )


def test_the_first_tab_on_a_page_skips_to_its_content(browser, live_server, pm, workspace_a):
    page = tab_of(browser, live_server, signed_in(pm), WIDTHS["desktop"])
    page.goto(f"{live_server.url}/w/{workspace_a.slug}/tools/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to content"
    assert skip.bounding_box()["y"] >= 0  # shown while focused, not left off-screen
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is the page's own first control, not the sidebar
    assert page.evaluate("document.activeElement.closest('main')?.id") == "main"


def test_axe_finds_nothing_serious_in_the_shells_dialogs_and_menus(
    browser, live_server, admin, workspace_a
):
    """What the page crawl cannot see, being closed while axe runs: the shortcuts dialog, the
    palette with its results, the top bar's menus, and the sidebar drawer on a phone."""
    for _, seed in demo.seeders():
        seed(workspace_a)
    page = tab_of(browser, live_server, signed_in(admin), WIDTHS["desktop"])
    page.goto(f"{live_server.url}/w/{workspace_a.slug}/feedback/")
    problems = []

    page.click("[data-show-shortcuts]")
    page.wait_for_selector("dialog#shortcuts[open]")
    problems += [f"shortcuts dialog: {v}" for v in serious_violations(page)]
    page.keyboard.press("Escape")

    page.click("[data-open-palette]")
    page.fill("#palette-q", "a")
    page.wait_for_selector("#palette-results [role=option]")
    problems += [f"palette: {v}" for v in serious_violations(page)]
    page.keyboard.press("Escape")

    page.click("details.switcher summary")
    page.click("details.user-menu summary")  # opening one closes the other: check each open
    problems += [f"user menu: {v}" for v in serious_violations(page)]
    page.click("details.switcher summary")
    problems += [f"workspace switcher: {v}" for v in serious_violations(page)]

    page.set_viewport_size({"width": WIDTHS["phone"], "height": 844})
    page.click("[data-toggle=nav]")
    page.wait_for_selector("body.nav-open")
    problems += [f"phone drawer: {v}" for v in serious_violations(page)]

    assert not problems, "\n".join(problems)
