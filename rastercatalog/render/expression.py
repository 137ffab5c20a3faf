"""Band math: `expression=(b4-b3)/(b4+b3)` parsed, checked against an allow-list, evaluated on arrays.

Nothing a client writes is ever run as Python. The text is bounded (length, then bracket depth by a
linear scan, before Python's parser sees it: the parser is recursive and slow on 10,000-deep
nesting), parsed with `ast.parse(mode="eval")`, and every node of the tree is checked against the
allow-list below (arithmetic, comparisons, `and`/`or`/`not`, `&`/`|`/`~` on conditions, a few
functions of fixed arity, the names b1…bN of the raster's bands, finite number literals). The
exponent of `**` must be a number literal, so `9**9**9` is refused instead of computed. The checked
tree is then evaluated node by node with numpy (bandmath.py).

Types are checked too: arithmetic and comparisons take numbers, `where`'s first argument and
`and`/`or`/`not`/`&`/`|`/`~` take conditions, so a wrong expression is a 400 that says where, not a
numpy error later. A condition as the whole expression gives 1 and 0.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import ExpressionInvalid

MAX_LENGTH = 1000
MAX_DEPTH = 32  # brackets, and nodes from the root to a leaf
MAX_NODES = 256
MAX_EXPONENT = 16
# name -> (fewest arguments, most arguments)
FUNCTIONS = {
    "where": (3, 3),
    "abs": (1, 1),
    "sqrt": (1, 1),
    "log": (1, 1),
    "log10": (1, 1),
    "exp": (1, 1),
    "clip": (3, 3),
    "min": (2, 8),
    "max": (2, 8),
}
ARITHMETIC = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.Pow: np.power,
}
LOGICAL = {ast.BitAnd: np.logical_and, ast.BitOr: np.logical_or}
COMPARISONS = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
NUMBER, CONDITION = "number", "condition"


@dataclass(frozen=True)
class Expression:
    """A checked expression: its canonical text and the bands it reads (1-based, ascending)."""

    text: str
    bands: tuple[int, ...]
    tree: ast.expr = field(compare=False, repr=False)


def expression_parse(text: str, *, band_count: int | None) -> Expression:
    """Check `text` against the allow-list for a raster of `band_count` bands; raise ExpressionInvalid.

    `band_count` None: any band number (a mosaic's rasters are checked one by one when drawn).
    """
    text = text.strip()
    if not text:
        raise _invalid("it is empty")
    if len(text) > MAX_LENGTH:
        raise _invalid(f"it is {len(text)} characters long, more than the limit of {MAX_LENGTH}")
    _check_brackets(text)
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise _invalid(f"it does not parse at character {exc.offset or 0}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise _invalid("it does not parse") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise _invalid(f"it has {nodes} terms, more than the limit of {MAX_NODES}")
    bands: set[int] = set()
    _check(tree, band_count=band_count, bands=bands, depth=0)
    if not bands:
        raise _invalid(f"it reads no band: use {_band_names(band_count)}")
    return Expression(text=ast.unparse(tree), bands=tuple(sorted(bands)), tree=tree)


def _invalid(why: str) -> ExpressionInvalid:
    return ExpressionInvalid(f"parameter expression is invalid: {why}")


def _check_brackets(text: str) -> None:
    depth = 0
    for position, character in enumerate(text, start=1):
        if character in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise _invalid(f"brackets nest deeper than {MAX_DEPTH} at character {position}")
        elif character in ")]}":
            depth -= 1


def _where(node: ast.AST) -> str:
    return f"at character {getattr(node, 'col_offset', 0) + 1}"


def _check(node: ast.AST, *, band_count: int | None, bands: set[int], depth: int) -> str:
    """Check one node and its children; return the kind of value it gives (number or condition)."""
    if depth > MAX_DEPTH:
        raise _invalid(f"it nests deeper than {MAX_DEPTH} terms {_where(node)}")

    def child(sub: ast.AST, kind: str, role: str) -> None:
        found = _check(sub, band_count=band_count, bands=bands, depth=depth + 1)
        if found != kind:
            raise _invalid(f"{role} {_where(sub)} must be a {kind}, not a {found}")

    if isinstance(node, ast.Constant):
        _number(node)
        return NUMBER
    if isinstance(node, ast.Name):
        bands.add(_band(node, band_count))
        return NUMBER
    if isinstance(node, ast.BinOp):
        if type(node.op) in LOGICAL:
            child(node.left, CONDITION, "each side of & and |")
            child(node.right, CONDITION, "each side of & and |")
            return CONDITION
        if type(node.op) not in ARITHMETIC:
            raise _invalid(f"operator {_symbol(node.op)} {_where(node)} is not allowed")
        if isinstance(node.op, ast.Pow):
            _exponent(node.right)
        child(node.left, NUMBER, "each side of an arithmetic operator")
        child(node.right, NUMBER, "each side of an arithmetic operator")
        return NUMBER
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not | ast.Invert):
            child(node.operand, CONDITION, "what not and ~ negate")
            return CONDITION
        child(node.operand, NUMBER, "what a sign applies to")
        return NUMBER
    if isinstance(node, ast.Compare):
        for operator in node.ops:
            if type(operator) not in COMPARISONS:
                raise _invalid(f"comparison {_symbol(operator)} {_where(node)} is not allowed")
        for operand in (node.left, *node.comparators):
            child(operand, NUMBER, "each side of a comparison")
        return CONDITION
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            child(value, CONDITION, "each side of and and or")
        return CONDITION
    if isinstance(node, ast.Call):
        return _check_call(node, child)
    raise _invalid(f"{_describe(node)} {_where(node)} is not allowed")


def _check_call(node: ast.Call, child) -> str:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in FUNCTIONS:
        shown = name or _describe(node.func)
        raise _invalid(
            f"function {shown} {_where(node)} is not allowed: use {', '.join(sorted(FUNCTIONS))}"
        )
    if node.keywords:
        raise _invalid(f"{name} {_where(node)} takes no keyword arguments")
    fewest, most = FUNCTIONS[name]
    if not fewest <= len(node.args) <= most:
        count = str(fewest) if fewest == most else f"{fewest} to {most}"
        plural = "" if count == "1" else "s"
        raise _invalid(
            f"{name} {_where(node)} takes {count} argument{plural}, not {len(node.args)}"
        )
    for position, argument in enumerate(node.args):
        if isinstance(argument, ast.Starred):
            raise _invalid(f"{name} {_where(node)} takes no * arguments")
        kind = CONDITION if name == "where" and position == 0 else NUMBER
        child(argument, kind, f"argument {position + 1} of {name}")
    return NUMBER


def _number(node: ast.Constant) -> float:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f"{_describe(node)} {_where(node)} is not allowed: only numbers")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _invalid(f"the number {_where(node)} is too large")
    return number


def _exponent(node: ast.AST) -> None:
    operand, sign = node, 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand, sign = node.operand, -1.0 if isinstance(node.op, ast.USub) else 1.0
    if not isinstance(operand, ast.Constant) or abs(sign * _number(operand)) > MAX_EXPONENT:
        raise _invalid(
            f"the exponent of ** {_where(node)} must be a number from -{MAX_EXPONENT} to "
            f"{MAX_EXPONENT}"
        )


def _band_names(band_count: int | None) -> str:
    return "b1, b2, …" if band_count is None else f"b1 to b{band_count}"


def _band(node: ast.Name, band_count: int | None) -> int:
    name = node.id
    if len(name) > 1 and name[0] == "b" and name[1:].isdigit() and name[1] != "0":
        number = int(name[1:])
        if band_count is None or number <= band_count:
            return number
        raise _invalid(
            f"band {name} {_where(node)} does not exist: this raster has b1 to b{band_count}"
        )
    raise _invalid(
        f"name {name!r} {_where(node)} is not allowed: bands are {_band_names(band_count)}, "
        f"functions {', '.join(sorted(FUNCTIONS))}"
    )


_SYMBOLS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitXor: "^",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
}


def _symbol(operator: ast.AST) -> str:
    return _SYMBOLS.get(type(operator), type(operator).__name__)


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"attribute access (.{node.attr})"
    if isinstance(node, ast.Constant):
        return f"the literal {type(node.value).__name__}"
    return type(node).__name__
