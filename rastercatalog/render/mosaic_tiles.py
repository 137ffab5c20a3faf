"""Mosaic tiles: each raster's raw tile through the single-raster path, combined, painted, cached.

The rasters come in the order the method reads them (`first`: top first). Each is read exactly as
its own tile is (`source.tilesource_tile`, same warp, same cached source) and only where its own
tile would be served (its zoom range and bounding box, `tiles.tile_check`), so a mosaic tile is the
rasters' own tiles combined. `first` stops reading once every pixel has data.

Rendered mosaic tiles share the tile cache, keyed by `version` (the ordered ids and checksums of the
rasters drawn, so a raster added, removed or re-ingested gives new keys) plus the request and the
resolved paint.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
from django.conf import settings

from ..errors import TileNotFound
from ..geo.webmercator import EARTH_CIRCUMFERENCE_M, MAX_LATITUDE, TILE_SIZE
from ..metrics import tile_cache_count
from ..models import Band, Raster
from .cache import cache_get_or_render
from .encode import image_encode, media_type
from .mosaic import MosaicStack, planes_valid
from .paint import Paint, paint_apply, paint_resolve, tiles_mosaic
from .source import tilesource_tile
from .style import TileStyle
from .tiles import RenderedTile, TileRequest, tile_check, tilejson_build

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
) -> Paint:
    """Resolve `style` for the combined tile of `bands` (renumbered 1..k) by `method`.

    `statistics`: per band number, the mosaic's widest statistics (`min`, `max`, `p2`, `p98`
    attributes; for `stretch` and non-byte defaults); `count`: the mosaic's raster count, the
    top of `count`'s default range.
    The `nodata` asked for is applied to each raster before combining, not to the result.
    """
    if method == "count":
        low = style.minimum[0] if style.minimum else 0.0
        high = style.maximum[0] if style.maximum else float(max(count or 1, 1))
        # One band (the count); `band` only says which bands must hold data.
        renumbered = replace(style, bands=(1,), minimum=(low,), maximum=(high,))
        paint = paint_resolve(renumbered, dtype="Float32", bands=[])
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
) -> RenderedTile:
    """Return the mosaic tile from the cache, or render it once (concurrent misses wait)."""
    text = "|".join([request.token(), method, ",".join(map(str, bands)), repr(paint), version])
    key = "mosaic:" + hashlib.sha256(text.encode()).hexdigest()[:48]
    timings: list[float] = []

    def render() -> bytes:
        started = time.perf_counter()
        content = mosaic_tile_render(
            rasters, request, method=method, bands=bands, paint=paint, check_zooms=check_zooms
        )
        timings.append((time.perf_counter() - started) * 1000)
        return content

    content, cached = cache_get_or_render(
        key, render, timeout=settings.RASTERCATALOG_TILE_CACHE_TIMEOUT
    )
    tile_cache_count(hit=cached)
    return RenderedTile(content, media_type(request.fmt), cached, timings[0] if timings else None)


def mosaic_tile_render(
    rasters: Sequence[Raster],
    request: TileRequest,
    *,
    method: str,
    bands: Sequence[int],
    paint: Paint,
    check_zooms: bool = True,
) -> bytes:
    """Read, combine, paint and encode one mosaic tile (no cache)."""
    stack = MosaicStack(method)
    channels = [number - 1 for number in bands]
    for raster in rasters:
        if (raster.band_count or 1) < max(bands):
            continue  # it lacks a band drawn: it takes no part
        if not stack.wants(raster_window(raster, request)):
            continue  # `first`: every pixel it could draw is drawn already
        raw = _raw_tile(raster, request, check_zooms=check_zooms)
        if raw is None:
            continue
        stack.add(*planes_valid(raw, channels, request.style.nodata))
        if stack.filled:
            break
    combined = stack.result()
    if combined is None:
        return blank_tile(request)
    return image_encode(paint_apply(combined, paint), request.fmt)


def _raw_tile(raster: Raster, request: TileRequest, *, check_zooms: bool) -> np.ndarray | None:
    """The raster's raw tile (bands + alpha), or None where its own tile has nothing."""
    if check_zooms:
        try:
            tile_check(raster, request)
        except TileNotFound:
            return None
    tiles = request.tile.children() if request.size == 2 * TILE_SIZE else [request.tile]
    reads = [tilesource_tile(raster, z=t.z, x=t.x, y=t.y, mosaic=True) for t in tiles]
    raw = reads[0] if len(reads) == 1 else tiles_mosaic(reads)
    # A tile outside the raster comes back as blank RGBA, whatever the bands: no data anywhere.
    return raw if raw[:, :, -1].any() else None


def raster_window(raster: Raster, request: TileRequest) -> tuple[slice, slice] | None:
    """The tile's rows and columns that the raster's bounding box may draw on (None: all).

    Widened by a pixel of the raster (a warp's resampling reaches half a source pixel out), so
    only pixels it can never draw on are left out.
    """
    if raster.bbox_west is None or raster.bbox_west > raster.bbox_east:
        return None  # across the antimeridian: not worth the arithmetic
    size = request.size
    west, south, east, north = request.tile.bounds
    tile_pixel_m = EARTH_CIRCUMFERENCE_M / (2**request.tile.z * size)
    pad = 1 + math.ceil((raster.ground_resolution_m or 0.0) / tile_pixel_m)
    top, bottom = _mercator_y(north), _mercator_y(south)

    def row(lat: float) -> float:
        return (top - _mercator_y(lat)) / (top - bottom) * size

    columns = (
        (raster.bbox_west - west) / (east - west) * size,
        (raster.bbox_east - west) / (east - west) * size,
    )
    rows = row(raster.bbox_north), row(raster.bbox_south)
    col0, col1 = max(0, math.floor(columns[0]) - pad), min(size, math.ceil(columns[1]) + pad)
    row0, row1 = max(0, math.floor(rows[0]) - pad), min(size, math.ceil(rows[1]) + pad)
    return slice(row0, max(row0, row1)), slice(col0, max(col0, col1))


def _mercator_y(lat: float) -> float:
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


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
