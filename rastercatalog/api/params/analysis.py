"""Analysis parameters (band math, terrain algorithms, zonal statistics): declarations and parsers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from ...errors import AnalysisInvalid, StyleInvalid
from ...render.analysis import (
    ALGORITHMS,
    DEFAULT_ALTITUDE,
    DEFAULT_AZIMUTH,
    DEFAULT_ZFACTOR,
    Analysis,
    analysis_style_check,
)
from ...render.expression import MAX_LENGTH, Expression, expression_parse
from ...render.style import TileStyle, style_from_query
from ...render.zonal import ZonalOptions
from .core import param_parse, parse_float, parse_float_list
from .tiles import STYLE_PARAMETERS

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


def expression_param_parse(query: Any, *, band_count: int | None) -> Expression | None:
    """The checked `expression`, or None when none is given."""
    text = query.get("expression", "")
    if not text or not text.strip():
        return None
    return expression_parse(text, band_count=band_count)


def analysis_parse(
    query: Any, *, band_count: int | None, style: TileStyle | None = None
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


TERRAIN_NAMES = ("algorithm", "azimuth", "altitude", "zfactor")
PIXEL_BAND = OpenApiParameter(
    "band",
    int,
    description="With algorithm: the band it reads, 1-based (required on a multi-band raster)",
)
PIXEL_ANALYSIS_PARAMETERS = [*ANALYSIS_PARAMETERS, PIXEL_BAND]


def pixel_analysis_parse(
    query: Any, *, band_count: int | None
) -> tuple[Analysis | None, int | None]:
    """`expression` or `algorithm` at a pixel, and the band an algorithm reads (`band`).

    `band_count` None: a mosaic's rasters, which may differ (band 1 unless `band` is given).
    """
    analysis = analysis_parse(query, band_count=band_count)
    given = bool((query.get("band") or "").strip())
    if analysis is None or analysis.algorithm is None:
        if given:
            raise AnalysisInvalid(
                "parameter band applies to algorithm= only: the pixel API gives every band's "
                "value, and an expression names the bands it reads"
            )
        return analysis, None
    expected = f"expected a band number from 1 to {band_count or 'N'}"

    def parse(text: str) -> int:
        band = int(text)
        if band < 1 or (band_count is not None and band > band_count):
            raise ValueError(expected)
        return band

    band = param_parse(query, "band", parse, expected=expected)
    if band is None:
        if band_count is not None and band_count > 1:
            raise AnalysisInvalid(
                f"algorithm={analysis.algorithm} reads one band and this raster has "
                f"{band_count}: pass band=N"
            )
        band = 1
    return analysis, band


def terrain_refuse(query: Any, *, where: str) -> None:
    """Refuse the terrain parameters where no terrain is computed, rather than ignore them."""
    for name in TERRAIN_NAMES:
        if (query.get(name) or "").strip():
            raise AnalysisInvalid(
                f"parameter {name} is not available on {where}: terrain algorithms need each "
                "pixel's neighbours and are computed on tiles, TileJSON and the pixel API"
            )


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


# --- POST statistics and feature.{fmt} ---

MAX_PERCENTILES = 20
MAX_HISTOGRAM_BINS = 1024
STATISTICS_PARAMETERS = [
    EXPRESSION,
    OpenApiParameter(
        "percentiles",
        str,
        description=f"Comma-separated percentiles 0-100 (default 2,98; at most {MAX_PERCENTILES})",
    ),
    OpenApiParameter(
        "bins", int, description=f"Histogram bins, 1 to {MAX_HISTOGRAM_BINS} (default 10)"
    ),
    OpenApiParameter(
        "range", str, description="min,max of the histogram (default: each feature's min and max)"
    ),
]


def statistics_params_parse(
    query: Any, *, band_count: int
) -> tuple[Expression | None, ZonalOptions]:
    """`expression`, `percentiles` (2,98), `bins` (10) and the histogram's `range`."""
    terrain_refuse(query, where="zonal statistics")
    expression = expression_param_parse(query, band_count=band_count)
    percentiles = param_parse(
        query,
        "percentiles",
        _percentiles,
        default=(2.0, 98.0),
        expected=f"expected up to {MAX_PERCENTILES} comma-separated numbers from 0 to 100",
    )
    bins = param_parse(
        query,
        "bins",
        _bins,
        default=10,
        expected=f"expected a whole number from 1 to {MAX_HISTOGRAM_BINS}",
    )
    value_range = param_parse(query, "range", _range, expected="expected min,max with min < max")
    return expression, ZonalOptions(percentiles=percentiles, bins=bins, value_range=value_range)


def _percentiles(text: str) -> tuple[float, ...]:
    values = tuple(parse_float_list(text))
    if len(values) > MAX_PERCENTILES or not all(0 <= value <= 100 for value in values):
        raise ValueError("out of range")
    return values


def _bins(text: str) -> int:
    bins = int(text)
    if not 1 <= bins <= MAX_HISTOGRAM_BINS:
        raise ValueError("out of range")
    return bins


def _range(text: str) -> tuple[float, float]:
    values = parse_float_list(text)
    if len(values) != 2 or not values[0] < values[1]:
        raise ValueError("expected min,max with min < max")
    return values[0], values[1]


# Tile style parameters that images drawn in the raster's grid take (not large-image's `style`).
IMAGE_STYLE_PARAMETERS = [p for p in STYLE_PARAMETERS if p.name != "style"]
MAX_SIZE = OpenApiParameter(
    "max_size",
    int,
    description="Longest side of the output in pixels (shrinks it; default: full resolution). "
    "At most RASTERCATALOG_REGION_MAX_SIZE.",
)
CLIP_PARAMETERS = [MAX_SIZE, EXPRESSION, *IMAGE_STYLE_PARAMETERS]


def image_style_parse(query: Any, *, band_count: int) -> tuple[Expression | None, TileStyle]:
    """`expression` and the style parameters of an image drawn in the raster's grid."""
    terrain_refuse(query, where="images drawn in the raster's grid (regions, thumbnails, clips)")
    style = style_from_query(query, band_count=band_count)
    if style.style is not None:
        raise StyleInvalid(
            "parameter style (a large-image style) applies to tiles only: use band, min, max, "
            "stretch, palette, nodata and scheme"
        )
    expression = expression_param_parse(query, band_count=band_count)
    if expression is not None:
        analysis_style_check(Analysis(expression=expression), style, band_count=band_count)
    return expression, style


def clip_params_parse(
    query: Any, *, band_count: int
) -> tuple[int | None, Expression | None, TileStyle]:
    """`max_size` (None: full resolution), `expression` and the style parameters."""
    limit = settings.RASTERCATALOG_REGION_MAX_SIZE
    max_size = param_parse(
        query, "max_size", _size, expected=f"expected a whole number from 1 to {limit}"
    )
    return (max_size, *image_style_parse(query, band_count=band_count))


def _size(text: str) -> int:
    value = int(text)
    if not 1 <= value <= settings.RASTERCATALOG_REGION_MAX_SIZE:
        raise ValueError("out of range")
    return value


# Regions and thumbnails: drawn like tiles when an expression or a style parameter is given.
IMAGE_PARAMETERS = [EXPRESSION, *IMAGE_STYLE_PARAMETERS]


def image_params_parse(
    query: Any, *, band_count: int, fmt: str
) -> tuple[Expression | None, TileStyle | None]:
    """`expression` and the style parameters; style None when none is given (the default look)."""
    expression, style = image_style_parse(query, band_count=band_count)
    if style == TileStyle() and expression is None:
        return None, None
    if fmt == "tif" and style != TileStyle():
        raise StyleInvalid(
            "the style parameters colour images: a GeoTIFF holds data (ask for .png or .jpg)"
        )
    return expression, style
