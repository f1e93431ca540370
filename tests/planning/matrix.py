"""The planning app's rows of the access matrix (see tests/access.py), one file per area."""

from tests.access import joined, url_values_of_areas
from tests.planning import matrix_capacity, matrix_retro, matrix_scoring, matrix_sessions

AREAS = [matrix_retro, matrix_sessions, matrix_scoring, matrix_capacity]

MATRIX = joined(*(area.MATRIX for area in AREAS))


def url_values(personas, workspace) -> dict:
    return url_values_of_areas(AREAS, personas, workspace)
