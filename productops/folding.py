"""Accent folding for search: "cafe" finds "café" and "Muller" finds "Müller", both ways.

The embedded Postgres (the pgserver wheel) has no contrib modules, so no `unaccent`; and
`unaccent()` is not IMMUTABLE, so it could not feed a generated column anyway. Folding is done by
one plain-SQL IMMUTABLE function, `productops_fold(text)` (migration
productops/0006_fold_function), used in generated search columns and in queries, and by its
Python twin `fold()` for the text a person types. A test holds the two equal character by
character.

Folding removes diacritics (é -> e, ü -> u: the combining marks that canonical decomposition
splits off), maps the Latin letters that have none (ß -> ss, Æ -> AE, ø -> o, ł -> l) and
lower-cases the result. Other scripts pass through.
"""

import unicodedata

from django.db.models import Func, TextField
from django.db.models.lookups import Contains

# Letters that do not decompose to a base letter plus marks, or that fold to two letters.
_SPECIAL = {
    "ß": "ss",
    "ẞ": "SS",
    "Æ": "AE",
    "æ": "ae",
    "Œ": "OE",
    "œ": "oe",
    "Ø": "O",
    "ø": "o",
    "Đ": "D",
    "đ": "d",
    "Ð": "D",
    "ð": "d",
    "Ł": "L",
    "ł": "l",
    "Þ": "TH",
    "þ": "th",
    "\u0131": "i",  # dotless i
    "Ħ": "H",
    "ħ": "h",
    "Ŧ": "T",
    "ŧ": "t",
}


MULTI = {k: v for k, v in _SPECIAL.items() if len(v) > 1}
ONE_TO_ONE = {k: v for k, v in _SPECIAL.items() if len(v) == 1}
_TABLE = str.maketrans(ONE_TO_ONE)


def fold(text: str) -> str:
    """What `productops_fold()` makes of `text` in the database."""
    if text.isascii():
        return text.lower()
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not "\u0300" <= c <= "\u036f")
    text = unicodedata.normalize("NFC", bare)
    for char, replacement in MULTI.items():
        text = text.replace(char, replacement)
    return text.translate(_TABLE).lower()


def function_sql() -> str:
    """The CREATE FUNCTION statement (the migration keeps the text it was created with).

    ASCII text (most feedback) only goes through lower(); other text is decomposed (NFD), its
    combining marks removed, recomposed (NFC, so other scripts come back whole), and the few
    letters without a decomposition mapped. All in C-speed built-ins: a translate() over a
    table of every accented letter cost 15x the tsvector itself on long bodies.
    """
    # The regular expression's own \u escapes: the combining diacritical marks.
    expression = r"normalize(regexp_replace(normalize(t, NFD), '[\u0300-\u036f]', '', 'g'), NFC)"
    for char, replacement in MULTI.items():
        expression = f"replace({expression}, '{char}', '{replacement}')"
    source, target = "".join(ONE_TO_ONE), "".join(ONE_TO_ONE.values())
    return (
        "CREATE OR REPLACE FUNCTION productops_fold(t text) RETURNS text\n"
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$\n"
        "    SELECT CASE WHEN octet_length(t) = length(t) THEN lower(t)\n"
        f"        ELSE lower(translate({expression}, '{source}', '{target}')) END\n"
        "$$;"
    )


class Fold(Func):
    """`productops_fold(expression)` in a query or a generated column."""

    function = "productops_fold"
    output_field = TextField()


def contains_folded(field: str, text: str) -> Contains:
    """`field` contains `text`, accents and case aside: a filter() argument."""
    return Contains(Fold(field), fold(text))
