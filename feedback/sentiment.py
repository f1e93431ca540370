"""A small lexicon sentiment scorer for customer feedback: no model, no third party.

Words carry a weight from -3 to +3; a negation ("not", "never", "doesn't"...) flips the sign of
the next few words, an intensifier ("very", "really") strengthens the next word, and "but"
makes what follows count more than what came before (people put the point after the "but").
The score is the sum squashed into -1..1; labels use a dead zone around 0, because most feedback
is matter-of-fact and calling it positive or negative would be noise.
"""

import math
import re
from dataclasses import dataclass

NEGATIVE_BELOW = -0.2
POSITIVE_ABOVE = 0.2
NEGATION_REACH = 3  # words after a negation whose sign it flips

# fmt: off
LEXICON: dict[str, float] = {
    # positive
    "love": 3, "loved": 3, "loving": 2.5, "amazing": 3, "awesome": 3, "excellent": 3,
    "fantastic": 3, "great": 2.5, "wonderful": 3, "perfect": 3, "brilliant": 3, "delight": 3,
    "delighted": 3, "delightful": 3, "good": 2, "nice": 2, "like": 1.5, "liked": 1.5,
    "likes": 1.5, "happy": 2.5, "glad": 2, "pleased": 2, "thanks": 1.5, "thank": 1.5,
    "helpful": 2, "useful": 2, "easy": 2, "easier": 1.5, "intuitive": 2, "fast": 1.5,
    "faster": 1.5, "quick": 1.5, "smooth": 2, "reliable": 2, "clean": 1.5, "clear": 1,
    "simple": 1.5, "works": 1, "worked": 1, "impressive": 2.5, "impressed": 2.5, "best": 3,
    "better": 1.5, "improved": 1.5, "improvement": 1, "recommend": 2, "enjoy": 2,
    "enjoyed": 2, "favorite": 2, "favourite": 2, "powerful": 2, "solid": 1.5, "elegant": 2,
    "valuable": 2, "appreciate": 2, "appreciated": 2, "saves": 1.5, "saved": 1.5,
    "beautiful": 2.5, "cool": 1.5, "superb": 3, "flawless": 3, "seamless": 2.5,
    "pleasant": 2, "fine": 0.5, "ok": 0.3, "okay": 0.3, "wow": 2, "kudos": 2.5,
    # negative
    "hate": -3, "hated": -3, "hates": -3, "awful": -3, "terrible": -3, "horrible": -3,
    "worst": -3, "bad": -2, "worse": -2, "poor": -2, "broken": -2.5, "break": -1.5,
    "breaks": -2, "bug": -1.5, "bugs": -1.5, "buggy": -2.5, "crash": -2.5, "crashes": -2.5,
    "crashed": -2.5, "crashing": -2.5, "error": -1.5, "errors": -1.5, "fail": -2,
    "fails": -2, "failed": -2, "failing": -2, "failure": -2, "slow": -2, "slower": -2,
    "sluggish": -2, "laggy": -2, "lag": -1.5, "freeze": -2, "freezes": -2, "frozen": -1.5,
    "confusing": -2, "confused": -1.5, "difficult": -1.5, "hard": -1, "annoying": -2.5,
    "annoyed": -2.5, "frustrating": -2.5, "frustrated": -2.5, "frustration": -2.5,
    "useless": -3, "unusable": -3, "disappointed": -2.5, "disappointing": -2.5,
    "missing": -1, "lacks": -1.5, "lacking": -1.5, "clunky": -2, "ugly": -2,
    "painful": -2.5, "pain": -2, "problem": -1.5, "problems": -1.5, "issue": -1,
    "issues": -1, "wrong": -1.5, "lost": -1.5, "lose": -1.5, "losing": -1.5,
    "impossible": -2, "cannot": -1, "unable": -1.5, "stuck": -1.5, "expensive": -1.5,
    "overpriced": -2, "cancel": -1.5, "cancelling": -2, "canceling": -2, "churn": -2,
    "unreliable": -2.5, "outage": -2.5, "down": -1, "nightmare": -3, "waste": -2.5,
    "wasted": -2.5, "mess": -2, "messy": -2, "sucks": -3, "ridiculous": -2.5,
    "unacceptable": -3, "angry": -2.5, "upset": -2, "sad": -2, "tedious": -2,
    "cumbersome": -2, "inconsistent": -1.5, "unclear": -1.5, "complicated": -1.5,
    "complaint": -1.5, "complain": -1.5, "regret": -2, "glitch": -1.5, "glitchy": -2,
    "timeout": -1.5, "timeouts": -1.5, "blocker": -2, "blocked": -1.5, "urgent": -1,
}

NEGATIONS = frozenset(
    "not no never none nobody nothing neither nor without hardly barely cant cannot dont "
    "doesnt didnt isnt arent wasnt werent wont wouldnt shouldnt couldnt havent hasnt hadnt "
    "aint".split()
)
INTENSIFIERS = {
    "very": 1.5, "really": 1.5, "extremely": 2.0, "so": 1.3, "super": 1.5, "incredibly": 2.0,
    "totally": 1.5, "completely": 1.6, "absolutely": 1.8, "quite": 1.2, "too": 1.3,
    "highly": 1.5, "particularly": 1.3, "slightly": 0.6, "somewhat": 0.7, "bit": 0.7,
}
# Neutral on their own, a complaint when negated: "doesn't load", "won't sync", "not working".
NEGATED_ONLY: dict[str, float] = {
    "work": -2.5, "working": -2.5, "load": -2, "loads": -2, "loading": -2, "sync": -2,
    "syncing": -2, "syncs": -2, "open": -1.5, "opens": -1.5, "save": -2, "start": -1.5,
    "starts": -1.5, "respond": -2, "responding": -2, "connect": -2, "show": -1.5,
    "showing": -1.5, "shows": -1.5, "update": -1.5, "updating": -1.5, "find": -1,
}
# fmt: on
CLAUSE_BREAKS = frozenset(".!?;")
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|[.!?;]")


@dataclass(frozen=True)
class SentimentScore:
    label: str  # negative, neutral or positive (feedback.models.Sentiment values)
    score: float  # -1 .. 1


def _tokens(text: str) -> list[str]:
    return [token.replace("'", "") for token in WORD.findall(text.lower())]


def score(text: str) -> SentimentScore:
    total = 0.0
    negate_left = 0
    boost = 1.0
    weight = 1.0  # after "but", what follows counts more
    for token in _tokens(text):
        if token in CLAUSE_BREAKS:
            negate_left, boost = 0, 1.0
            continue
        if token == "but":
            total *= 0.5
            weight = 1.5
            negate_left, boost = 0, 1.0
            continue
        if token in NEGATIONS:
            negate_left = NEGATION_REACH
            continue
        if token in INTENSIFIERS:
            boost *= INTENSIFIERS[token]
            continue
        value = LEXICON.get(token)
        if value is None and negate_left and token in NEGATED_ONLY:
            total += NEGATED_ONLY[token] * boost * weight
            negate_left, boost = 0, 1.0
            continue
        if value is not None:
            if negate_left:
                # "not good" is milder than "bad", "not bad" milder still.
                value = -value * 0.6 if value > 0 else -value * 0.4
            total += value * boost * weight
            boost = 1.0
        if negate_left:
            negate_left -= 1
    normalised = total / math.sqrt(total * total + 15) if total else 0.0
    normalised = round(normalised, 3)
    return SentimentScore(label=label_for(normalised), score=normalised)


def label_for(value: float) -> str:
    """The label of a score: what the scorer would call it (use it when clearing an override)."""
    if value <= NEGATIVE_BELOW:
        return "negative"
    if value >= POSITIVE_ABOVE:
        return "positive"
    return "neutral"
