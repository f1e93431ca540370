"""One set of status colours (productops/badges.py): every status badge comes from the
`{% badge %}` tag, in one tone family of the stylesheet, each tone readable at 4.5:1."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

from feedback.models import Channel, Importance, Status, StatusCategory
from inventory.models import RenewalChoice, RequestStatus, ToolStatus
from planning.models import ActionStatus, DecisionOutcome, SessionState
from productops.badges import STATUS_TONES, TONES, tone
from productops.models import ImportJob, Role
from tests.conftest import signed_in

BASE = Path(settings.BASE_DIR)
STYLESHEETS = sorted((BASE / "static" / "css").glob("*.css"))
# Where markup is written: the templates, and the few rows built in Python for speed.
MARKUP = [p for p in (BASE / "templates").rglob("*.html")] + [
    p
    for app in ("productops", "feedback", "inventory", "planning", "dashboards")
    for p in (BASE / app).rglob("*.py")
    if p.name != "badges.py"
]
# Classes that place a badge without colouring it.
LAYOUT_ONLY = {"palette-kind"}

MODEL_CHOICES = {
    "feedback": Status,
    "idea": StatusCategory,
    "importance": Importance,
    "channel": Channel,
    "tool": ToolStatus,
    "renewal": RenewalChoice,
    "request": RequestStatus,
    "session": SessionState,
    "decision": DecisionOutcome,
    "action": ActionStatus,
    "import": ImportJob.Status,
    "role": Role,
}


@pytest.mark.parametrize("kind", sorted(MODEL_CHOICES))
def test_every_status_a_model_offers_has_a_tone(kind):
    assert set(STATUS_TONES[kind]) == {str(v) for v in MODEL_CHOICES[kind].values}


def test_every_tone_the_table_names_exists():
    used = {t for tones in STATUS_TONES.values() for t in tones.values()}
    assert used <= set(TONES)


def _root_colours() -> dict[str, str]:
    css = (BASE / "static" / "css" / "app.css").read_text()
    root = re.search(r":root\s*\{(.*?)\n\}", css, re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", root))


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio)."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", sorted(TONES))
def test_each_tone_reads_at_least_4_5_to_1_and_has_its_class(name):
    colours = _root_colours()
    assert contrast(colours[f"tone-{name}-fg"], colours[f"tone-{name}-bg"]) >= 4.5
    css = (BASE / "static" / "css" / "app.css").read_text()
    assert re.search(
        rf"\.badge\.tone-{name} \{{ color: var\(--tone-{name}-fg\); "
        rf"background: var\(--tone-{name}-bg\); border-color: var\(--tone-{name}-border\); \}}",
        css,
    )


def test_no_page_colours_a_badge_of_its_own():
    """A badge is plain (neutral) or comes from {% badge %} / {% badge_class %}: a class such as
    `badge status-{{ x }}` is a colour invented on one page, which the next page will not share."""
    offenders = []
    for path in MARKUP:
        text = path.read_text()
        for match in re.finditer(r'class="([^"]*)"', text):
            classes = match.group(1).split()
            if "badge" in classes and set(classes) - {"badge"} - LAYOUT_ONLY:
                offenders.append(f"{path.relative_to(BASE)}: {match.group(0)}")
            if any(c.startswith("tone-") for c in classes):
                offenders.append(f"{path.relative_to(BASE)}: {match.group(0)}")
    assert offenders == []


def _rules(css: str):
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        yield " ".join(selector.split()), body


COLOURING = re.compile(r"(^|;)\s*(color|background(-color)?|border(-color)?)\s*:")


def test_only_the_tone_family_colours_a_badge():
    offenders = [
        f"{sheet.name}: {selector}"
        for sheet in STYLESHEETS
        for selector, body in _rules(sheet.read_text())
        if "badge" in selector
        and COLOURING.search(body)
        and not all(re.fullmatch(r"\.badge(\.tone-\w+)?", s.strip()) for s in selector.split(","))
    ]
    assert offenders == []


def test_the_tag_renders_the_status_in_its_tone_and_escapes_the_label():
    html = Template(
        '{% badge "tool" "active" "Active" %}|{% badge "idea" cat name title=why %}'
        '|{% badge "session" "running" %}|<span class="{% badge_class "deadline" "passed" %}">'
    ).render(Context({"cat": "shipped", "name": "<b>Done</b>", "why": "t<"}))
    assert html == (
        '<span class="badge tone-positive">Active</span>'
        '|<span class="badge tone-positive" title="t&lt;">&lt;b&gt;Done&lt;/b&gt;</span>'
        '|<span class="badge tone-positive">Running</span>'
        '|<span class="badge tone-alert">'
    )


def test_an_unknown_kind_is_an_error_and_an_unknown_value_reads_neutral():
    with pytest.raises(KeyError):
        tone("no-such-kind", "x")
    assert tone("tool", "something-new") == "neutral"


@pytest.mark.django_db
def test_the_same_status_reads_the_same_on_every_page(pm, workspace_a):
    """An idea's status category wears one tone on the list, the board and its page."""
    from feedback.models import Idea, IdeaStatus

    shipped = IdeaStatus.objects.get(workspace=workspace_a, category=StatusCategory.SHIPPED)
    idea = Idea.objects.create(workspace=workspace_a, title="Dark mode", status=shipped)
    client = signed_in(pm)
    badge = f'<span class="badge tone-positive">{shipped.name}</span>'
    for url in ("/w/alpha/ideas/", "/w/alpha/ideas/board/", f"/w/alpha/ideas/{idea.pk}/"):
        assert badge in client.get(url).content.decode(), url


def test_no_template_writes_a_colour_of_its_own():
    """Colours live in the stylesheet's custom properties: a literal in markup (an SVG fill, a
    style attribute) is a colour no theme or contrast check reaches."""
    literal = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b|rgba?\(|hsla?\(")
    offenders = [
        f"{path.relative_to(BASE)}: {match.group(0)}"
        for path in (BASE / "templates").rglob("*.html")
        for attribute in re.finditer(
            r'(?:fill|stroke|color|style|background)="([^"]*)"', path.read_text()
        )
        for match in [literal.search(attribute.group(1))]
        if match
    ]
    assert offenders == []


def test_our_scripts_take_their_colours_from_the_stylesheet():
    """charts.js reads --chart-* from app.css; no colour is written in our own scripts."""
    literal = re.compile(r"[\"']#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?[\"']|rgba?\(|hsla?\(")
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in sorted((BASE / "static" / "js").glob("*.js"))
        for match in literal.finditer(path.read_text())
    ]
    assert offenders == []
