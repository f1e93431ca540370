"""Trigram similarity in Python, giving exactly the scores of pg_trgm's `similarity()`.

Duplicate candidates rank a short list of full-text matches by it. Computed here, not in SQL, so
it costs the same on every server: the embedded Postgres (the pgserver wheel) has no pg_trgm, and
its plain-SQL stand-in (`feedback_similarity_plain`, migration 0002) takes milliseconds a pair;
here a batch computes each text's trigrams once and a pair costs a set intersection.

The measure is pg_trgm's (contrib/pg_trgm/trgm_op.c, `generate_trgm` and `cnt_sml`): the text is
split into words of letters and digits, each word lower-cased and padded with two spaces in
front and one behind, and every run of three characters is a trigram; the score is the number
of distinct trigrams two texts share over the number either has, as a 4-byte float (`real`).
`tests/feedback/test_similarity.py` checks it against the server's own `feedback_similarity()`.
"""

import struct
from collections.abc import Iterable

import regex

# A word is a run of letters and digits (pg_trgm's KEEPONLYALNUM: the C library's `iswalnum`).
# glibc's alnum class is Unicode's Alphabetic property (letters, letter numbers such as Ⅻ, the
# vowel signs of Indic scripts, circled letters) plus decimal digits; Python's `\w` differs
# (it takes ½ and _, splits "हिन्दी" at its vowel signs). Only characters newer than the server's
# Unicode tables can still differ.
_WORD = regex.compile(r"[\p{Alphabetic}\p{Nd}]+")
# Postgres lowers character by character (`towlower`); Python's lower() also applies the two
# special casings of Unicode (a word-final Σ becomes ς, İ becomes i + a combining dot).
_SIMPLE_CASE = str.maketrans(
    {"\N{GREEK CAPITAL LETTER SIGMA}": "\N{GREEK SMALL LETTER SIGMA}", "İ": "i"}
)
_REAL = struct.Struct("f")

Trigrams = frozenset[str]


def trigrams(text: str) -> Trigrams:
    """The distinct trigrams of `text`, as pg_trgm's `show_trgm()` lists them."""
    found: set[str] = set()
    for word in _WORD.findall(text.translate(_SIMPLE_CASE)):
        padded = f"  {word.lower()} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(found)


def similarity(a: Trigrams, b: Trigrams) -> float:
    """Shared over all distinct trigrams, 0 when either text has none: 0.0 .. 1.0.

    Exactly the 4-byte float pg_trgm computes, so a score compares with a threshold (and with
    another score) as it does in SQL: 9/20 is 0.449999988..., below 0.45. (Rounding the double
    quotient to 4 bytes gives the 4-byte quotient: double rounding is harmless for a division
    when the wider type has at least 2p + 2 bits, 53 >= 2 * 24 + 2.)
    """
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return _as_real(shared / (len(a) + len(b) - shared))


def best_matches(
    text: Trigrams, others: Iterable[tuple[int, Trigrams]], *, threshold: float, limit: int
) -> list[tuple[int, float]]:
    """(id, score as printed) of the `others` whose similarity to `text` reaches `threshold`
    (above 0), best first, at most `limit`. Equal scores put the higher id first, as SQL's
    `ORDER BY score DESC, id DESC` did. Most pairs fall short: the double quotient alone tells."""
    # 4-byte rounding moves a quotient by less than 2**-24 of itself, so below this floor no
    # rounding can reach the threshold.
    floor = threshold * (1 - 2**-23)
    scored = []
    for key, other in others:
        shared = len(text & other)
        if (
            shared
            and shared / (len(text) + len(other) - shared) >= floor
            and (score := similarity(text, other)) >= threshold
        ):
            scored.append((score, key))
    scored.sort(reverse=True)
    return [(key, as_printed(score)) for score, key in scored[:limit]]


def as_printed(score: float) -> float:
    """The score as Postgres prints a `real` (the shortest decimal that reads back as the same
    4-byte float) and the driver reads it: 0.86206895, not 0.8620689511299133. Stored scores are
    these, as when SQL ranked the candidates."""
    for digits in range(1, 10):  # 9 significant digits always read back (IEEE 754)
        printed = float(f"{score:.{digits}g}")
        if _as_real(printed) == score:
            return printed
    return score


def _as_real(value: float) -> float:
    return _REAL.unpack(_REAL.pack(value))[0]
