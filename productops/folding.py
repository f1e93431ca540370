"""Accent folding for search: "cafe" finds "café" and "Muller" finds "Müller", both ways.

The embedded Postgres (the pgserver wheel) has no contrib modules, so no `unaccent`; and
`unaccent()` is not IMMUTABLE, so it could not feed a generated column anyway. Folding is done by
one plain-SQL IMMUTABLE function, `productops_fold(text)` (migration
productops/0006_fold_function), used in generated search columns and in queries, and by its
Python twin `fold()` for the text a person types. A test holds the two equal character by
character.

Folding maps Latin letters with diacritics to their base letters (é -> e, ß -> ss, Æ -> AE,
ø -> o, ł -> l) and lower-cases the result. Other scripts pass through unchanged.
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


def _single_letter_folds() -> dict[str, str]:
    """Latin-1 Supplement, Latin Extended-A/B and Latin Extended Additional letters that
    decompose (NFKD) to one ASCII letter plus combining marks."""
    folds = {}
    for codepoint in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        char = chr(codepoint)
        if char in _SPECIAL:
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if len(base) == 1 and base.isascii() and base.isalpha():
            folds[char] = base
    return folds


SINGLE = _single_letter_folds()
MULTI = {k: v for k, v in _SPECIAL.items() if len(v) > 1}
_TABLE = str.maketrans({**SINGLE, **_SPECIAL})


def fold(text: str) -> str:
    """What `productops_fold()` makes of `text` in the database."""
    return text.translate(_TABLE).lower()


def function_sql() -> str:
    """The CREATE FUNCTION statement (the migration keeps the text it was created with)."""
    one_to_one = {**SINGLE, **{k: v for k, v in _SPECIAL.items() if len(v) == 1}}
    expression = "t"
    for char, replacement in MULTI.items():
        expression = f"replace({expression}, '{char}', '{replacement}')"
    source = "".join(one_to_one)
    target = "".join(one_to_one.values())
    return (
        "CREATE OR REPLACE FUNCTION productops_fold(t text) RETURNS text\n"
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$\n"
        f"    SELECT lower(translate({expression},\n"
        f"        '{source}',\n"
        f"        '{target}'))\n"
        "$$;"
    )


class Fold(Func):
    """`productops_fold(expression)` in a query or a generated column."""

    function = "productops_fold"
    output_field = TextField()


def contains_folded(field: str, text: str) -> Contains:
    """`field` contains `text`, accents and case aside: a filter() argument."""
    return Contains(Fold(field), fold(text))
