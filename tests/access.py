"""The vocabulary of the access matrix: a Check per URL and method, and the common shapes.

Each app lists its URLs in tests/<app>/matrix.py (MATRIX, and url_values() giving a real object
of workspace A for each URL parameter); tests/productops/test_access_matrix.py joins them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType


@dataclass(frozen=True)
class Check:
    method: str
    expect: dict[str, int]
    data: dict = field(default_factory=dict)
    # Request headers: HTMX for a fragment URL, which a plain GET redirects to its page
    # (productops.fragments; tests/productops/test_fragment_urls.py checks that side).
    headers: dict = field(default_factory=dict)


HTMX = {"HX-Request": "true"}


def joined(*matrices: dict[str, list[Check]]) -> dict[str, list[Check]]:
    """One matrix from several (an app's areas, or every app's); AssertionError naming each URL
    name that two of them list."""
    matrix: dict[str, list[Check]] = {}
    for part in matrices:
        twice = sorted(matrix.keys() & part.keys())
        assert not twice, f"URL names listed twice in the access matrix: {twice}"
        matrix |= part
    return matrix


def url_values_of_areas(areas: Iterable[ModuleType], personas, workspace) -> dict:
    """Every area module's url_values(personas, workspace) in one dict."""
    values: dict = {}
    for area in areas:
        values |= area.url_values(personas, workspace)
    return values


def answers(anonymous, admin, ops_lead, pm, exec, outsider) -> dict[str, int]:
    return dict(
        anonymous=anonymous, admin=admin, ops_lead=ops_lead, pm=pm, exec=exec, outsider=outsider
    )


# Shorthands for the common shapes; entries spell out anything unusual.
def page(ok=200):  # every member of the workspace
    return answers(302, ok, ok, ok, ok, 404)


def admin_page(ok=200):
    return answers(302, ok, 403, 403, 403, 404)


def api(ok=200):
    return answers(401, ok, ok, ok, ok, 404)


def admin_api(ok=200):
    return answers(401, ok, 403, 403, 403, 404)


def signed_in_only(ok=200):
    return answers(302, ok, ok, ok, ok, ok)


def public(ok=200):
    return answers(ok, ok, ok, ok, ok, ok)


def roles_page(ok: int, *roles: str) -> dict[str, int]:
    """A workspace page that only `roles` may use; other members get 403."""
    expect = answers(302, 403, 403, 403, 403, 404)
    return expect | {role: ok for role in roles}


def roles_api(ok: int, *roles: str) -> dict[str, int]:
    expect = answers(401, 403, 403, 403, 403, 404)
    return expect | {role: ok for role in roles}
