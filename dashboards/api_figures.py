"""A tile's numbers as the metrics API gives them to BI tools: typed, rounded, each with a unit.

The page shows text ("68 days", "40%", "over 7 days", "-"); a BI tool needs numbers. Each
figure carries its unit where its selector makes it (`Figure.unit`), and its value is a JSON
number rounded to the unit's precision, or null when there is none:

    {"label": "Mean time to triage", "value": 1641.2, "unit": "hours", "currency": null,
     "share": null, "bound": null, "display": "68 days"}

- `unit`: "count", "hours", "days", "percent" (0-100) or "money" (`currency` then holds the
  workspace's ISO code). PRECISION gives each unit's decimals.
- `share`: for a count the page shows as a share of a whole (sentiment, customers told,
  committed backed by demand): that share in percent, as the page rounds it (`Figure.share`);
  else null.
- `bound`: the median time to triage is known only to its bucket ("within 4 hours"): `value`
  is the bucket's edge in hours, `bound` "at_most" or "over" (`Figure.bound`); null on every
  other figure.
- `display`: the text the page shows.

Table cells get the same treatment: amounts and shares become numbers, an empty cell or "-"
becomes null, and `column_units` names each column's unit (`Column.unit`; null for text).
"""

import re
from decimal import Decimal
from typing import Any

from dashboards.selectors.shared import UNITS, Figure, Tile, Unit

__all__ = ["PRECISION", "UNITS", "rounded", "typed_figure", "typed_table"]

PRECISION: dict[Unit, int] = {"count": 0, "hours": 1, "days": 1, "percent": 1, "money": 2}

_PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)%")
_MISSING = ("", "-", "—")


def rounded(value: Any, unit: Unit) -> int | float | None:
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


def typed_figure(figure: Figure, currency: str) -> dict[str, Any]:
    """One figure as the API answers it (the module docstring gives the shape)."""
    return {
        "label": figure.label,
        "value": rounded(figure.value, figure.unit),
        "unit": figure.unit,
        "currency": currency if figure.unit == "money" else None,
        "share": rounded(figure.share, "percent"),
        "bound": figure.bound,
        "display": figure.display,
    }


def _rounded_or_text(value: Any, unit: Unit) -> Any:
    try:
        return rounded(value, unit)
    except (ArithmeticError, ValueError):  # text in a column of numbers stays text
        return value


def typed_table(tile: Tile) -> tuple[list[Unit | None], list[list[Any]]]:
    """The tile's table: each column's unit (null for a text column), and the rows with numbers
    for amounts and shares and null for an empty cell or "-"."""
    units = [column.unit for column in tile.columns]
    rows = []
    for row in tile.rows:
        cells: list[Any] = []
        for unit, value in zip(units, row, strict=True):
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
