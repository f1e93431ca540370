"""The planning app's rows of the access matrix (see tests/access.py), one file per area."""

from tests.planning import matrix_capacity, matrix_retro, matrix_scoring, matrix_sessions

AREAS = [matrix_retro, matrix_sessions, matrix_scoring, matrix_capacity]

MATRIX = {}
for _area in AREAS:
    assert not MATRIX.keys() & _area.MATRIX.keys(), "a URL name is listed twice"
    MATRIX.update(_area.MATRIX)


def url_values(personas, workspace) -> dict:
    values = {}
    for area in AREAS:
        values.update(area.url_values(personas, workspace))
    return values
