"""Scoring scales: what one estimated field accepts, and the errors every scoring step raises.

Pure Python, no database. Every refusal in scoring (planning.scoring, planning.formula) is a
`ScoringError` (a `FormulaError` for formulas) with a message fit to show the person who typed
the value. The scales: Fibonacci, T-shirt sizes (read as numbers so medians and formulas work),
importance 0-3, 1-10, percent and plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class ScoringError(ValueError):
    """A value, vote or formula that cannot be scored; the message says why, for a person."""


class FormulaError(ScoringError):
    """A formula that is not one (or cannot be computed with these values)."""


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
