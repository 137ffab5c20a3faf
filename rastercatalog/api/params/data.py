"""The per-raster data endpoints' parameters (region, thumbnail, pixel, histogram): each one's
OpenAPI declaration beside the function that parses it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from ...geo.pixelgrid import WGS84, crs_parse
from ...geo.sizes import SizeSpec, size_parse
from ...render.pixels import MAX_BINS
from .core import (
    ParameterInvalid,
    param_parse,
    param_required,
    parse_choice,
    parse_float,
    parse_float_list,
)

RASTER_ID = OpenApiParameter("raster_id", int, OpenApiParameter.PATH, description="Catalog id")


def fmt_parameter(formats: list[str]) -> OpenApiParameter:
    """The path's {fmt}, one of `formats`."""
    return OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=formats, description="Format")


# --- region.{fmt} ---

REGION_PARAMETERS = [
    OpenApiParameter(
        "bbox", str, required=True, description="minx,miny,maxx,maxy in crs (default lon/lat)"
    ),
    OpenApiParameter("crs", str, description="EPSG:<code> of bbox (default EPSG:4326)"),
    OpenApiParameter(
        "max_size",
        int,
        description="Longest side of the output in pixels (shrinks the region; default: "
        "full resolution). At most RASTERCATALOG_REGION_MAX_SIZE.",
    ),
]


def region_params_parse(query: Any) -> tuple[tuple[float, float, float, float], str, int | None]:
    """`bbox` (required), `crs` (EPSG:4326 by default) and `max_size` (None: full resolution)."""
    bbox = param_parse(query, "bbox", _bbox, expected="expected minx,miny,maxx,maxy with min < max")
    if bbox is None:
        raise ParameterInvalid("parameter bbox is required: minx,miny,maxx,maxy")
    crs = param_parse(query, "crs", crs_parse, default=WGS84, expected="expected EPSG:<code>")
    limit = settings.RASTERCATALOG_REGION_MAX_SIZE
    max_size = param_parse(
        query, "max_size", _positive, expected=f"expected a whole number from 1 to {limit}"
    )
    if max_size is not None and max_size > limit:
        raise ParameterInvalid(
            f"parameter max_size={max_size} is invalid: the limit is {limit} pixels "
            "(RASTERCATALOG_REGION_MAX_SIZE)"
        )
    return bbox, crs, max_size


def _bbox(text: str) -> tuple[float, float, float, float]:
    values = parse_float_list(text)
    if len(values) != 4 or not (values[0] < values[2] and values[1] < values[3]):
        raise ValueError("expected minx,miny,maxx,maxy with min < max")
    return tuple(values)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("expected a whole number of pixels, at least 1")
    return value


# --- thumbnail.{fmt} ---

THUMBNAIL_SIZE = OpenApiParameter(
    "size",
    str,
    description="256x256 (fit inside, the default), 75x75! (exactly, cropped), "
    "500x (that width) or x300 (that height). At most "
    "RASTERCATALOG_THUMBNAIL_MAX_SIZE a side.",
)


def thumbnail_size_parse(query: Any) -> SizeSpec:
    """The `size` asked for (geo/sizes.py grammar), 256x256 by default."""
    return param_parse(query, "size", size_parse, default=size_parse("256x256"))


# --- pixel ---


def _number(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.DOUBLE, description=description)


PIXEL_PARAMETERS = [
    _number("lon", "Longitude (EPSG:4326); required unless crs is given"),
    _number("lat", "Latitude (EPSG:4326); required unless crs is given"),
    OpenApiParameter("crs", str, description="EPSG:<code> of x and y, e.g. EPSG:32633"),
    _number("x", "x (easting) in crs; required with crs"),
    _number("y", "y (northing) in crs; required with crs"),
]


def pixel_point_parse(query: Any) -> tuple[float, float, str | None]:
    """x, y and their CRS: lon/lat without `crs` (None), else x/y (or lon/lat) in that CRS."""
    crs = param_parse(query, "crs", crs_parse, expected="expected EPSG:<code>")
    if crs is None:
        x, y = _coordinate(query, "lon"), _coordinate(query, "lat")
    else:
        # With a CRS, x and y name the axes; lon and lat are accepted in their place.
        x = _coordinate(query, "lon" if "x" not in query and "lon" in query else "x")
        y = _coordinate(query, "lat" if "y" not in query and "lat" in query else "y")
    return x, y, crs


def _coordinate(query: Any, name: str) -> float:
    return param_required(query, name, parse_float, expected="expected a finite number")


# --- histogram ---

HISTOGRAM_PARAMETERS = [
    OpenApiParameter("band", int, description="1-based band number (default 1)"),
    OpenApiParameter("bins", int, description=f"Number of bins, 1 to {MAX_BINS} (default 256)"),
    OpenApiParameter(
        "range", str, description="min,max of the bins (default: the values' min and max)"
    ),
    OpenApiParameter("density", bool, description="Densities instead of counts (default false)"),
]
_BOOLEAN = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def histogram_params_parse(query: Any) -> tuple[int, int, tuple[float, float] | None, bool]:
    """`band` (1), `bins` (256), `range` (None: the values' own) and `density` (false)."""
    band = param_parse(query, "band", int, default=1, expected="expected a band number")
    bins = param_parse(query, "bins", _bins, default=256, expected=f"expected 1 to {MAX_BINS}")
    value_range = param_parse(query, "range", _range, expected="expected min,max with min < max")
    density = param_parse(
        query, "density", parse_choice(_BOOLEAN), default="false", expected="expected true or false"
    )
    return band, bins, value_range, _BOOLEAN[density]


def _bins(text: str) -> int:
    bins = int(text)
    if not 1 <= bins <= MAX_BINS:
        raise ValueError(f"expected 1 to {MAX_BINS}")
    return bins


def _range(text: str) -> tuple[float, float]:
    values = parse_float_list(text)
    if len(values) != 2 or not values[0] < values[1]:
        raise ValueError("expected min,max with min < max")
    return values[0], values[1]
