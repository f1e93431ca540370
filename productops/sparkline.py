"""A sparkline: a short series drawn as an inline SVG polyline, with its numbers as text.

Pure geometry, no drawing library: the server renders the SVG (no script, no inline style,
so it holds under the strict CSP) and the text alternative carries every value, so a screen
reader hears what the eye sees. `templatetags/sparklines.py` renders it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 80  # px of the viewBox, and the drawn size
HEIGHT = 20
PAD = 2  # keeps the stroke and the end dot inside the box


@dataclass(frozen=True)
class Sparkline:
    values: tuple[int, ...]
    points: str  # "x,y x,y ...": the polyline in viewBox units, y growing downwards
    last_x: float
    last_y: float
    width: int
    height: int
    label: str  # the text alternative: what, every value, the latest and the peak


def sparkline(values: Sequence[int], *, what: str) -> Sparkline:
    """The series `values` (oldest first, at least one) scaled into WIDTH x HEIGHT.

    The highest value touches the top, zero the bottom; an all-zero series is a flat line on
    the bottom. `what` names the series for the text alternative ("Mentions a week, last 12
    weeks"). Raises ValueError for an empty series.
    """
    if not values:
        raise ValueError("a sparkline needs at least one value")
    peak = max(values)
    span_x = WIDTH - 2 * PAD
    span_y = HEIGHT - 2 * PAD
    step = span_x / (len(values) - 1) if len(values) > 1 else 0.0
    coords = [
        (
            round(PAD + (index * step if len(values) > 1 else span_x / 2), 1),
            round(PAD + span_y * (1 - (value / peak if peak else 0)), 1),
        )
        for index, value in enumerate(values)
    ]
    numbers = ", ".join(str(v) for v in values)
    return Sparkline(
        values=tuple(values),
        points=" ".join(f"{x:g},{y:g}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
        width=WIDTH,
        height=HEIGHT,
        label=f"{what}: {numbers} (latest {values[-1]}, peak {peak})",
    )
