"""Scoring: per-field scales, the scoring models, the safe formula evaluator and final scores.

Pure Python, no database: sessions (votes, the accepted score) and the workspace formulas
(planning.models.scoring.ScoringFormula) call into it. Every refusal is a `ScoringError` (a
`FormulaError` for formulas) with a message fit to show the person who typed the value.

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
  `Formula` (arithmetic, min, max, log, round: parsed with `ast` and walked over an allow-list,
  never `eval`).
"""

from __future__ import annotations

import ast
import math
import statistics
import warnings
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

SCORE_PLACES = Decimal("0.0001")
MAX_SCORE = 10.0**15  # scores are kept with 4 places in Decimal(20, 4) columns


class ScoringError(ValueError):
    """A value, vote or formula that cannot be scored; the message says why, for a person."""


class FormulaError(ScoringError):
    """A formula that is not one (or cannot be computed with these values)."""


# Scales


class ScaleKind(StrEnum):
    FIBONACCI = "fibonacci"
    TSHIRT = "tshirt"
    IMPORTANCE = "importance"
    ONE_TO_TEN = "one_to_ten"
    PERCENT = "percent"
    NUMBER = "number"


@dataclass(frozen=True)
class Scale:
    """What one field accepts. `choices` lists the values of a closed scale (label, value)."""

    kind: ScaleKind
    label: str
    choices: tuple[tuple[str, Decimal], ...] = ()
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    whole: bool = False

    @property
    def values(self) -> list[Decimal]:
        return [value for _, value in self.choices]

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.choices]

    def parse(self, raw: object) -> Decimal:
        """The numeric value of `raw` (a number, or a label such as "M"), or ScoringError."""
        if isinstance(raw, bool) or raw is None:
            raise ScoringError(f"Give a value on the {self.label} scale.")
        text = str(raw).strip()
        if len(text) > 40:
            raise ScoringError(f"That is too long for a value on the {self.label} scale.")
        for label, value in self.choices:
            if text.upper() == label.upper():
                return value
        number: Decimal | None
        try:
            number = Decimal(text.rstrip("%").strip() if self.kind == ScaleKind.PERCENT else text)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ScoringError(f"{text[:40]!r} is not a value on the {self.label} scale.")
        if self.choices:
            if number not in self.values:
                raise ScoringError(f"{self.label} accepts {', '.join(self.labels)}; not {text}.")
            return self.values[self.values.index(number)]
        if self.whole and number != number.to_integral_value():
            raise ScoringError(f"{self.label} takes whole numbers; not {text}.")
        if self.minimum is not None and number < self.minimum:
            raise ScoringError(f"{self.label} goes from {self.minimum}; {text} is below.")
        if self.maximum is not None and number > self.maximum:
            raise ScoringError(f"{self.label} goes up to {self.maximum}; {text} is above.")
        return number

    def display(self, value: Decimal | float) -> str:
        """How a value reads on this scale: the label of a closed scale, else the number."""
        number = Decimal(str(value))
        for label, choice in self.choices:
            if choice == number:
                return label
        text = format(number.normalize(), "f")
        return f"{text}%" if self.kind == ScaleKind.PERCENT else text

    def nearest(self, value: Decimal | float) -> Decimal:
        """The accepted value nearest `value`; a tie goes up (the cautious estimate)."""
        number = Decimal(str(value))
        if not self.choices:
            if self.minimum is not None:
                number = max(number, self.minimum)
            if self.maximum is not None:
                number = min(number, self.maximum)
            return number
        return min(self.values, key=lambda choice: (abs(choice - number), -choice))


def _numbers(*values: int | str) -> tuple[tuple[str, Decimal], ...]:
    return tuple((str(value), Decimal(str(value))) for value in values)


SCALES: dict[str, Scale] = {
    ScaleKind.FIBONACCI: Scale(
        ScaleKind.FIBONACCI, "Fibonacci", _numbers(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89)
    ),
    # T-shirt sizes read as numbers so medians and formulas work; the labels are what people see.
    ScaleKind.TSHIRT: Scale(
        ScaleKind.TSHIRT,
        "T-shirt size",
        tuple(
            (label, Decimal(value))
            for label, value in [("XS", 1), ("S", 2), ("M", 3), ("L", 5), ("XL", 8), ("XXL", 13)]
        ),
    ),
    ScaleKind.IMPORTANCE: Scale(ScaleKind.IMPORTANCE, "Importance (0-3)", _numbers(0, 1, 2, 3)),
    ScaleKind.ONE_TO_TEN: Scale(ScaleKind.ONE_TO_TEN, "1-10", _numbers(*range(1, 11))),
    ScaleKind.PERCENT: Scale(
        ScaleKind.PERCENT, "Percent", minimum=Decimal(0), maximum=Decimal(100)
    ),
    ScaleKind.NUMBER: Scale(
        ScaleKind.NUMBER, "Number", minimum=Decimal(0), maximum=Decimal(10) ** 12
    ),
}
SCALE_CHOICES = [(kind.value, SCALES[kind].label) for kind in ScaleKind]


def scale(kind: str) -> Scale:
    try:
        return SCALES[ScaleKind(kind)]
    except ValueError:
        raise ScoringError(f"There is no {kind[:40]!r} scale.") from None


# The formula evaluator

MAX_FORMULA_LENGTH = 500
MAX_FORMULA_DEPTH = 20
MAX_FORMULA_NODES = 200
MAX_ROUND_DIGITS = 10
FUNCTIONS = ("min", "max", "log", "round")
_OPERATORS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _log(*args: float) -> float:
    if len(args) not in (1, 2):
        raise FormulaError("log takes a number and optionally a base: log(x) or log(x, 10).")
    if args[0] <= 0:
        raise FormulaError("log needs a number above zero.")
    if len(args) == 2 and (args[1] <= 0 or args[1] == 1):
        raise FormulaError("log's base must be above zero and not 1.")
    return math.log(*args)


def _round(*args: float) -> float:
    if len(args) not in (1, 2):
        raise FormulaError("round takes a number and optionally the digits: round(x, 2).")
    digits = 0
    if len(args) == 2:
        if args[1] != int(args[1]) or not 0 <= args[1] <= MAX_ROUND_DIGITS:
            raise FormulaError(f"round's digits must be a whole number 0-{MAX_ROUND_DIGITS}.")
        digits = int(args[1])
    return float(round(args[0], digits))


def _extreme(name: str, pick):
    def apply(*args: float) -> float:
        if not args:
            raise FormulaError(f"{name} needs at least one value.")
        return pick(args)

    return apply


_CALLS = {"min": _extreme("min", min), "max": _extreme("max", max), "log": _log, "round": _round}


class Formula:
    """A formula over named fields, checked once and evaluated many times.

    Only numbers, the names given, + - * /, unary minus, parentheses and min/max/log/round
    calls are accepted; anything else (attributes, subscripts, strings, comparisons, lambdas,
    keywords, other names) is refused when the formula is read, before anything is evaluated.
    """

    def __init__(self, expression: str, names: Iterable[str]) -> None:
        self.expression = expression
        self.names = frozenset(names)
        self.tree = _parse(expression, self.names)
        self.used_names = frozenset(
            node.id
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Name) and node.id in self.names
        )

    def evaluate(self, values: Mapping[str, Decimal | float | int]) -> float:
        missing = sorted(self.used_names - values.keys())
        if missing:
            raise FormulaError(f"No value for {', '.join(missing)}.")
        numbers: dict[str, float] = {}
        for name in self.used_names:
            try:
                number = float(values[name])
            except (TypeError, ValueError, OverflowError, ArithmeticError):
                raise FormulaError(f"{name} is not a number.") from None
            if not math.isfinite(number):
                raise FormulaError(f"{name} is not a finite number.")
            numbers[name] = number
        try:
            result = _evaluate(self.tree.body, numbers)
        except ZeroDivisionError:
            raise FormulaError("The formula divides by zero with these values.") from None
        except (OverflowError, ValueError) as error:
            if isinstance(error, FormulaError):
                raise
            raise FormulaError("The formula's result is too large to compute.") from None
        if not math.isfinite(result):
            raise FormulaError("The formula's result is too large to compute.")
        return result


def _parse(expression: str, names: frozenset[str]) -> ast.Expression:
    if not isinstance(expression, str) or not expression.strip():
        raise FormulaError("Write a formula, such as (value * reach) / effort.")
    if len(expression) > MAX_FORMULA_LENGTH:
        raise FormulaError(f"A formula may be at most {MAX_FORMULA_LENGTH} characters long.")
    try:
        with warnings.catch_warnings(action="ignore"):  # "1and": a SyntaxWarning, not our news
            tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise FormulaError("This is not a formula: check the brackets and operators.") from None
    nodes = 0

    def check(node: ast.AST, depth: int) -> None:
        nonlocal nodes
        nodes += 1
        if depth > MAX_FORMULA_DEPTH:
            raise FormulaError(f"A formula may nest at most {MAX_FORMULA_DEPTH} levels deep.")
        if nodes > MAX_FORMULA_NODES:
            raise FormulaError(f"A formula may have at most {MAX_FORMULA_NODES} parts.")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise FormulaError("A formula holds numbers and field names only.")
            try:
                finite = math.isfinite(float(node.value))
            except OverflowError:
                finite = False
            if not finite:
                raise FormulaError("A number in the formula is too large.")
        elif isinstance(node, ast.Name):
            if node.id not in names:
                known = ", ".join(sorted(names)) or "none yet"
                raise FormulaError(f"Unknown name {node.id[:40]!r}; the fields are: {known}.")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _OPERATORS:
                raise FormulaError("A formula may use + - * / and brackets only.")
            check(node.left, depth + 1)
            check(node.right, depth + 1)
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.USub | ast.UAdd):
                raise FormulaError("A formula may use + - * / and brackets only.")
            check(node.operand, depth + 1)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _CALLS:
                raise FormulaError(f"A formula may call only {', '.join(FUNCTIONS)}.")
            if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
                raise FormulaError(f"Call {node.func.id} with plain values: {node.func.id}(a, b).")
            if not node.args:
                raise FormulaError(f"{node.func.id} needs at least one value.")
            for arg in node.args:
                check(arg, depth + 1)
        else:
            raise FormulaError("A formula holds numbers, field names, + - * / and calls only.")

    check(tree.body, 1)
    return tree


def _evaluate(node: ast.AST, values: dict[str, float]) -> float:
    # Only the node types _parse let through can reach here.
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        result = _OPERATORS[type(node.op)](
            _evaluate(node.left, values), _evaluate(node.right, values)
        )
        if not math.isfinite(result):
            raise OverflowError
        return result
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return _CALLS[node.func.id](*(_evaluate(arg, values) for arg in node.args))
    raise FormulaError("A formula holds numbers, field names, + - * / and calls only.")


# Scoring models


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


# Dot voting


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


# The suggested final value


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
