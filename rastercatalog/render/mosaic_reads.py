"""What one raster gives a mosaic tile: its raw tile as its own tile reads it, and where it may draw.

Each raster is read exactly as its own tile is (`source.tilesource_tile`, same warp, same cached
source, through the mosaic's own LRU) and only where its own tile would be served (its zoom range
and bounding box, `tiles.tile_check`), so a mosaic tile is the rasters' own tiles combined.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import TileNotFound
from ..geo.webmercator import EARTH_CIRCUMFERENCE_M, MAX_LATITUDE, TILE_SIZE, zoom_range
from ..models import Raster
from .paint import tiles_mosaic
from .source import tilesource_tile
from .tiles import TileRequest, tile_check


def raw_tile(raster: Raster, request: TileRequest, *, check_zooms: bool) -> np.ndarray | None:
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


def serves_zoom(raster: Raster, request: TileRequest) -> bool:
    """Whether the raster's own tiles are served at the zoom the tile is drawn at."""
    return request.drawn_zoom in zoom_range(raster)


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
