"""The parsing every query parameter shares: a bad value is a 400 that names the parameter."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from rest_framework.exceptions import ParseError

T = TypeVar("T")


class ParameterInvalid(ParseError):
    """A query parameter has a value the endpoint cannot use (400); the message names it."""

    default_code = "parameter_invalid"


def param_parse(
    query: dict | Any,
    name: str,
    parse: Callable[[str], T],
    *,
    default: T | None = None,
    expected: str = "",
) -> T | None:
    """Parse query[name] with `parse`; a ValueError becomes 400 naming the parameter and `expected`."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except (ValueError, TypeError, OverflowError) as exc:
        why = expected or str(exc)
        raise ParameterInvalid(f"parameter {name}={raw!r} is invalid: {why}") from None


def param_required(query: dict | Any, name: str, parse: Callable[[str], T], *, expected: str) -> T:
    """Like param_parse, but a missing or empty parameter is a 400 saying it is required."""
    value = param_parse(query, name, parse, expected=expected)
    if value is None:
        raise ParameterInvalid(f"parameter {name} is required")
    return value


def parse_float(text: str) -> float:
    """A finite float."""
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("expected a finite number")
    return value


def parse_float_list(text: str) -> list[float]:
    """Comma-separated finite floats (at least one)."""
    return [parse_float(part) for part in _split(text)]


def parse_int_list(text: str) -> list[int]:
    """Comma-separated integers (at least one)."""
    return [int(part) for part in _split(text)]


def parse_choice(choices: Iterable[str]) -> Callable[[str], str]:
    """A parser that accepts one of `choices` (case-insensitive) and returns it lower-cased."""
    allowed = tuple(choices)

    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def _split(text: str) -> list[str]:
    parts = [part.strip() for part in text.split(",")]
    if not parts or any(part == "" for part in parts):
        raise ValueError("expected comma-separated values")
    return parts
