"""One set of colours: every colour the product paints is a design token in the `:root` block of
static/css/app.css; rules, templates, inline SVG and our scripts name tokens, never a colour.
A literal anywhere else is a colour one page invents and the next does not share."""

import re
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)
STYLESHEETS = sorted((BASE / "static" / "css").glob("*.css"))
SCRIPTS = sorted((BASE / "static" / "js").glob("*.js"))
IMAGES = sorted((BASE / "static" / "img").rglob("*.svg"))
TEMPLATES = sorted((BASE / "templates").rglob("*.html"))
# Rows and fragments built in Python for speed (sparklines, badges...) are markup too.
PYTHON_MARKUP = [
    p
    for app in ("productops", "feedback", "inventory", "planning", "dashboards")
    for p in (BASE / app).rglob("*.py")
    if "migrations" not in p.parts
]

HEX = r"#[0-9a-fA-F]{3,8}\b"
FUNCTION = r"\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\("
# CSS named colours (the ones anyone would type; `transparent` and `currentColor` are not
# colours of our own and stay allowed).
NAMED = (
    "white black red green blue gray grey orange yellow purple pink brown navy silver maroon "
    "teal olive lime aqua cyan fuchsia magenta gold indigo violet crimson coral salmon tomato "
    "khaki beige ivory tan plum orchid turquoise lavender chocolate firebrick darkred darkgreen "
    "darkblue lightgray lightgrey darkgray darkgrey dimgray dimgrey whitesmoke gainsboro "
    "slategray slategrey steelblue royalblue skyblue seagreen forestgreen limegreen goldenrod"
).split()
NAMED_VALUE = re.compile(r"(?<![\w-])(" + "|".join(NAMED) + r")(?![\w-])", re.I)
LITERAL = re.compile(rf"{HEX}|{FUNCTION}", re.I)
# In markup and scripts a colour shows as a colour property or attribute; "#123" alone is an
# item number, not a colour.
COLOUR_IN_MARKUP = re.compile(
    r"(?:fill|stroke|stop-color|flood-color|lighting-color|color|background(?:-color)?|"
    r"border(?:-[a-z]+)?-?color|style)\s*[=:]\s*[\"']?[^\"';>]*?"
    rf"(?:{HEX}|{FUNCTION}|(?<![\w-])(?:{'|'.join(NAMED)})(?![\w-]))",
    re.I,
)


def _strip_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", lambda m: " " * len(m.group(0)), css, flags=re.S)


def _root(css: str) -> tuple[int, int]:
    start = css.index(":root {")
    return start, css.index("\n}\n", start)


def _declarations(css: str):
    """(property, value, offset) of each declaration, comments removed."""
    css = _strip_comments(css)
    for block in re.finditer(r"\{([^{}]*)\}", css):
        for decl in re.finditer(r"([\w-]+)\s*:\s*([^;{}]*)", block.group(1)):
            yield decl.group(1), decl.group(2), block.start(1) + decl.start()


def colour_literals_outside_tokens(css: str, *, with_root: bool) -> list[str]:
    start, end = _root(css) if with_root else (-1, -1)
    found = []
    for prop, value, offset in _declarations(css):
        if start <= offset < end:
            continue
        if LITERAL.search(value) or NAMED_VALUE.search(value):
            found.append(f"{prop}: {value.strip()}")
    return found


def test_every_colour_in_a_stylesheet_is_a_token():
    offenders = [
        f"{sheet.name}: {literal}"
        for sheet in STYLESHEETS
        for literal in colour_literals_outside_tokens(
            sheet.read_text(), with_root=sheet.name == "app.css"
        )
    ]
    assert offenders == []


def test_only_app_css_defines_tokens():
    """One :root: a second sheet with its own tokens would be a second palette."""
    assert [s.name for s in STYLESHEETS if ":root" in s.read_text()] == ["app.css"]


def test_no_template_script_or_python_markup_writes_a_colour():
    offenders = []
    for path in TEMPLATES + SCRIPTS + PYTHON_MARKUP:
        for match in COLOUR_IN_MARKUP.finditer(path.read_text()):
            offenders.append(f"{path.relative_to(BASE)}: {match.group(0)}")
    assert offenders == []


def _tokens() -> dict[str, str]:
    css = (BASE / "static" / "css" / "app.css").read_text()
    start, end = _root(css)
    return dict(re.findall(r"--([\w-]+):\s*([^;]+);", _strip_comments(css[start:end])))


def test_an_svg_file_paints_only_token_colours():
    """The favicon is drawn by the browser alone, where no stylesheet reaches: its colours are
    the tokens' values (the accent and the text on it), so it changes when they do."""
    values = {v.strip().lower() for v in _tokens().values()}
    short = {"#fff": "#ffffff", "#000": "#000000"}
    for image in IMAGES:
        used = {short.get(c.lower(), c.lower()) for c in re.findall(HEX, image.read_text())}
        assert used and used <= values, (image.name, used - values)


def test_the_checks_catch_literals_and_pass_tokens():
    css = (
        ":root {\n  --accent: #4f46e5;\n}\n"
        ".a { color: var(--accent); white-space: nowrap; background: transparent; }\n"
        ".b { border: 1px solid #c7d2fe; }\n"
        ".c { box-shadow: 0 0 0 3px rgba(200, 50, 42, 0.2); }\n"
        ".d { color: white; }\n"
        ".e { color: var(--muted, #667085); }\n"
    )
    assert colour_literals_outside_tokens(css, with_root=True) == [
        "border: 1px solid #c7d2fe",
        "box-shadow: 0 0 0 3px rgba(200, 50, 42, 0.2)",
        "color: white",
        "color: var(--muted, #667085)",
    ]
    assert COLOUR_IN_MARKUP.search('<rect fill="#4f46e5"/>')
    assert COLOUR_IN_MARKUP.search("el.style.color = 'red'")
    assert COLOUR_IN_MARKUP.search('<span style="color: rgb(0,0,0)">')
    assert not COLOUR_IN_MARKUP.search("Jump to #123 or an idea")
    assert not COLOUR_IN_MARKUP.search('class="white-space"')
