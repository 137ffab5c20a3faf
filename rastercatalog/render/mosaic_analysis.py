"""Analysis on mosaic tiles: band math per raster before combining, terrain after combining heights.

Band math: the expression is evaluated on each raster's raw tile (the raw tile its own expression
tile evaluates, with its bands' nodata values), its `nodata` applied to that result, and the
planes are then combined by the method, so a mosaic expression tile is the rasters' own expression
tiles combined. Rasters without a band the expression reads take no part (as with `band`).

Terrain: hillshade, slope and aspect need each pixel's neighbours, and a raster has none beyond
its edge: computed raster by raster, two DEMs that meet edge to edge would each lose their border
pixels and the mosaic would show a seam along their boundary. So the heights of the rasters are
combined first, on the tile's grid widened by a pixel (the buffered grid single-raster terrain
tiles read, terrain.py), and the algorithm runs once on the combined heights: continuous across
raster boundaries and, as each tile reads the same widened grid, across tiles. Rasters on one
grid are combined in that grid before the warp (terrain_grid.py: no terrace where they meet);
others are warped one by one, then combined.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..models import Raster
from .analysis import Analysis
from .analysis_levels import expression_range
from .analysis_tiles import expression_on_raw_tile, plane_with_alpha
from .expression import Expression
from .mosaic import MosaicStack, planes_valid
from .mosaic_reads import raster_window, serves_zoom
from .terrain import BUFFER, terrain_compute, terrain_heights, tile_ground
from .terrain_grid import shared_grid_heights
from .tiles import TileRequest

# The default colour range of a mosaic's expression reads this many rasters (the top of `first`).
EXPRESSION_RANGE_RASTERS = 8


def expression_planes(
    expression: Expression,
    raw: np.ndarray,
    *,
    nodata: Mapping[int, float | None],
    style_nodata: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """One raster's expression on its raw tile, as MosaicStack.add takes it (planes, valid)."""
    values = expression_on_raw_tile(expression, raw, nodata=dict(nodata))
    return planes_valid(plane_with_alpha(values), [0], style_nodata)


def terrain_mosaic(
    rasters: Sequence[Raster],
    request: TileRequest,
    *,
    method: str,
    band: int,
    check_zooms: bool = True,
) -> np.ndarray | None:
    """The algorithm on the rasters' heights combined by `method`: a raw tile (plane + alpha), or
    None where no raster has a height."""
    analysis: Analysis = request.analysis
    rasters = [
        raster
        for raster in rasters
        # A raster without the band, or whose own tiles are not served at this zoom, takes no part.
        if (raster.band_count or 1) >= band and (not check_zooms or serves_zoom(raster, request))
    ]
    heights = shared_grid_heights(
        rasters,
        tile=request.tile,
        size=request.size,
        band=band,
        method=method,
        nodata=request.style.nodata,
    )
    if heights is None:
        heights = _heights_one_by_one(rasters, request, method=method, band=band)
    if heights is None or not np.isfinite(heights).any():
        return None
    values = terrain_compute(
        heights,
        tile_ground(request.tile, request.size),
        algorithm=str(analysis.algorithm),
        azimuth=analysis.azimuth,
        altitude=analysis.altitude,
        zfactor=analysis.zfactor,
    )
    return plane_with_alpha(values)


def _heights_one_by_one(
    rasters: Sequence[Raster], request: TileRequest, *, method: str, band: int
) -> np.ndarray | None:
    """Each raster warped to the buffered tile grid on its own, combined by `method`."""
    stack = MosaicStack(method)
    for raster in rasters:
        if not stack.wants(_buffered(raster_window(raster, request))):
            continue  # `first`: every height it could give is there already
        heights = terrain_heights(raster, tile=request.tile, size=request.size, band=band)
        planes, valid = planes_valid(plane_with_alpha(heights), [0], request.style.nodata)
        if valid.any():
            stack.add(planes, valid)
            if stack.filled:
                break
    combined = stack.result()
    if combined is None:
        return None
    return np.where(combined[:, :, -1] > 0, combined[:, :, 0], np.nan)


def _buffered(window: tuple[slice, slice] | None) -> tuple[slice, slice] | None:
    """A window of the tile's pixels as one of the buffered grid, widened by its border."""
    if window is None:
        return None
    rows, columns = window
    return (
        slice(rows.start, rows.stop + 2 * BUFFER),
        slice(columns.start, columns.stop + 2 * BUFFER),
    )


def expression_range_over(
    rasters: Sequence[Raster], expression: Expression, *, stretch: str
) -> tuple[float, float]:
    """The widest of the rasters' own expression ranges (lowest low, highest high); 0-1 if none.

    Each raster's range is the one its own expression tiles are stretched over (analysis_levels,
    cached per raster and expression).
    """
    ranges = [expression_range(raster, expression, stretch=stretch) for raster in rasters]
    if not ranges:
        return 0.0, 1.0
    return min(low for low, _ in ranges), max(high for _, high in ranges)
