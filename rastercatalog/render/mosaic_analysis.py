"""Analysis on mosaic tiles: band math per raster before combining, terrain after combining heights.

Band math: the expression is evaluated on each raster's raw tile (the raw tile its own expression
tile evaluates, with its bands' nodata values), its `nodata` applied to that result, and the
planes are then combined by the method, so a mosaic expression tile is the rasters' own expression
tiles combined. Rasters without a band the expression reads take no part (as with `band`).

Terrain: hillshade, slope and aspect need each pixel's neighbours, and a raster has none beyond
its edge: computed raster by raster, two DEMs that meet edge to edge would each lose their border
pixels and the mosaic would show a seam along their boundary. So the heights of the rasters are
combined first, on the tile's grid widened by a pixel (terrain.terrain_heights, the same buffered
grid single-raster terrain tiles read), and the algorithm runs once on the combined heights:
continuous across raster boundaries and, as each tile reads the same widened grid, across tiles.
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
    stack = MosaicStack(method)
    for raster in rasters:
        if (raster.band_count or 1) < band:
            continue  # it lacks the band: it takes no part
        if check_zooms and not serves_zoom(raster, request):
            continue
        if not stack.wants(_buffered(raster_window(raster, request))):
            continue  # `first`: every height it could give is there already
        heights = terrain_heights(raster, tile=request.tile, size=request.size, band=band)
        planes, valid = planes_valid(plane_with_alpha(heights), [0], request.style.nodata)
        if not valid.any():
            continue
        stack.add(planes, valid)
        if stack.filled:
            break
    combined = stack.result()
    if combined is None:
        return None
    heights = np.where(combined[:, :, -1] > 0, combined[:, :, 0], np.nan)
    values = terrain_compute(
        heights,
        tile_ground(request.tile, request.size),
        algorithm=str(analysis.algorithm),
        azimuth=analysis.azimuth,
        altitude=analysis.altitude,
        zfactor=analysis.zfactor,
    )
    return plane_with_alpha(values)


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
