"""This area's rows of the access matrix (see tests/access.py)."""

from tests.access import Check

MATRIX: dict[str, list[Check]] = {}


def url_values(personas, workspace) -> dict:
    """A real object of `workspace` for each URL parameter this area's URLs take."""
    return {}
