"""Money, percentages and dates as the inventory pages show them."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django import template

from productops import clock

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


@register.filter
def money(value, currency: str = "") -> str:
    """12400.5, "USD" -> "$12,401"; a currency without a symbol reads "12,401 SEK"."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    text = f"{abs(amount):,}"
    sign = "-" if amount < 0 else ""
    symbol = SYMBOLS.get(currency)
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text} {currency}".strip()


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
