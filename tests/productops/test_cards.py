"""One card style: every card and lane in the product takes its surface (background, border,
corners, shadow) from the one family at the top of static/css/app.css ("Cards")."""

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
STYLESHEETS = sorted((BASE / "static" / "css").glob("*.css"))
SURFACE = re.compile(r"(^|;)\s*(background(-color)?|border|border-radius|box-shadow)\s*:")
# A card is any class named card or ending in -card, or a figure; a lane any of these.
CARD = re.compile(r"^(card|[\w-]+-card|figure)$")
LANES = {"board-column", "roadmap-lane", "retro-column", "retro-group"}


def _rules(css: str):
    """(selector, declarations, offset) of each rule, comments removed, @media rules included."""
    css = re.sub(r"/\*.*?\*/", lambda m: " " * len(m.group(0)), css, flags=re.S)
    for match in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        selector = match.group(1)
        where = match.start(1) + len(selector) - len(selector.lstrip())
        yield " ".join(selector.split()), match.group(2), where


def _family(css: str) -> tuple[int, int]:
    start = css.index("/* Cards: one surface for every card")
    return start, css.index("/* End of the card surfaces. */", start)


def _paints_a_card(selector: str) -> bool:
    """A rule for a card's or lane's own look: its last compound is one such class alone
    (`.board-card`, `.card .figure`), not a state of it (`.board-card.dragging`)."""
    for part in selector.split(","):
        last = part.strip().split(" ")[-1]
        name = re.fullmatch(r"\.([\w-]+)", last)
        if name and (CARD.match(name.group(1)) or name.group(1) in LANES):
            return True
    return False


def test_only_the_card_family_paints_a_card_or_a_lane():
    offenders = []
    for sheet in STYLESHEETS:
        css = sheet.read_text()
        start, end = _family(css) if sheet.name == "app.css" else (-1, -1)
        for selector, body, offset in _rules(css):
            if start <= offset < end:
                continue
            if _paints_a_card(selector) and SURFACE.search(body):
                offenders.append(f"{sheet.name}: {selector}")
    assert offenders == []


def test_the_family_names_every_card_the_templates_use():
    """A new `foo-card` in a template without a place in the family would look like nothing.
    A name beside `card` itself (`card error-card`) is a variant of the card, not a new one."""
    css = (BASE / "static" / "css" / "app.css").read_text()
    start, end = _family(css)
    family = css[start:end]
    used = {
        name
        for path in (BASE / "templates").rglob("*.html")
        for classes in re.findall(r'class="([^"]*)"', path.read_text())
        for name in classes.split()
        if (CARD.match(name) or name in LANES) and (name == "card" or "card" not in classes.split())
    }
    assert used and all(f".{name}" in family for name in used), sorted(
        name for name in used if f".{name}" not in family
    )
