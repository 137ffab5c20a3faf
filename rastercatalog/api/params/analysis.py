"""Analysis parameters (band math, terrain algorithms, zonal statistics): declarations and parsers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from ...errors import AnalysisInvalid
from ...render.analysis import (
    ALGORITHMS,
    DEFAULT_ALTITUDE,
    DEFAULT_AZIMUTH,
    DEFAULT_ZFACTOR,
    Analysis,
    analysis_style_check,
)
from ...render.expression import MAX_LENGTH, Expression, expression_parse
from ...render.style import TileStyle
from .core import param_parse, parse_float

EXPRESSION = OpenApiParameter(
    "expression",
    str,
    description="Band math on the bands b1…bN, e.g. `(b4-b3)/(b4+b3)`: + - * / ** (a number "
    "exponent), comparisons, and/or/not, & | ~, where(c, a, b), abs, sqrt, log, log10, exp, "
    f"clip(x, lo, hi), min, max. At most {MAX_LENGTH} characters. The result is float32; a pixel "
    "with nodata in a band it reads, or a result that is not finite, is nodata.",
)
ALGORITHM_PARAMETERS = [
    OpenApiParameter(
        "algorithm",
        str,
        enum=list(ALGORITHMS),
        description="A terrain algorithm on one band (a DEM in metres): hillshade (0-255), slope "
        "(degrees), aspect (degrees clockwise from north); not combined with expression",
    ),
    OpenApiParameter(
        "azimuth",
        OpenApiTypes.DOUBLE,
        description=f"Hillshade: the light's bearing, 0-360 degrees (default {DEFAULT_AZIMUTH:g})",
    ),
    OpenApiParameter(
        "altitude",
        OpenApiTypes.DOUBLE,
        description=f"Hillshade: the light's height, 0-90 degrees (default {DEFAULT_ALTITUDE:g})",
    ),
    OpenApiParameter(
        "zfactor",
        OpenApiTypes.DOUBLE,
        description="Terrain: heights are multiplied by it, more than 0 up to 100000 "
        f"(default {DEFAULT_ZFACTOR:g}; 0.3048 for feet)",
    ),
]
ANALYSIS_PARAMETERS = [EXPRESSION, *ALGORITHM_PARAMETERS]


def expression_param_parse(query: Any, *, band_count: int) -> Expression | None:
    """The checked `expression`, or None when none is given."""
    text = query.get("expression", "")
    if not text or not text.strip():
        return None
    return expression_parse(text, band_count=band_count)


def analysis_parse(
    query: Any, *, band_count: int, style: TileStyle | None = None
) -> Analysis | None:
    """`expression` or `algorithm` with its options (None: neither), checked with the `style`."""
    expression = expression_param_parse(query, band_count=band_count)
    algorithm = (query.get("algorithm") or "").strip().lower() or None
    options = {name: query.get(name) for name in ("azimuth", "altitude", "zfactor")}
    given = [name for name, value in options.items() if value not in (None, "")]
    if expression is not None and algorithm is not None:
        raise AnalysisInvalid("give expression or algorithm, not both")
    if algorithm is None:
        if given:
            raise AnalysisInvalid(f"parameter {given[0]} applies to algorithm=: give one")
        analysis = Analysis(expression=expression) if expression is not None else None
    else:
        if algorithm not in ALGORITHMS:
            raise AnalysisInvalid(
                f"parameter algorithm={algorithm!r} is invalid: expected one of "
                f"{', '.join(ALGORITHMS)}"
            )
        shading = [name for name in ("azimuth", "altitude") if name in given]
        if shading and algorithm != "hillshade":
            raise AnalysisInvalid(f"parameter {shading[0]} applies to algorithm=hillshade only")
        analysis = Analysis(
            algorithm=algorithm,
            azimuth=_ranged(query, "azimuth", DEFAULT_AZIMUTH, 0.0, 360.0),
            altitude=_ranged(query, "altitude", DEFAULT_ALTITUDE, 0.0, 90.0),
            zfactor=_ranged(query, "zfactor", DEFAULT_ZFACTOR, 0.0, 100000.0, open_low=True),
        )
    if analysis is not None and style is not None:
        analysis_style_check(analysis, style, band_count=band_count)
    return analysis


def _ranged(
    query: Any, name: str, default: float, low: float, high: float, *, open_low: bool = False
) -> float:
    expected = f"expected a number from {low:g} to {high:g}"
    if open_low:
        expected = f"expected a number more than {low:g}, up to {high:g}"

    def parse(text: str) -> float:
        value = parse_float(text)
        if value > high or value < low or (open_low and value == low):
            raise ValueError(expected)
        return value

    return param_parse(query, name, parse, default=default, expected=expected)
