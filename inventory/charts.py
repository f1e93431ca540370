"""Server-side SVG geometry for the tool page's seat-use chart (no chart library, no script)."""

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 40, 28, 12, 24


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    taken_on: date
    seats_used: int
    seats_bought: int | None

    @property
    def utilisation(self) -> float | None:
        return self.seats_used * 100 / self.seats_bought if self.seats_bought else None


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class UsageChart:
    width: int
    height: int
    points: list[Point]
    used_line: str  # SVG polyline points
    bought_line: str  # a step line of seats bought
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_bottom: int


def usage_chart(snapshots: list, seats_bought_now: int | None) -> UsageChart | None:
    """Seats in use over time against seats bought. `snapshots` are oldest first; a snapshot
    without its own seats bought inherits the previous one's, the first the current contract's."""
    if not snapshots:
        return None
    bought: list[int | None] = []
    last = None
    for snap in snapshots:
        last = snap.seats_bought if snap.seats_bought is not None else last
        bought.append(last)
    bought = [b if b is not None else seats_bought_now for b in bought]
    top = max([s.seats_used for s in snapshots] + [b or 0 for b in bought] + [1])
    top = _nice_ceiling(top)
    first, final = snapshots[0].taken_on, snapshots[-1].taken_on
    span = max((final - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        if len(snapshots) == 1:
            return LEFT + plot_w / 2
        return round(LEFT + (day - first).days * plot_w / span, 1)

    def y(value: int) -> float:
        return round(TOP + plot_h - value * plot_h / top, 1)

    points = [
        Point(x(s.taken_on), y(s.seats_used), s.taken_on, s.seats_used, b)
        for s, b in zip(snapshots, bought, strict=True)
    ]
    steps: list[str] = []
    for point in points:
        if point.seats_bought is None:
            continue
        if steps:
            steps.append(f"{point.x},{steps[-1].split(',')[1]}")
        steps.append(f"{point.x},{y(point.seats_bought)}")
    months = []
    seen = set()
    for point in points:
        key = (point.taken_on.year, point.taken_on.month)
        if key not in seen:
            seen.add(key)
            months.append(Tick(point.x, point.taken_on.strftime("%b %y")))
    stride = max(1, len(months) // 6)
    return UsageChart(
        width=WIDTH,
        height=HEIGHT,
        points=points,
        used_line=" ".join(f"{p.x},{p.y}" for p in points),
        bought_line=" ".join(steps),
        y_ticks=[Tick(y(v), str(v)) for v in (0, top // 2, top)],
        x_ticks=months[::stride],
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_bottom=HEIGHT - BOTTOM,
    )


def _nice_ceiling(value: int) -> int:
    for step in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    return ((value // 10000) + 1) * 10000
