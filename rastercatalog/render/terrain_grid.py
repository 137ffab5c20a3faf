"""Heights of DEMs that share one grid, combined in that grid, then warped to a tile at once.

Warped one by one to a tile's grid, each DEM is interpolated (bilinear) from its own pixels only:
within half a source pixel of its edge GDAL has one column to read, so where two DEMs meet edge
to edge their heights flatten into a terrace a source pixel wide, and a hillshade shows it as a
line (measured: up to 55 grey levels over 6 pixels at zoom 14 on 30 m DEMs). Rasters on one grid
(same CRS and pixel size, origins a whole number of pixels apart: the tiles of one DEM product)
are therefore combined pixel for pixel in their grid first, and the combination is warped once,
as a single raster's tile is: the line disappears.

This is done while a tile's pixels are at most NATIVE_MAX_FACTOR source pixels wide (the zooms
where the terrace shows); at coarser zooms the rasters' overviews are warped one by one, and the
edge effect stays within one tile pixel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from osgeo import gdal, osr

from ..errors import RasterFileUnavailable
from ..geo.pixelgrid import Window
from ..geo.webmercator import GRID, Tile
from ..models import Raster
from .analysis_tiles import plane_with_alpha
from .mosaic import MosaicStack, planes_valid
from .source import tilesource_dataset
from .terrain import BUFFER, heights_warp
from .windows import bands_read, read_errors

NATIVE_MAX_FACTOR = 2.0
MARGIN = 2  # source pixels read beyond the tile's box: the bilinear kernel's reach, and then some
ALIGNED = 1e-6  # how far from a whole pixel two origins may be, in pixels


def shared_grid_heights(
    rasters: Sequence[Raster],
    *,
    tile: Tile,
    size: int,
    band: int,
    method: str,
    nodata: float | None,
) -> np.ndarray | None:
    """The rasters' `band` combined by `method` in their shared grid and warped (bilinear) to the
    tile's grid widened by BUFFER pixels (NaN: no data); None when they share no grid or the
    tile is too coarse for it."""
    grids = [_grid(raster) for raster in rasters]
    if not grids:
        return None
    transform, wkt = grids[0][0], grids[0][1]
    if not all(_aligned(grid[0], grid[1], transform, wkt) for grid in grids):
        return None
    west, south, east, north = GRID.xy_bounds(tile.x, tile.y, tile.z)
    pad = BUFFER * (east - west) / size
    box = (west - pad, south - pad, east + pad, north + pad)
    side = size + 2 * BUFFER
    window = _native_window(box, side=side, transform=transform, wkt=wkt)
    if window is None:
        return None
    col0, row0, cols, rows = window
    stack = MosaicStack(method)
    for raster, (own, _, width, height) in zip(rasters, grids, strict=True):
        dc = round((own[0] - transform[0]) / transform[1])
        dr = round((own[3] - transform[3]) / transform[5])
        c0, c1 = max(col0 - dc, 0), min(col0 + cols - dc, width)
        r0, r1 = max(row0 - dr, 0), min(row0 + rows - dr, height)
        if c1 <= c0 or r1 <= r0:
            continue
        with tilesource_dataset(raster) as dataset, read_errors():
            read, valid = bands_read(dataset, bands=[band], window=Window(c0, r0, c1 - c0, r1 - r0))
        plane = np.full((rows, cols), np.nan, np.float32)
        at = (slice(r0 + dr - row0, r1 + dr - row0), slice(c0 + dc - col0, c1 + dc - col0))
        plane[at] = np.where(valid, read[:, :, 0], np.nan)
        planes, valid = planes_valid(plane_with_alpha(plane), [0], nodata)
        if valid.any():
            stack.add(planes, valid)
            if stack.filled:
                break  # `first`: every height is there already
    combined = stack.result()
    if combined is None:
        return np.full((side, side), np.nan, np.float32)
    heights = np.where(combined[:, :, -1] > 0, combined[:, :, 0], np.nan).astype(np.float32)
    origin = (transform[0] + col0 * transform[1], transform[3] + row0 * transform[5])
    return _warp(
        heights, (origin[0], transform[1], 0.0, origin[1], 0.0, transform[5]), wkt, box, side
    )


def _grid(raster: Raster) -> tuple[tuple[float, ...], str, int, int]:
    with tilesource_dataset(raster) as dataset:
        return (
            dataset.GetGeoTransform(),
            dataset.GetProjection(),
            dataset.RasterXSize,
            dataset.RasterYSize,
        )


def _aligned(own: tuple, wkt: str, reference: tuple, reference_wkt: str) -> bool:
    """Same CRS and pixel size, north up, origins a whole number of pixels apart."""
    if own[2] or own[4] or reference[2] or reference[4]:
        return False
    if not math.isclose(own[1], reference[1], rel_tol=1e-9) or not math.isclose(
        own[5], reference[5], rel_tol=1e-9
    ):
        return False
    for offset, step in (
        (own[0] - reference[0], reference[1]),
        (own[3] - reference[3], reference[5]),
    ):
        pixels = offset / step
        if abs(pixels - round(pixels)) > ALIGNED:
            return False
    if wkt == reference_wkt:
        return True
    ours, theirs = osr.SpatialReference(), osr.SpatialReference()
    ours.ImportFromWkt(wkt)
    theirs.ImportFromWkt(reference_wkt)
    return bool(ours.IsSame(theirs))


def _native_window(
    box: tuple[float, float, float, float], *, side: int, transform: tuple, wkt: str
) -> tuple[int, int, int, int] | None:
    """Columns and rows (col0, row0, cols, rows) of the grid under `box` (EPSG:3857), with a
    margin; None when the box has no place in the CRS or its pixels are too coarse."""
    target = osr.SpatialReference()
    target.ImportFromWkt(wkt)
    mercator = osr.SpatialReference()
    mercator.ImportFromEPSG(3857)
    for srs in (target, mercator):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    try:
        xmin, ymin, xmax, ymax = osr.CoordinateTransformation(mercator, target).TransformBounds(
            *box, 21
        )
    except RuntimeError:
        return None
    if not all(map(math.isfinite, (xmin, ymin, xmax, ymax))) or xmax <= xmin or ymax <= ymin:
        return None
    too_coarse = NATIVE_MAX_FACTOR * side
    if (xmax - xmin) > too_coarse * abs(transform[1]) or (ymax - ymin) > too_coarse * abs(
        transform[5]
    ):
        return None  # also bounds the pixels read: at most ~2 x 2 source pixels a tile pixel
    columns = sorted(((xmin - transform[0]) / transform[1], (xmax - transform[0]) / transform[1]))
    rows = sorted(((ymax - transform[3]) / transform[5], (ymin - transform[3]) / transform[5]))
    col0, col1 = math.floor(columns[0]) - MARGIN, math.ceil(columns[1]) + MARGIN
    row0, row1 = math.floor(rows[0]) - MARGIN, math.ceil(rows[1]) + MARGIN
    return col0, row0, col1 - col0, row1 - row0


def _warp(heights: np.ndarray, transform: tuple, wkt: str, box: tuple, side: int) -> np.ndarray:
    """Warp the combined heights to the buffered tile grid as terrain.terrain_heights does."""
    rows, cols = heights.shape
    source = gdal.GetDriverByName("MEM").Create("", cols, rows, 1, gdal.GDT_Float32)
    source.SetGeoTransform(transform)
    source.SetProjection(wkt)
    band = source.GetRasterBand(1)
    band.WriteArray(heights)
    band.SetNoDataValue(float("nan"))
    try:
        return heights_warp(source, box, side)
    except RuntimeError as exc:
        raise RasterFileUnavailable(f"the heights cannot be warped to the tile: {exc}") from exc
