"""Mosaic tiles: each raster's raw tile through the single-raster path, combined, painted, cached.

The rasters come in the order the method reads them (`first`: top first). Each is read exactly as
its own tile is (mosaic_reads.py), so a mosaic tile is the rasters' own tiles combined. `first`
stops reading once every pixel has data. Band math and terrain: mosaic_analysis.py.

Rendered mosaic tiles share the tile cache, keyed by `version` (the ordered ids and checksums of the
rasters drawn, so a raster added, removed or re-ingested gives new keys) plus the request and the
resolved paint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..geo.webmercator import EARTH_CIRCUMFERENCE_M, MAX_LATITUDE, TILE_SIZE
from ..models import Band, Raster
from .analysis import Analysis, analysis_paint
from .encode import image_encode
from .mosaic import MosaicStack, planes_valid
from .mosaic_analysis import expression_planes, terrain_mosaic
from .mosaic_reads import raster_window, raw_tile
from .paint import Paint, paint_apply, paint_resolve
from .style import TileStyle
from .tiles import RenderedTile, TileRequest, tile_cached, tilejson_build

STATISTICS = ("min", "max", "p2", "p98")


def mosaic_bands(style: TileStyle, *, band_count: int, all_byte: bool) -> tuple[int, ...]:
    """The 1-based bands drawn: the style's, else red-green-blue for 3+ byte bands, else band 1."""
    return style.bands or ((1, 2, 3) if band_count >= 3 and all_byte else (1,))


def mosaic_paint(
    style: TileStyle,
    *,
    bands: Sequence[int],
    method: str,
    all_byte: bool,
    statistics: dict[int, Any] | None = None,
    count: int | None = None,
    analysis: Analysis | None = None,
    expression_range: Callable[[str], tuple[float, float]] | None = None,
) -> Paint:
    """Resolve `style` for the combined tile of `bands` (renumbered 1..k) by `method`.

    `statistics`: per band number, the mosaic's widest statistics (`min`, `max`, `p2`, `p98`
    attributes; for `stretch` and non-byte defaults); `count`: the mosaic's raster count, the
    top of `count`'s default range; `analysis`: band math or terrain, coloured as one band over
    the algorithm's range or `expression_range(stretch)` (analysis.analysis_paint).
    The `nodata` asked for is applied to each raster before combining, not to the result.
    """
    if method == "count":
        low = style.minimum[0] if style.minimum else 0.0
        high = style.maximum[0] if style.maximum else float(max(count or 1, 1))
        # One band (the count); `band` only says which bands must hold data.
        renumbered = replace(style, bands=(1,), minimum=(low,), maximum=(high,))
        paint = paint_resolve(renumbered, dtype="Float32", bands=[])
    elif analysis is not None:
        paint = analysis_paint(style, analysis, expression_range=expression_range)
    else:
        statistics = statistics or {}
        renumbered = replace(style, bands=tuple(range(1, len(bands) + 1)))
        numbered = [
            Band(
                index=position,
                **{key: getattr(statistics.get(number), key, None) for key in STATISTICS},
            )
            for position, number in enumerate(bands, start=1)
        ]
        dtype = "Byte" if all_byte else "Float64"
        paint = paint_resolve(renumbered, dtype=dtype, bands=numbered)
    return replace(paint, nodata=None)


def mosaic_tile_get(
    rasters: Sequence[Raster],
    request: TileRequest,
    *,
    method: str,
    bands: Sequence[int],
    paint: Paint,
    version: str,
    check_zooms: bool = True,
    band_nodata: Mapping[int, Mapping[int, float | None]] | None = None,
) -> RenderedTile:
    """Return the mosaic tile from the cache, or render it once (concurrent misses wait)."""
    text = "|".join([request.token(), method, ",".join(map(str, bands)), repr(paint), version])
    key = "mosaic:" + hashlib.sha256(text.encode()).hexdigest()[:48]
    return tile_cached(
        key,
        request.fmt,
        lambda: mosaic_tile_render(
            rasters,
            request,
            method=method,
            bands=bands,
            paint=paint,
            check_zooms=check_zooms,
            band_nodata=band_nodata,
        ),
    )


def mosaic_tile_render(
    rasters: Sequence[Raster],
    request: TileRequest,
    *,
    method: str,
    bands: Sequence[int],
    paint: Paint,
    check_zooms: bool = True,
    band_nodata: Mapping[int, Mapping[int, float | None]] | None = None,
) -> bytes:
    """Read, combine, paint and encode one mosaic tile (no cache).

    `bands`: the bands drawn, or read by the analysis; `band_nodata`: per raster id, its bands'
    nodata values (band math checks them band by band).
    """
    analysis = request.analysis
    if analysis is not None and analysis.algorithm is not None:
        combined = terrain_mosaic(
            rasters, request, method=method, band=bands[0], check_zooms=check_zooms
        )
    else:
        combined = _combined(
            rasters,
            request,
            method=method,
            bands=bands,
            check_zooms=check_zooms,
            band_nodata=band_nodata or {},
        )
    if combined is None:
        return blank_tile(request)
    return image_encode(paint_apply(combined, paint), request.fmt)


def _combined(
    rasters: Sequence[Raster],
    request: TileRequest,
    *,
    method: str,
    bands: Sequence[int],
    check_zooms: bool,
    band_nodata: Mapping[int, Mapping[int, float | None]],
) -> np.ndarray | None:
    """The rasters' drawn bands, or their expressions, combined by `method` (None: no data)."""
    stack = MosaicStack(method)
    channels = [number - 1 for number in bands]
    expression = request.analysis.expression if request.analysis is not None else None
    for raster in rasters:
        if (raster.band_count or 1) < max(bands):
            continue  # it lacks a band drawn or read: it takes no part
        if not stack.wants(raster_window(raster, request)):
            continue  # `first`: every pixel it could draw is drawn already
        raw = raw_tile(raster, request, check_zooms=check_zooms)
        if raw is None:
            continue
        if expression is None:
            stack.add(*planes_valid(raw, channels, request.style.nodata))
        else:
            nodata = band_nodata.get(raster.pk, {})
            stack.add(
                *expression_planes(
                    expression, raw, nodata=nodata, style_nodata=request.style.nodata
                )
            )
        if stack.filled:
            break
    return stack.result()


def blank_tile(request: TileRequest) -> bytes:
    """A fully transparent tile of the request's size and format."""
    return image_encode(np.zeros((request.size, request.size, 4), np.uint8), request.fmt)


def mosaic_tilejson(
    *,
    tiles_url: str,
    count: int,
    bbox: tuple[float, float, float, float] | None,
    finest_resolution_m: float | None,
    size: int = TILE_SIZE,
) -> dict:
    """TileJSON 3.0.0 of a mosaic of `count` rasters within `bbox`, down to the finest's zoom."""
    world = (-180.0, -MAX_LATITUDE, 180.0, MAX_LATITUDE)
    west, south, east, north = bbox or world
    # Zoom 0's pixel size when there is nothing to draw.
    resolution = finest_resolution_m or EARTH_CIRCUMFERENCE_M / TILE_SIZE
    stand_in = Raster(
        bbox_west=west,
        bbox_south=max(south, -MAX_LATITUDE),
        bbox_east=east,
        bbox_north=min(north, MAX_LATITUDE),
        ground_resolution_m=resolution,
    )
    body = tilejson_build(stand_in, tiles_url=tiles_url, size=size, name="mosaic")
    # Low zooms are drawn too: from the rasters under the cap, else from collection overviews.
    body["minzoom"] = 0
    body["description"] = f"{count} rasters of the catalog drawn as one layer"
    return body
