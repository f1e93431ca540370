"""A fragment URL opened as a page (typed in, bookmarked, a link opened in a new tab): never a
bare fragment. Every GET a member may open answers, without htmx, a whole page, a redirect to
the page holding it, or a file (CSV, JSON, an image): crawled over every URL pattern, so a new
fragment URL without productops.fragments.fragment_of fails here."""

import pytest

from tests.access import HTMX
from tests.conftest import signed_in
from tests.productops.test_access_matrix import MATRIX, concrete, url_patterns, url_values_of

# The room's poll answers the room's out-of-band swaps (or 204) to planning.js's htmx poll;
# opened as a page it is not yet redirected (its lease middleware and tests poll without htmx).
NOT_YET = {"planning_poll"}


def _whole_page(response) -> bool:
    return b"<html" in response.content[:600].lower()


def test_no_get_of_any_page_answers_a_bare_fragment_without_htmx(personas, workspace_a):
    routes = dict(url_patterns())
    values = url_values_of(personas, workspace_a)
    client = signed_in(personas["admin"])

    bare, pages, redirected = [], 0, {}
    for name, checks in MATRIX.items():
        if name in NOT_YET or routes[name].startswith("api/"):
            continue
        for check in checks:
            if check.method != "GET":
                continue
            url = concrete(routes[name], values(name))
            response = client.get(url, check.data)
            if response.status_code in (301, 302) and check.headers == HTMX:
                redirected[name] = response["Location"]
                response = client.get(response["Location"])
            if response.status_code != 200 or not response["Content-Type"].startswith("text/"):
                continue
            pages += 1
            if response["Content-Type"].startswith("text/html") and not _whole_page(response):
                bare.append(f"{name} {url}")

    assert not bare, f"Bare fragments answered to a plain GET: {bare}"
    # Every fragment URL (the matrix asks them with htmx) redirected to the page holding it.
    fragments = {name for name, checks in MATRIX.items() if any(c.headers for c in checks)}
    assert set(redirected) == fragments - NOT_YET
    assert pages > 60


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("/w/alpha/dashboards/home/", "/w/alpha/"),
        ("/w/alpha/dashboards/status/", "/w/alpha/dashboards/"),
        (
            "/w/alpha/dashboards/tiles/triage/?range=90d",
            "/w/alpha/dashboards/?range=90d#tile-triage",
        ),
    ],
)
def test_a_dashboards_fragment_opened_directly_redirects_to_its_page(admin, path, page):
    client = signed_in(admin)

    response = client.get(path)

    assert (response.status_code, response["Location"]) == (302, page)
    assert _whole_page(client.get(page))
    assert not _whole_page(client.get(path, headers=HTMX))  # htmx still gets the fragment
