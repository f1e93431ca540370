"""`{% sparkline values "what the series is" %}`: productops/sparkline.py as inline SVG.

`role="img"` with the series' numbers as its name (and as a tooltip through `<title>`);
colours come from the stylesheet (`.sparkline`), never from attributes.
"""

from collections.abc import Sequence

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from productops.sparkline import sparkline as draw

register = template.Library()


@register.simple_tag
def sparkline(values: Sequence[int] | None, what: str) -> SafeString | str:
    """Nothing at all for a missing series (an idea the page did not read a series for)."""
    if not values:
        return ""
    line = draw(values, what=what)
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{label}"><title>{label}</title><polyline points="{points}"/>'
        '<circle cx="{x}" cy="{y}" r="2"/></svg>',
        w=line.width,
        h=line.height,
        label=line.label,
        points=line.points,
        x=f"{line.last_x:g}",
        y=f"{line.last_y:g}",
    )
