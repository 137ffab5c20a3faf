"""STAC's filter: CQL2 text or JSON -> a Django Q over the queryables. The only importer of cql2
and pygeofilter.

cql2 (the reference parser) reads and checks both encodings against the CQL2 standard and gives
its JSON form; pygeofilter turns that into an AST and its Django backend into lookups. What the
backend lacks for STAC is added here: the CQL2 temporal functions over an instant property
(`t_intersects`, `t_before`, `t_after`, `t_during`, `t_equals`), property names checked against
search/queryables.py (an unknown name would otherwise reach the ORM as a field path), and literals
checked against each property's type, so a wrong filter is a 400 naming it, never a SQL error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import cql2
from django.contrib.gis.geos import GEOSException
from django.db.models import F, Q, Value
from pygeofilter import ast, values
from pygeofilter.backends.django.evaluate import DjangoFilterEvaluator
from pygeofilter.backends.evaluator import handle
from pygeofilter.parsers.cql2_json import parse as parse_cql2_json

from ..errors import FilterInvalid, one_line
from .queryables import QUERYABLES

LANGUAGES = ("cql2-text", "cql2-json")
# cql2's parser recurses per nesting level: thousands of levels crash the process (a segfault,
# not an exception), so deeper filters are refused before it sees them.
MAX_DEPTH = 64
MAX_LENGTH = 100_000
KIND_BY_FIELD = {q.orm: q.kind for q in QUERYABLES.values()}
NAME_BY_FIELD = {q.orm: name for name, q in QUERYABLES.items()}
PYTHON_TYPES = {
    "string": (str,),
    "number": (int, float),
    "integer": (int, float),
    "boolean": (bool,),
    "datetime": (datetime, date),
}


def cql2_condition(expression: Any, *, language: str) -> Q:
    """The Q of a CQL2 filter in `language` (cql2-text: a string; cql2-json: an object or its
    text); FilterInvalid says what is wrong."""
    if language not in LANGUAGES:
        raise FilterInvalid(f"filter-lang {language!r} is not supported: use one of {LANGUAGES}")
    _check_size(expression)
    try:
        if language == "cql2-text":
            if not isinstance(expression, str):
                raise FilterInvalid("a cql2-text filter is a string")
            parsed = cql2.parse_text(expression)
        else:
            text = expression if isinstance(expression, str) else json.dumps(expression)
            parsed = cql2.parse_json(text)
        parsed.validate()
        tree = parse_cql2_json(_pygeofilter_form(parsed.to_json()))
    except FilterInvalid:
        raise
    except Exception as exc:  # cql2's ParseError/ValidationError, pygeofilter's ValueError
        raise FilterInvalid(f"not valid {language}: {one_line(exc, 300)}") from exc
    try:
        condition = StacFilterEvaluator().evaluate(tree)
    except FilterInvalid:
        raise
    except (
        GEOSException,
        ValueError,
        TypeError,
        AssertionError,
        NotImplementedError,
        RecursionError,
    ) as exc:
        raise FilterInvalid(f"cannot apply this filter: {one_line(exc, 300)}") from exc
    if not isinstance(condition, Q):
        raise FilterInvalid("the filter is not a condition (a comparison, a predicate…)")
    return condition


def _check_size(expression: Any) -> None:
    """Refuse filters longer than MAX_LENGTH or nested deeper than MAX_DEPTH (without recursing)."""
    if isinstance(expression, str):
        if len(expression) > MAX_LENGTH:
            raise FilterInvalid(f"the filter is longer than {MAX_LENGTH} characters")
        depth = deepest = 0
        for character in expression:
            depth += (character in "([{") - (character in ")]}")
            deepest = max(deepest, depth)
    else:
        deepest, stack = 0, [(expression, 1)]
        while stack:
            node, depth = stack.pop()
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break
            children = node.values() if isinstance(node, dict) else node
            if isinstance(node, dict | list):
                stack.extend((child, depth + 1) for child in children)
    if deepest > MAX_DEPTH:
        raise FilterInvalid(f"the filter is nested deeper than {MAX_DEPTH} levels")


def _pygeofilter_form(node: Any) -> Any:
    # CQL2 1.0 writes between as [property, low, high]; pygeofilter reads [property, [low, high]].
    if isinstance(node, list):
        return [_pygeofilter_form(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _pygeofilter_form(value) for key, value in node.items()}
    if node.get("op") == "between" and len(node.get("args", [])) == 3:
        node["args"] = [node["args"][0], node["args"][1:]]
    return node


@dataclass(frozen=True)
class CaseInsensitive:
    """CASEI(property): compared with iexact, matched with iregex."""

    field: F


class StacFilterEvaluator(DjangoFilterEvaluator):
    """pygeofilter's Django evaluator over the queryables, with typed literals and CQL2 time."""

    def __init__(self) -> None:
        super().__init__({name: q.orm for name, q in QUERYABLES.items()}, None)

    @handle(ast.Attribute)
    def attribute(self, node):
        if node.name not in QUERYABLES:
            known = ", ".join(QUERYABLES)
            raise FilterInvalid(f"unknown property {node.name!r}: queryables are {known}")
        return F(QUERYABLES[node.name].orm)

    @handle(ast.Function)
    def function(self, node, *arguments):
        # CASEI(x) arrives from pygeofilter as lower(x): the only function CQL2 asks of us.
        if node.name != "lower" or len(arguments) != 1:
            raise FilterInvalid(f"function {node.name!r} is not supported: CASEI is")
        (argument,) = arguments
        if isinstance(argument, F) and KIND_BY_FIELD.get(argument.name) == "string":
            return CaseInsensitive(argument)
        value = argument.value if isinstance(argument, Value) else argument
        if isinstance(value, str):
            return Value(value.lower())
        raise FilterInvalid("CASEI takes a text property or a string")

    @handle(ast.Comparison, subclasses=True)
    def comparison(self, node, lhs, rhs):
        if isinstance(lhs, CaseInsensitive) and isinstance(rhs, Value):
            if not isinstance(node, ast.Equal | ast.NotEqual) or not isinstance(rhs.value, str):
                raise FilterInvalid("CASEI(property) compares with = or <> to CASEI('text')")
            condition = Q(**{f"{lhs.field.name}__iexact": rhs.value})
            return condition if isinstance(node, ast.Equal) else ~condition
        _check_kinds(lhs, [rhs], ("string", "number", "integer", "boolean", "datetime"))
        return super().comparison(node, *_as_datetimes(lhs, [rhs]))

    @handle(ast.Between)
    def between(self, node, lhs, low, high):
        _check_kinds(lhs, [low, high], ("number", "integer", "datetime", "string"))
        return super().between(node, *_as_datetimes(lhs, [low, high]))

    @handle(ast.Like)
    def like(self, node, lhs):
        # pygeofilter's Django `like` splits on % into startswith/contains/endswith, which ignores
        # the order of the parts and the `_` wildcard: a regular expression says exactly LIKE.
        insensitive = isinstance(lhs, CaseInsensitive)
        field = lhs.field if insensitive else lhs
        _check_kinds(field, [], ("string",))
        pattern = node.pattern
        if isinstance(pattern, ast.Function) and pattern.name == "lower":
            pattern = pattern.arguments[0] if len(pattern.arguments) == 1 else None
        if not isinstance(pattern, str):
            raise FilterInvalid("LIKE takes a pattern string (or CASEI of one)")
        lookup = "iregex" if insensitive else "regex"
        condition = Q(**{f"{field.name}__{lookup}": like_regex(pattern)})
        return ~condition if node.not_ else condition

    @handle(ast.In)
    def in_(self, node, lhs, *options):
        _check_kinds(lhs, list(options), ("string", "number", "integer", "boolean"))
        return super().in_(node, lhs, *options)

    @handle(ast.IsNull)
    def null(self, node, lhs):
        _check_kinds(lhs, [], tuple(PYTHON_TYPES) + ("geometry",))
        return super().null(node, lhs)

    @handle(ast.SpatialComparisonPredicate, subclasses=True)
    def spatial_operation(self, node, lhs, rhs):
        field, other = (lhs, rhs) if isinstance(lhs, F) else (rhs, lhs)
        if not isinstance(field, F) or KIND_BY_FIELD.get(field.name) != "geometry":
            raise FilterInvalid(f"{node.op.name.lower()} compares the geometry with a geometry")
        if isinstance(other, F):
            raise FilterInvalid("spatial functions compare the geometry with a literal geometry")
        return super().spatial_operation(node, lhs, rhs)

    @handle(ast.TemporalPredicate, subclasses=True)
    def temporal(self, node, lhs, rhs):
        if not isinstance(lhs, F) or KIND_BY_FIELD.get(lhs.name) != "datetime":
            raise FilterInvalid("temporal functions take a time property first (datetime…)")
        start, end = _time_span(rhs)
        field = lhs.name
        if isinstance(node, ast.TimeBefore):
            return Q(**{f"{field}__lt": start})
        if isinstance(node, ast.TimeAfter):
            return Q(**{f"{field}__gt": end})
        if isinstance(node, ast.TimeOverlaps | ast.TimeDuring | ast.TimeEquals):
            # An instant property intersects (or lies during, or equals) [start, end].
            bounds = Q()
            if start is not None:
                bounds &= Q(**{f"{field}__gte": start})
            if end is not None:
                bounds &= Q(**{f"{field}__lte": end})
            return bounds & Q(**{f"{field}__isnull": False})
        op = type(node).__name__
        raise FilterInvalid(f"{op} is not supported: use t_intersects, t_before or t_after")

    @handle(values.Interval)
    def interval(self, node, start, end):
        return Value((start, end))

    @handle(type(None))
    def open_end(self, node):
        return None  # ".." in an interval


def like_regex(pattern: str) -> str:
    """A CQL2 LIKE pattern (% any characters, _ one, backslash escapes) as an anchored regex."""
    parts, escaped = ["^"], False
    for character in pattern:
        if escaped:
            parts.append(re.escape(character))
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == "%":
            parts.append(".*")
        elif character == "_":
            parts.append(".")
        else:
            parts.append(re.escape(character))
    return "".join(parts) + "$"


def _check_kinds(lhs: Any, literals: list, kinds: tuple[str, ...]) -> None:
    if not isinstance(lhs, F):
        raise FilterInvalid("a comparison starts with a property name")
    kind, name = KIND_BY_FIELD.get(lhs.name), NAME_BY_FIELD.get(lhs.name, lhs.name)
    if kind not in kinds:
        raise FilterInvalid(f"property {name!r} ({kind}) cannot be used this way")
    for literal in literals:
        if isinstance(literal, F):
            continue
        value = literal.value if isinstance(literal, Value) else literal
        expected = PYTHON_TYPES[kind]
        wrong = not isinstance(value, expected) or (isinstance(value, bool) and kind != "boolean")
        if wrong:
            raise FilterInvalid(f"property {name!r} is a {kind}: {value!r} is not one")


def _as_datetimes(lhs: F, literals: list) -> list:
    # A date compared with a time property means midnight UTC of that day.
    if KIND_BY_FIELD.get(lhs.name) != "datetime":
        return [lhs, *literals]
    return [lhs, *(Value(_instant(v.value)) if isinstance(v, Value) else v for v in literals)]


def _instant(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), tzinfo=UTC)
    return value


def _time_span(literal: Any) -> tuple[datetime | None, datetime | None]:
    """An instant, a date (that whole UTC day) or an interval as (start, end), both included."""
    value = literal.value if isinstance(literal, Value) else literal
    if isinstance(value, tuple):
        start, end = (v.value if isinstance(v, Value) else v for v in value)
        if isinstance(start, timedelta) or isinstance(end, timedelta):
            raise FilterInvalid("intervals with a duration are not supported")
        first = _time_span(start)[0] if start is not None else None
        last = _time_span(end)[1] if end is not None else None
        return first, last
    if isinstance(value, datetime):
        return value, value
    if isinstance(value, date):
        midnight = datetime.combine(value, time(), tzinfo=UTC)
        return midnight, midnight + timedelta(days=1) - timedelta(microseconds=1)
    raise FilterInvalid(f"a temporal function needs a timestamp, date or interval, not {value!r}")
