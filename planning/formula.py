"""The safe formula evaluator: workspace formulas and the built-in models' expressions.

`Formula` reads an expression over named fields (arithmetic, min, max, log, round), parsed with
`ast` and walked over an allow-list, never `eval`; anything else is refused as a `FormulaError`
before anything is evaluated. Pure Python, no database.
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Iterable, Mapping
from decimal import Decimal

from planning.scales import FormulaError

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
