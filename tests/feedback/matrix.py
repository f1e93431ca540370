"""The feedback app's rows of the access matrix (see tests/access.py), one file per area."""

from tests.access import joined, url_values_of_areas
from tests.feedback import matrix_ideas, matrix_intake, matrix_triage

AREAS = [matrix_intake, matrix_triage, matrix_ideas]

MATRIX = joined(*(area.MATRIX for area in AREAS))


def url_values(personas, workspace) -> dict:
    return url_values_of_areas(AREAS, personas, workspace)
