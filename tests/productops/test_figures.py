"""One look for a figure (a number with its label): the `{% figure %}` tag writes every one, and
the "Figures" family in static/css/app.css styles it. These fail a fourth look, by name (a
`.stat`, `.kpi`, `.metric` or `-stats` class written in a template or styled in a stylesheet) or
by appearance (a big number styled outside the family)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError

from tests.productops.test_cards import _rules

BASE = Path(settings.BASE_DIR)
STYLESHEETS = sorted((BASE / "static" / "css").glob("*.css"))
# Where markup is written: the templates, and the few rows built in Python for speed.
MARKUP = list((BASE / "templates").rglob("*.html")) + [
    p
    for app in ("productops", "feedback", "inventory", "planning", "dashboards")
    for p in (BASE / app).rglob("*.py")
    if p.name != "figures.py"
]
# A class that names a figure, whatever the page calls it.
FIGURE_CLASS = re.compile(
    r"(figures?|figure-[\w-]+|stats?|stat-[\w-]+|[\w-]+-stats?|[\w-]*kpis?[\w-]*|[\w-]*metrics?[\w-]*)"
)
# Only the tag writes these; a template writes the group around them.
WRAPPER = "figures"
# A big number: anything this large that is not a heading is a figure drawn another way.
BIG_PX = 18
HEADINGS = re.compile(r"(^|[\s>+~,])(h1|h2|h3|\.brand[\w.-]*)([\s.:,]|$)")


def _family(css: str, opening: str, closing: str) -> tuple[int, int]:
    start = css.index(opening)
    return start, css.index(closing, start)


def _families() -> list[tuple[int, int]]:
    css = (BASE / "static" / "css" / "app.css").read_text()
    return [
        _family(css, "/* Figures: a number with its label", "/* End of the figures. */"),
        _family(css, "/* Cards: one surface for every card", "/* End of the card surfaces. */"),
    ]


def _px(value: str, unit: str) -> float:
    return float(value) * (16 if unit == "rem" else 1)


def test_no_template_writes_a_figure_of_its_own():
    offenders = []
    for path in MARKUP:
        for match in re.finditer(r'class="([^"]*)"', path.read_text()):
            # Template code inside the attribute ({% if %}, {{ x }}) is not a class name.
            text = re.sub(r"\{[{%].*?[%}]\}", " ", match.group(1))
            named = [c for c in text.split() if FIGURE_CLASS.fullmatch(c) and c != WRAPPER]
            if named:
                offenders.append(f"{path.relative_to(BASE)}: {match.group(0)}")
    assert offenders == []


def test_only_the_figures_family_styles_a_figure():
    offenders = []
    for sheet in STYLESHEETS:
        css = sheet.read_text()
        families = _families() if sheet.name == "app.css" else []
        for selector, _body, offset in _rules(css):
            if any(start <= offset < end for start, end in families):
                continue
            names = re.findall(r"\.([\w-]+)", selector)
            if any(FIGURE_CLASS.fullmatch(name) for name in names):
                offenders.append(f"{sheet.name}: {selector}")
    assert offenders == []


def test_no_rule_outside_the_family_draws_a_big_number():
    """A fourth look under a new name (`.queue-money { font-size: 22px }`) shows by its size."""
    offenders = []
    for sheet in STYLESHEETS:
        css = sheet.read_text()
        families = _families()[:1] if sheet.name == "app.css" else []
        for selector, body, offset in _rules(css):
            if any(start <= offset < end for start, end in families):
                continue
            size = re.search(r"(?:^|;)\s*font(?:-size)?\s*:[^;]*?([\d.]+)(px|rem)\b", body)
            if size and _px(*size.groups()) >= BIG_PX and not HEADINGS.search(selector):
                offenders.append(f"{sheet.name}: {selector} ({size.group(1)}{size.group(2)})")
    assert offenders == []


def test_the_checks_would_catch_a_fourth_look():
    """The patterns above are not vacuous: each kind of old look is named by them."""
    for name in ("stat", "stats", "stat-value", "inv-stats", "idea-stats", "kpi", "metric-big"):
        assert FIGURE_CLASS.fullmatch(name), name
    assert not FIGURE_CLASS.fullmatch(WRAPPER + "x")
    assert not FIGURE_CLASS.fullmatch("status") and not FIGURE_CLASS.fullmatch("state")
    assert not HEADINGS.search(".queue-money") and HEADINGS.search(".roadmap-head h1")


def test_the_tag_writes_label_value_and_note_and_escapes_them():
    html = Template(
        '<div class="figures">{% figure "Annual spend" id="annual-spend" %}{{ v }}{% endfigure %}'
        '{% figure label href=url tone=tone data_demand="votes" title="Who" %}<s>{{ v }}</s>'
        "{% note %}{{ n }} seats{% endfigure %}"
        '{% figure "Empty" href="" tone="" %}0{% note %} {% endfigure %}</div>'
    ).render(
        Context({"v": "<b>9</b>", "label": "A&B", "url": "/x?a=1&b=2", "tone": "negative", "n": 3})
    )
    assert html == (
        '<div class="figures">'
        '<div class="figure"><span class="figure-label">Annual spend</span>'
        '<span class="figure-value" id="annual-spend">&lt;b&gt;9&lt;/b&gt;</span></div>'
        '<div class="figure"><span class="figure-label">A&amp;B</span>'
        '<a class="figure-value figure-negative" href="/x?a=1&amp;b=2" data-demand="votes"'
        ' title="Who"><s>&lt;b&gt;9&lt;/b&gt;</s></a><span class="figure-note">3 seats</span></div>'
        '<div class="figure"><span class="figure-label">Empty</span>'
        '<span class="figure-value">0</span></div>'
        "</div>"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{% figure %}1{% endfigure %}",
        '{% figure "Seats" colour="red" %}1{% endfigure %}',
        '{% figure "Seats" "stray" %}1{% endfigure %}',
        '{% figure "Seats" %}1',
    ],
)
def test_a_figure_written_wrong_is_an_error_when_the_template_loads(source):
    with pytest.raises(TemplateSyntaxError):
        Template(source)


def test_an_unknown_tone_is_an_error_not_a_colour():
    with pytest.raises(ValueError, match="tone"):
        Template('{% figure "Seats" tone="red" %}1{% endfigure %}').render(Context())
