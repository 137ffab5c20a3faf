"""The tile endpoints' parameters (tiles, TileJSON, colormap legends): declarations and parsers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter

from ...geo.webmercator import TILE_SIZE
from ...render.encode import FORMATS
from ...render.style import TileStyle, style_from_query
from ...render.tiles import TILE_SIZES
from .core import ParameterInvalid

STYLE_PARAMETERS = [
    OpenApiParameter("band", str, description="1-based band, or three for RGB: `3,2,1`"),
    OpenApiParameter("min", str, description="Value drawn darkest: one, or one per band"),
    OpenApiParameter("max", str, description="Value drawn brightest: one, or one per band"),
    OpenApiParameter(
        "stretch",
        str,
        enum=["p2p98", "minmax"],
        description="min/max from the statistics stored at ingest (2nd-98th percentile, or the "
        "extremes). Default: 0-255 for byte rasters, minmax otherwise.",
    ),
    OpenApiParameter(
        "palette",
        str,
        description="Colormap for one band (see /api/colormaps/); add _r to reverse it",
    ),
    OpenApiParameter("nodata", str, description="A value drawn transparent (besides the file's)"),
    OpenApiParameter("scheme", str, enum=["linear", "discrete"], description="Palette scheme"),
    OpenApiParameter(
        "style",
        str,
        description='A large-image style object as JSON, e.g. {"bands": [{"band": 1, '
        '"palette": "viridis", "min": 0, "max": 100}]}; not combined with the parameters above',
    ),
]


def style_parse(query: Any, *, band_count: int) -> TileStyle:
    """The STYLE_PARAMETERS of `query` as a TileStyle (render/style.py parses and checks them)."""
    return style_from_query(query, band_count=band_count)


TILE_PATH = [
    OpenApiParameter("raster_id", int, OpenApiParameter.PATH),
    OpenApiParameter("z", int, OpenApiParameter.PATH, description="Zoom, 0-30"),
    OpenApiParameter(
        "x", int, OpenApiParameter.PATH, description="Column, 0 to 2^z-1, from the west"
    ),
    OpenApiParameter(
        "y", int, OpenApiParameter.PATH, description="Row, 0 to 2^z-1, from the north"
    ),
    OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["png", "jpg", "webp"]),
]

TILESIZE = OpenApiParameter("tilesize", int, enum=[256, 512], description="Tile size in pixels")


def tile_size_parse(query: Any, scale: str) -> int:
    """The tile size from `tilesize` and the path's @2x suffix (`scale`), which must agree."""
    text = query.get("tilesize", "").strip()
    size = 2 * TILE_SIZE if scale == "@2x" else TILE_SIZE
    if text:
        if text not in {str(s) for s in TILE_SIZES}:
            raise ParameterInvalid(f"parameter tilesize={text!r} is invalid: 256 or 512")
        if scale and int(text) != size:
            raise ParameterInvalid("parameter tilesize contradicts the @2x suffix: use one")
        size = int(text)
    return size


TILE_FORMAT = OpenApiParameter("format", str, enum=list(FORMATS), description="Tile format (png)")
FORMAT_ALIASES = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}


def format_parse(fmt: str, *, parameter: str = "") -> str:
    """png, jpg or webp from a path's extension or from the `parameter` given (jpeg is jpg)."""
    normalised = FORMAT_ALIASES.get(fmt.lower())
    if normalised is None:
        what = f"parameter {parameter}={fmt!r}" if parameter else f"format .{fmt}"
        raise ParameterInvalid(f"{what} is not supported: use png, jpg or webp")
    return normalised


LEGEND_PARAMETERS = [
    OpenApiParameter("width", int, description="Pixels, 1-1024 (default 256)"),
    OpenApiParameter("height", int, description="Pixels, 1-1024 (default 16)"),
    OpenApiParameter("scheme", str, enum=["linear", "discrete"]),
]


def legend_size_parse(query: Any) -> tuple[int, int]:
    """The legend's `width` and `height` in pixels (1-1024; 256 by 16 by default)."""
    return _int_param(query, "width", 256, 1, 1024), _int_param(query, "height", 16, 1, 1024)


def legend_discrete_parse(query: Any) -> bool:
    """True for `scheme=discrete`, False for linear (the default)."""
    scheme = query.get("scheme", "linear")
    if scheme not in ("linear", "discrete"):
        raise ParameterInvalid(f"parameter scheme={scheme!r} is invalid: linear or discrete")
    return scheme == "discrete"


def _int_param(query: Any, name: str, default: int, low: int, high: int) -> int:
    text = query.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ParameterInvalid(f"parameter {name}={text!r} is invalid: a whole number {low}-{high}")
    return int(text)
