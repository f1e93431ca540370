"""No input is answered with a 500: every method on every URL, and generated query strings on
every page and list.

Hypothesis draws query strings from the parameters the pages and lists read (and a few they do
not) with values chosen to break parsers: NUL, numbers past a Postgres integer, dates in the
years 1 and 9999, empty and malformed cursors. Every URL pattern of the access matrix is
visited with each draw; any 5xx fails with the URL that caused it.
"""

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import signed_in
from tests.productops.test_access_matrix import MATRIX, concrete, url_patterns, url_values

__all__ = ["url_values"]  # the fixture, shared with the access matrix

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

PARAMETERS = (
    "q",
    "limit",
    "cursor",
    "sort",
    "days",
    "since",
    "until",
    "renewal_within",
    "renews_before",
    "renews_after",
    "status",
    "source",
    "tag",
    "area",
    "segment",
    "account",
    "assignee",
    "sentiment",
    "priority",
    "owner",
    "category",
    "team",
    "tool",
    "is_current",
    "billing_period",
    "currency",
    "view",
    "start",
    "month",
    "public",
    "verb",
    "object_type",
    "actor",
    "figure",
)

NASTY = st.sampled_from(
    [
        "",
        "\x00",
        "a\x00b",
        "0",
        "-1",
        "1.5",
        "1e400",
        "2147483648",
        "9223372036854775808",
        "9" * 40,
        "0001-01-01",
        "9999-12-31",
        "10000-01-01",
        "2026-02-30",
        "2026-13",
        "none",
        "me",
        "%",
        "'",
        "ZmFrZXxjdXJzb3I=",  # base64 of "fake|cursor"
        "cD0yMDI2LTAxLTAx",  # DRF's cursor format with a date
        "MjAyNi0wMS0wMXwx",
    ]
)
VALUES = st.one_of(NASTY, st.text(max_size=12), st.integers().map(str))
QUERIES = st.dictionaries(st.sampled_from(PARAMETERS), VALUES, max_size=4)

GET_URLS = sorted(name for name, checks in MATRIX.items() if any(c.method == "GET" for c in checks))


@pytest.fixture
def urls(url_values):
    routes = dict(url_patterns())
    return {name: concrete(routes[name], url_values(name)) for name in routes}


@pytest.mark.django_db
def test_every_method_on_every_url_is_answered_on_purpose(urls, admin):
    client = signed_in(admin)
    failures = []
    for name, url in sorted(urls.items()):
        for method in METHODS:
            response = client.generic(method, url, b"{}", content_type="application/json")
            if response.status_code >= 500:
                failures.append(f"{method} {url} ({name}): {response.status_code}")
    assert not failures, failures


@pytest.mark.django_db
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    # Each example visits every URL; the failure message names the URL and query, so
    # shrinking (minutes over a hundred URLs) would add little.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_query_string_on_any_page_or_list_gets_a_server_error(data, urls, admin):
    client = signed_in(admin)
    for name in GET_URLS:
        query = data.draw(QUERIES, label=name)
        response = client.get(urls[name], query)
        assert response.status_code < 500, f"GET {urls[name]} {query!r}: {response.status_code}"
