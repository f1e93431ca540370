"""A tile's numbers as the metrics API gives them to BI tools: typed, rounded, each with a unit.

The page shows text ("1,641.2 h", "40%", "over 7 days", "-"); a BI tool needs numbers. Each
figure of every tile is declared here with its unit, and its value is a JSON number rounded to
the unit's precision, or null when there is none:

    {"label": "Mean time to triage", "value": 1641.2, "unit": "hours", "currency": null,
     "share": null, "bound": null, "display": "1641.2 h"}

- `unit`: "count", "hours", "days", "percent" (0-100) or "money" (`currency` then holds the
  workspace's ISO code). PRECISION gives each unit's decimals.
- `share`: for a count the page shows as a share of a whole (sentiment, customers told,
  committed backed by demand): that share in percent, as the page rounds it; else null.
- `bound`: the median time to triage is known only to its bucket ("within 4 hours"): `value`
  is the bucket's edge in hours, `bound` "at_most" or "over"; null on every other figure.
- `display`: the text the page shows.

Table cells get the same treatment: amounts and shares become numbers, an empty cell or "-"
becomes null, and `column_units` names each column's unit (COLUMN_UNITS; null for text).
"""

import re
from decimal import Decimal
from typing import Any

from dashboards.selectors.shared import Figure, Tile

UNITS = ("count", "hours", "days", "percent", "money")
PRECISION = {"count": 0, "hours": 1, "days": 1, "percent": 1, "money": 2}

# Every figure of every tile, by tile and label: its unit. A figure missing here is a test
# failure (tests/dashboards/test_api_figures.py), never a guess at run time.
FIGURE_UNITS: dict[str, dict[str, str]] = {
    "volume": {"Received": "count", "Previous period": "count"},
    "sentiment": {"Positive": "count", "Neutral": "count", "Negative": "count"},
    "ideas": {"Ideas with demand": "count"},
    "triage": {
        "Backlog": "count",
        "Oldest waiting": "days",
        "Median time to triage": "hours",
        "Mean time to triage": "hours",
        "Received in period": "count",
        "Triaged in period": "count",
    },
    "loop": {
        "Customers told": "count",
        "Asking customers": "count",
        "Days from decision to told": "days",
        "Ideas closed": "count",
    },
    "roadmap": {
        "Committed backed by demand": "count",
        "Revenue of customers whose asks shipped this quarter": "money",
        "Customers whose asks shipped": "count",
        "Ideas shipped this quarter": "count",
    },
    "predictability": {
        "Committed": "count",
        "Shipped of them": "count",
        "Shipped share": "percent",
    },
    "tools": {
        "Annual spend": "money",
        "Spend per active seat": "money",
        "Waste": "money",
        "Renewals in 90 days": "count",
    },
}

# Each tile's table columns, in order: a unit, or None for a text column.
COLUMN_UNITS: dict[str, list[str | None]] = {
    "volume": [None, None, "count"],  # Dimension, Name, Items
    "sentiment": [None, "count", "count", "count"],  # Period, Positive, Neutral, Negative
    # Ranking, Idea, Status, Mentions, Accounts, Revenue, Weekly mentions (text: "0 1 2 ...")
    "ideas": [None, None, None, "count", "count", "money", None],
    "triage": [None, "count", "count", "count"],  # Age or period, Received, Triaged, Backlog
    "loop": [None, None, "count", "count"],  # Idea, Outcome, Asking, Told
    # Quarter, Committed, Backed by demand, Ideas shipped, Customers, Revenue
    "roadmap": [None, "count", "count", "count", "count", "money"],
    # Quarter, Decided, Committed, Shipped, Shipped share
    "predictability": [None, "count", "count", "count", "percent"],
    "tools": [None, "money"],  # Category, Annual spend
}

_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)%")
_MEDIAN_HOURS = {"1 hour": 1, "4 hours": 4, "1 day": 24, "3 days": 72, "7 days": 168}
_MISSING = ("", "-", "—")


def rounded(value: Any, unit: str) -> int | float | None:
    """`value` (int, float, Decimal, numeric text, "40%") as a JSON number rounded to `unit`'s
    precision; None for a missing one ("", "-", None). ValueError for other text."""
    if value is None or isinstance(value, bool) or value in _MISSING:
        return None
    if isinstance(value, str):
        percent = _PERCENT.fullmatch(value.strip())
        value = Decimal(percent.group(1) if percent else value.replace(",", ""))
    places = PRECISION[unit]
    number = round(Decimal(str(value)), places)
    return int(number) if places == 0 else float(number)


def _median(text: str) -> tuple[int | None, str | None]:
    """ "within 4 hours" -> (4, "at_most"), "over 7 days" -> (168, "over"), "-" -> (None, None)."""
    if text.startswith("within "):
        return _MEDIAN_HOURS[text.removeprefix("within ")], "at_most"
    if text.startswith("over "):
        return _MEDIAN_HOURS[text.removeprefix("over ")], "over"
    return None, None


def typed_figure(tile: str, figure: Figure, currency: str) -> dict[str, Any]:
    """One figure as the API answers it (the module docstring gives the shape). KeyError when
    the figure is not declared in FIGURE_UNITS."""
    unit = FIGURE_UNITS[tile][figure.label]
    value: int | float | None
    bound = None
    if tile == "triage" and figure.label == "Median time to triage":
        value, bound = _median(str(figure.value))
    else:
        value = rounded(figure.value, unit)
    share = None
    if unit == "count":
        shown = _PERCENT.fullmatch(figure.display.strip())
        share = rounded(shown.group(0), "percent") if shown else None
    return {
        "label": figure.label,
        "value": value,
        "unit": unit,
        "currency": currency if unit == "money" else None,
        "share": share,
        "bound": bound,
        "display": figure.display,
    }


def _rounded_or_text(value: Any, unit: str) -> Any:
    try:
        return rounded(value, unit)
    except (ArithmeticError, ValueError):  # text in a column of numbers stays text
        return value


def typed_table(tile: Tile) -> tuple[list[str | None], list[list[Any]]]:
    """The tile's table: each column's unit (COLUMN_UNITS; null for a text column), and the
    rows with numbers for amounts and shares and null for an empty cell or "-"."""
    units = COLUMN_UNITS[tile.name]
    rows = []
    for row in tile.rows:
        cells: list[Any] = []
        for i, value in enumerate(row):
            unit = units[i]
            if unit is not None:
                cells.append(_rounded_or_text(value, unit))
            elif isinstance(value, str) and value in _MISSING:
                cells.append(None)
            elif hasattr(value, "isoformat"):
                cells.append(value.isoformat())
            else:
                cells.append(value)
        rows.append(cells)
    return units, rows
