"""Percentages and dates as the inventory pages show them (money: productops/money.py)."""

from datetime import date

from django import template

from productops import clock

register = template.Library()


@register.filter
def pct(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value):.0f}%"


@register.filter
def days_from_today(value: date | None, workspace) -> int | None:
    """Days from the workspace's today: `{{ contract.deadline|days_from_today:workspace }}`."""
    if value is None:
        return None
    return (value - clock.workspace_today(workspace)).days


@register.filter
def bar_width(value) -> str:
    """A percentage for an SVG width attribute, clamped to 0-100 (no inline style: strict CSP)."""
    if value is None:
        return "0"
    return f"{max(0.0, min(100.0, float(value))):.1f}"


@register.filter
def utilisation_class(value, threshold=70) -> str:
    if value is None:
        return "util-none"
    if float(value) < float(threshold):
        return "util-low"
    if float(value) > 100:
        return "util-over"
    return "util-ok"


@register.filter
def deadline_state(days_left: int | None) -> str:
    """How near an undecided notice deadline is, as the "deadline" badge's value
    (productops/badges.py): passed, urgent (this week), soon (30 days) or later."""
    if days_left is None or days_left > 30:
        return "later"
    if days_left < 0:
        return "passed"
    return "urgent" if days_left <= 7 else "soon"
