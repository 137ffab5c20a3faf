"""The mosaic endpoints' parameters: the search (RasterFilterSet's), `method`, and the point's."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiParameter

from ...errors import AnalysisInvalid
from ...render.analysis import Analysis
from ...render.mosaic import METHODS
from ...render.style import TileStyle
from ...search.filters import RasterQuery
from ..filters import RasterFilterSet, search_parameters
from .analysis import (
    ANALYSIS_PARAMETERS,
    PIXEL_ANALYSIS_PARAMETERS,
    analysis_parse,
    pixel_analysis_parse,
)
from .core import ParameterInvalid, param_parse, param_required, parse_choice, parse_float
from .tiles import STYLE_PARAMETERS, style_parse

# Mosaics draw ready rasters in the method's order: these search parameters would contradict that.
NOT_FOR_MOSAICS = ("status", "ordering")
SEARCH_PARAMETERS = search_parameters(exclude=NOT_FOR_MOSAICS)

METHOD = OpenApiParameter(
    "method",
    str,
    enum=list(METHODS),
    description="How overlapping rasters combine: first (default; the latest acquisition on top, "
    "then the latest catalogued, the next filling in where it has no data), highest, lowest, mean, "
    "median (band by band over the rasters with data) or count (how many have data).",
)


@dataclass(frozen=True)
class MosaicSearch:
    """The search a mosaic draws, parsed, with its parameters as the client gave them."""

    query: RasterQuery
    params: dict[str, str]  # the search parameters given (for URL templates and memo keys)
    collection: str | None  # the slug, when the search is one collection and nothing else

    def token(self) -> str:
        """A stable string naming the search (sorted parameters as given)."""
        return "&".join(f"{name}={value}" for name, value in sorted(self.params.items()))


def mosaic_search_parse(query: Any) -> MosaicSearch:
    """The search parameters of `query` (as GET /api/rasters/ takes them); 400 naming a bad one."""
    for name in NOT_FOR_MOSAICS:
        if query.get(name):
            raise ParameterInvalid(
                f"parameter {name} is not used by mosaics: they draw ready rasters, in the "
                "order of `method`"
            )
    names = [name for name in RasterFilterSet.base_filters if name not in NOT_FOR_MOSAICS]
    params = {name: query.get(name) for name in names if query.get(name)}
    key = "&".join(f"{name}={value}" for name, value in sorted(params.items()))
    with _parsed_lock:
        known = _parsed.get(key)
    if known is not None:
        return known
    parsed = RasterFilterSet(params).check().raster_query()
    alone = set(params) == {"collection"} and len(parsed.collections) == 1
    search = MosaicSearch(parsed, params, parsed.collections[0] if alone else None)
    with _parsed_lock:
        _parsed[key] = search
        while len(_parsed) > PARSED_SEARCHES:
            del _parsed[next(iter(_parsed))]
    return search


# A map asks for dozens of tiles of one search: each process parses a search once (building the
# FilterSet and its form costs more than a tile's database query). Valid searches only.
PARSED_SEARCHES = 256
_parsed: dict[str, MosaicSearch] = {}
_parsed_lock = threading.Lock()


def method_parse(query: Any) -> str:
    """`method`: first (the default), highest, lowest, mean, median or count."""
    expected = f"expected one of {', '.join(METHODS)}"
    return param_parse(query, "method", parse_choice(METHODS), default="first", expected=expected)


# A large-image style is applied per raster by large-image, to RGBA: nothing a method can combine.
MOSAIC_STYLE_PARAMETERS = [parameter for parameter in STYLE_PARAMETERS if parameter.name != "style"]
# Bands are checked against the rasters each tile reads (the largest band number a row can hold).
MOSAIC_BAND_LIMIT = 32767


def mosaic_style_parse(query: Any) -> TileStyle:
    """The style parameters of single-raster tiles, but `style` (a large-image style)."""
    if query.get("style", "").strip():
        raise ParameterInvalid(
            "parameter style is not used by mosaics: use band, min, max, stretch, palette, "
            "nodata and scheme"
        )
    return style_parse(query, band_count=MOSAIC_BAND_LIMIT)


# Band math and terrain on mosaics (render/mosaic_analysis.py): an algorithm reads `band` (1).
MOSAIC_ANALYSIS_PARAMETERS = ANALYSIS_PARAMETERS


def mosaic_analysis_parse(query: Any, *, style: TileStyle, method: str) -> Analysis | None:
    """`expression` (b1, b2, … checked against each raster when drawn) or `algorithm`."""
    analysis = analysis_parse(query, band_count=None, style=style)
    if analysis is not None and analysis.algorithm is not None and method == "count":
        raise AnalysisInvalid(
            f"algorithm={analysis.algorithm} cannot be combined with method=count: the count of "
            "rasters is no height (use first, highest, lowest, mean or median)"
        )
    return analysis


# --- point ---

POINT_PARAMETERS = [
    OpenApiParameter("lon", float, required=True, description="Longitude, -180 to 180"),
    OpenApiParameter("lat", float, required=True, description="Latitude, -90 to 90"),
    OpenApiParameter(
        "format",
        str,
        enum=["json", "csv"],
        description="json (default) or csv: a header row raster,name,acquired_at,b1,b2,… then "
        "one row per raster",
    ),
]


# The values of an expression, or of an algorithm at each raster's pixel (3 x 3, full resolution).
POINT_ANALYSIS_PARAMETERS = PIXEL_ANALYSIS_PARAMETERS


def point_analysis_parse(query: Any) -> tuple[Analysis | None, int | None]:
    """`expression`, or `algorithm` and the `band` it reads (1 by default), at a point."""
    return pixel_analysis_parse(query, band_count=None)


def point_parse(query: Any) -> tuple[float, float, str]:
    """`lon` and `lat` (required, in range) and `format` (json or csv)."""
    lon = param_required(query, "lon", _within(180.0), expected="expected a longitude, -180 to 180")
    lat = param_required(query, "lat", _within(90.0), expected="expected a latitude, -90 to 90")
    fmt = param_parse(
        query, "format", parse_choice(("json", "csv")), default="json", expected="json or csv"
    )
    return lon, lat, fmt


def _within(limit: float):
    def parse(text: str) -> float:
        value = parse_float(text)
        if not -limit <= value <= limit:
            raise ValueError(f"out of range -{limit:g} to {limit:g}")
        return value

    return parse
