"""Analysis tiles: band math on large-image's raw tiles, or a terrain algorithm, coloured as one band.

An expression reads the same raw tile (every band plus the warp's alpha) the plain tiles read, so a
mosaic of several rasters can later apply it to each raster's raw tile the same way
(`expression_on_raw_tile`). A terrain algorithm reads its own buffered tile (terrain.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..geo.webmercator import TILE_SIZE, Tile
from ..models import Band, Raster
from .analysis import Analysis, analysis_paint, analysis_style_check
from .analysis_levels import expression_range
from .bandmath import expression_apply
from .expression import Expression
from .paint import paint_apply, tiles_mosaic
from .source import tilesource_tile
from .style import TileStyle
from .terrain import terrain_tile


def analysis_tile(
    raster: Raster,
    *,
    tile: Tile,
    size: int,
    style: TileStyle,
    analysis: Analysis,
    bands: Sequence[Band],
) -> np.ndarray:
    """Render one tile of the analysis as uint8 RGBA (transparent where the result has no data)."""
    band = analysis_style_check(analysis, style, band_count=raster.band_count or 1)
    if analysis.expression is None:
        values = terrain_tile(
            raster,
            tile=tile,
            size=size,
            band=band or 1,
            algorithm=str(analysis.algorithm),
            azimuth=analysis.azimuth,
            altitude=analysis.altitude,
            zfactor=analysis.zfactor,
        )
    else:
        tiles = tile.children() if size == 2 * TILE_SIZE else [tile]
        reads = [tilesource_tile(raster, z=t.z, x=t.x, y=t.y) for t in tiles]
        raw = reads[0] if len(reads) == 1 else tiles_mosaic(reads)
        nodata = {b.index: b.nodata for b in bands}
        values = expression_on_raw_tile(analysis.expression, raw, nodata=nodata)
    paint = analysis_paint(
        style,
        analysis,
        expression_range=lambda stretch: expression_range(
            raster, analysis.expression, stretch=stretch
        ),
    )
    return paint_apply(plane_with_alpha(values), paint)


def expression_on_raw_tile(
    expression: Expression, raw: np.ndarray, *, nodata: dict[int, float | None]
) -> np.ndarray:
    """Evaluate on a raw tile (bands, then alpha last): float32, NaN where there is no data."""
    # A tile outside the raster comes back from large-image as blank RGBA, whatever the bands.
    if raw.shape[2] - 1 < max(expression.bands) or not raw[:, :, -1].any():
        return np.full(raw.shape[:2], np.nan, np.float32)
    planes = {band: raw[:, :, band - 1] for band in expression.bands}
    return expression_apply(expression, planes, valid=raw[:, :, -1] > 0, nodata=nodata)


def plane_with_alpha(values: np.ndarray) -> np.ndarray:
    """A float32 plane as a raw tile that paint_apply colours: the plane, then alpha (0: no data)."""
    alpha = np.isfinite(values).astype(np.float32)
    return np.stack([values.astype(np.float32, copy=False), alpha], axis=2)
