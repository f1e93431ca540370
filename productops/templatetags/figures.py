"""Figures: a number with its label, in one look, from one builtin tag.

    <div class="figures">
      {% figure "Annual spend" id="annual-spend" %}{{ total|money:cur }}{% endfigure %}
      {% figure "Committed" tone=warning_or_empty %}{{ load }}{% note %}3 commits{% endfigure %}
      {% figure label href=link data_demand="votes" title="Distinct people" %}{{ n }}{% endfigure %}
    </div>

renders each as

    <div class="figure"><span class="figure-label">Annual spend</span>
      <span class="figure-value" id="annual-spend">$500</span></div>

The body is the value (markup allowed: money, a struck-out amount, a trend); what follows
`{% note %}` is the small line under it. Keyword arguments:

- `href`: the value is a link (`<a class="figure-value" href=…>`) to the list behind it;
- `tone`: `positive`, `warning`, `negative` or `muted` colours the value (an empty value: none);
- `id`, `title` and `data_<name>` (written `data-<name>`) pass through to the value element.

Anything else is a TemplateSyntaxError when the template is loaded. A group of figures sits in
`<div class="figures">`; the look is the "Figures" family in static/css/app.css, and
tests/productops/test_figures.py fails a page or a stylesheet that draws a figure any other way.
"""

from __future__ import annotations

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token, token_kwargs
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

TONES = {"positive", "warning", "negative", "muted"}
PASSED_THROUGH = {"id", "title"}


class FigureNode(template.Node):
    def __init__(
        self,
        label: FilterExpression,
        options: dict[str, FilterExpression],
        value: NodeList,
        note: NodeList | None,
    ) -> None:
        self.label = label
        self.options = options
        self.value = value
        self.note = note

    def render(self, context: template.Context) -> SafeString:
        options = {name: expr.resolve(context) for name, expr in self.options.items()}
        tone = options.pop("tone", "") or ""
        if tone not in TONES and tone != "":
            raise ValueError(f"figure tone must be one of {sorted(TONES)} or empty, not {tone!r}")
        href = options.pop("href", "") or ""
        attributes = format_html_join(
            "",
            ' {}="{}"',
            ((name.replace("_", "-"), value) for name, value in options.items() if value != ""),
        )
        classes = "figure-value" + (f" figure-{tone}" if tone else "")
        element = "a" if href else "span"
        value = format_html(
            '<{} class="{}"{}{}>{}</{}>',
            element,
            classes,
            format_html(' href="{}"', href) if href else "",
            attributes,
            mark_safe(self.value.render(context).strip()),
            element,
        )
        # A NodeList renders to a SafeString (the engine escaped each variable); str.strip()
        # returns a plain str, so the stripped text is marked safe again, no more.
        note = mark_safe(self.note.render(context).strip()) if self.note is not None else ""
        return format_html(
            '<div class="figure"><span class="figure-label">{}</span>{}{}</div>',
            self.label.resolve(context),
            value,
            format_html('<span class="figure-note">{}</span>', note) if note else "",
        )


@register.tag
def figure(parser: Parser, token: Token) -> FigureNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('figure takes a label: {% figure "Seats" %}')
    label = parser.compile_filter(bits[1])
    rest = bits[2:]
    options = token_kwargs(rest, parser, support_legacy=False)
    if rest:
        raise template.TemplateSyntaxError(f"figure takes name=value options, not {rest}")
    unknown = [
        name
        for name in options
        if name not in PASSED_THROUGH | {"href", "tone"} and not name.startswith("data_")
    ]
    if unknown:
        raise template.TemplateSyntaxError(
            f"figure does not know {unknown}: it takes href, tone, id, title and data_<name>"
        )
    value = parser.parse(("note", "endfigure"))
    note = None
    if parser.next_token().contents == "note":
        note = parser.parse(("endfigure",))
        parser.delete_first_token()
    return FigureNode(label, options, value, note)
