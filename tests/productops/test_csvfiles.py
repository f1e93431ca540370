"""The one CSV writer's guard against formula injection: it quotes what a spreadsheet would run,
and nothing a spreadsheet shows as it is."""

import pytest

from productops.csvfiles import safe_cell


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://evil")', "+cmd", "-2+3", "@SUM(A1)", "-A1", "+ 1", "\tx", "\rx", "=-"],
)
def test_a_cell_a_spreadsheet_would_run_is_quoted(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value, text",
    [
        ("-", "-"),  # "none" in a table: a spreadsheet shows it as it is
        ("=", "="),
        ("+", "+"),
        ("@", "@"),
        (-5, "-5"),
        ("-12.50", "-12.50"),
        ("+1.5", "+1.5"),
        ("-3e4", "-3e4"),
        ("-.5", "-.5"),
        ("plain", "plain"),
        (None, ""),
        (12, "12"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_shows_as_it_is_is_left_alone(value, text):
    assert safe_cell(value) == text
