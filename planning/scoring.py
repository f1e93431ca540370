"""Scoring: the scoring models, dot voting and the suggested final score.

Pure Python, no database: sessions (votes, the accepted score) and the workspace formulas
(planning.models.scoring.ScoringFormula) call into it. The scales each field is estimated on are
in planning.scales, the formula evaluator in planning.formula; every refusal is a
`planning.scales.ScoringError` with a message fit to show the person who typed the value.

The models and where their formulas come from:

- RICE (Intercom, Sean McBride, "RICE: Simple prioritization for product managers", 2016):
  reach x impact x confidence / effort. Reach is people or events per period, impact on
  Intercom's 0.25-3 scale (here the 0-3 importance scale), confidence a percent, effort in
  person-months.
- ICE (Sean Ellis, GrowthHackers; "Hacking Growth", Ellis and Brown, 2017): impact, confidence
  and ease each rated 1-10; the score is their average, as in Hacking Growth.
- WSJF (SAFe, Scaled Agile Framework, "Weighted Shortest Job First"): cost of delay / job size,
  where cost of delay = user-business value + time criticality + risk reduction and opportunity
  enablement, each estimated on the Fibonacci scale relative to the other items.
- Value / effort: value / effort, each 1-10 (the "value vs effort" 2x2 as a ratio).
- Dot voting: each person spreads a budget of dots over the items, at most a cap on one item;
  an item's score is its dots (`check_dots`, `dot_totals`).
- Workspace formulas: named fields on any scale and an expression over them, evaluated by
  `planning.formula.Formula` (arithmetic, min, max, log, round: parsed with `ast` and walked
  over an allow-list, never `eval`).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from planning.formula import Formula
from planning.scales import SCALES, FormulaError, Scale, ScaleKind, ScoringError

SCORE_PLACES = Decimal("0.0001")
MAX_SCORE = 10.0**15  # scores are kept with 4 places in Decimal(20, 4) columns


@dataclass(frozen=True)
class ScoreField:
    name: str
    label: str
    scale: ScaleKind
    help: str = ""

    @property
    def scale_info(self) -> Scale:
        return SCALES[self.scale]


@dataclass(frozen=True)
class ScoringModel:
    """A way to score an agenda item: fields people estimate and a formula joining them."""

    key: str
    name: str
    fields: tuple[ScoreField, ...]
    expression: str
    source: str = ""
    higher_is_better: bool = True
    formula: Formula = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "formula", Formula(self.expression, self.field_names))

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> ScoreField:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise ScoringError(f"{self.name} has no field {name[:40]!r}.")

    def parse(self, raw: Mapping[str, object]) -> dict[str, Decimal]:
        """Each field's value from what a person typed; every bad field named (ScoringError)."""
        values, problems = {}, []
        for score_field in self.fields:
            if raw.get(score_field.name) in (None, ""):
                problems.append(f"{score_field.label}: give a value.")
                continue
            try:
                values[score_field.name] = score_field.scale_info.parse(raw[score_field.name])
            except ScoringError as error:
                problems.append(f"{score_field.label}: {error}")
        if problems:
            raise ScoringError(" ".join(problems))
        return values

    def score(self, values: Mapping[str, object]) -> Decimal:
        """The score from the fields' values (numbers or labels), rounded to 4 places."""
        result = self.formula.evaluate(self.parse(values))
        if abs(result) >= MAX_SCORE:
            raise FormulaError("The score is too large to keep; check the values.")
        return Decimal(repr(result)).quantize(SCORE_PLACES)


RICE = ScoringModel(
    key="rice",
    name="RICE",
    source="Intercom (Sean McBride, 2016): reach x impact x confidence / effort",
    fields=(
        ScoreField("reach", "Reach", ScaleKind.NUMBER, "People or events per period"),
        ScoreField("impact", "Impact", ScaleKind.IMPORTANCE, "0 none, 1 low, 2 high, 3 massive"),
        ScoreField("confidence", "Confidence", ScaleKind.PERCENT, "How sure, in percent"),
        ScoreField("effort", "Effort", ScaleKind.FIBONACCI, "Person-months or points"),
    ),
    expression="reach * impact * (confidence / 100) / effort",
)
ICE = ScoringModel(
    key="ice",
    name="ICE",
    source="Sean Ellis (GrowthHackers; Hacking Growth, 2017): the average of the three",
    fields=(
        ScoreField("impact", "Impact", ScaleKind.ONE_TO_TEN),
        ScoreField("confidence", "Confidence", ScaleKind.ONE_TO_TEN),
        ScoreField("ease", "Ease", ScaleKind.ONE_TO_TEN),
    ),
    expression="(impact + confidence + ease) / 3",
)
WSJF = ScoringModel(
    key="wsjf",
    name="WSJF",
    source="SAFe: cost of delay (value + time criticality + risk reduction) / job size",
    fields=(
        ScoreField("business_value", "User-business value", ScaleKind.FIBONACCI),
        ScoreField("time_criticality", "Time criticality", ScaleKind.FIBONACCI),
        ScoreField("risk_reduction", "Risk reduction / opportunity", ScaleKind.FIBONACCI),
        ScoreField("job_size", "Job size", ScaleKind.FIBONACCI),
    ),
    expression="(business_value + time_criticality + risk_reduction) / job_size",
)
VALUE_EFFORT = ScoringModel(
    key="value_effort",
    name="Value / effort",
    source="Value divided by effort, each 1-10",
    fields=(
        ScoreField("value", "Value", ScaleKind.ONE_TO_TEN),
        ScoreField("effort", "Effort", ScaleKind.ONE_TO_TEN),
    ),
    expression="value / effort",
)
DOT_VOTING = ScoringModel(
    key="dot_voting",
    name="Dot voting",
    source="Each person spreads a budget of dots, at most a cap per item; the score is the dots",
    fields=(ScoreField("dots", "Dots", ScaleKind.NUMBER),),
    expression="dots",
)
# Sprint estimation scores one field, the story points; not offered to other kinds of session.
ESTIMATE = ScoringModel(
    key="estimate",
    name="Estimate",
    source="Story points on the Fibonacci scale",
    fields=(ScoreField("points", "Points", ScaleKind.FIBONACCI),),
    expression="points",
)
BUILT_IN: dict[str, ScoringModel] = {
    model.key: model for model in (RICE, ICE, WSJF, VALUE_EFFORT, DOT_VOTING)
}
FORMULA_KEY_PREFIX = "formula:"


def built_in(key: str) -> ScoringModel:
    try:
        return BUILT_IN[key]
    except KeyError:
        raise ScoringError(f"There is no scoring model {key[:40]!r}.") from None


def check_dots[Target: Hashable](allocation: Mapping[Target, int], *, budget: int, cap: int) -> int:
    """Checks one person's dots (target -> dots) against the budget and the cap per target.

    Returns the dots left to spend. Used by agenda dot voting and retro group votes alike.
    """
    problems = []
    for target, dots in allocation.items():
        if isinstance(dots, bool) or not isinstance(dots, int) or dots < 0:
            problems.append(f"Dots are whole numbers from 0 ({target}: {dots!r}).")
        elif dots > cap:
            problems.append(f"At most {cap} dots on one item; {dots} given.")
    if problems:
        raise ScoringError(" ".join(problems))
    spent = sum(allocation.values())
    if spent > budget:
        raise ScoringError(f"You have {budget} dots to spend; these take {spent}.")
    return budget - spent


def dot_totals(ballots: Iterable[Mapping[Hashable, int]]) -> Counter:
    """Dots per target over every person's allocation."""
    totals: Counter = Counter()
    for allocation in ballots:
        totals.update({target: dots for target, dots in allocation.items() if dots})
    return totals


@dataclass(frozen=True)
class FinalSuggestion:
    """What the votes suggest: median and mode, with the spread between low and high."""

    count: int
    median: Decimal
    mode: Decimal
    low: Decimal
    high: Decimal
    spread: Decimal
    suggested: Decimal

    @property
    def agreed(self) -> bool:
        return self.spread == 0


def suggest_final(
    values: Sequence[Decimal | float | int], scale: Scale | None = None
) -> FinalSuggestion:
    """The final value the votes suggest, for the facilitator to accept or change.

    The median resists one outlier; the mode is the most common vote (on a tie, the one nearest
    the median, then the higher). `suggested` is the median, moved to the nearest value the
    field's scale accepts when one is given (13 and 21 suggest 21, not 17). The spread is
    high - low: a wide spread is the cue to discuss and re-vote.
    """
    if not values:
        raise ScoringError("No votes to suggest a value from.")
    numbers = sorted(Decimal(str(value)) for value in values)
    median = Decimal(statistics.median(numbers))
    counts = Counter(numbers)
    top = max(counts.values())
    mode = min(
        (value for value, n in counts.items() if n == top),
        key=lambda value: (abs(value - median), -value),
    )
    low, high = numbers[0], numbers[-1]
    suggested = scale.nearest(median) if scale is not None else median
    return FinalSuggestion(
        count=len(numbers),
        median=median,
        mode=mode,
        low=low,
        high=high,
        spread=high - low,
        suggested=suggested,
    )
