"""Tiles read from overviews: the level GDAL's warp picks, opened once so its blocks stay cached.

large-image draws a tile with `gdal.Warp` from the raster's whole dataset. For a tile coarser than
the full resolution, GDAL picks an overview and wraps it in a dataset of its own, owned by the
tile's warped VRT; when large-image drops that VRT, the wrapper flushes every decoded block of the
overview from GDAL's block cache (`GDALOverviewBand::FlushCache`, GDAL 3.6 and later). So every
tile drawn from an overview decoded all its blocks again, even those the tile before it had just
decoded (a 512-pixel block holds parts of four to nine 256-pixel tiles), where tiles at the full
resolution find theirs in the cache.

Here the warp is handed that overview already opened (`OVERVIEW_LEVEL=n`: the same wrapper GDAL
builds), kept open with the source, so GDAL warps it as it is and its blocks outlive the tile.
The pixels are the same as long as the level is the one GDAL picks: `OverviewChoice` follows
GDAL 3.6's rule (apps/gdalwarp_lib.cpp: how many source columns a 10 x 10 grid of the tile's
pixels spans, per tile column, against each overview's reduction) and answers None, so that GDAL
picks as before, when a tile lies within 0.1 % of the boundary between two levels.
tests/render/test_overview_reads.py holds the choice to GDAL's own, tile by tile.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()

GRID = 10  # GDAL samples the tile on a grid of 10 x 10 pixel positions, edges included
MARGIN = 1e-3  # closer than this (relative) to a boundary between levels: let GDAL decide
TOLERANCE = 0.1  # GDAL takes an overview whose reduction is within 0.1 of the tile's
# Overview levels kept open per source: each is a file handle and a TIFF directory. A map view
# reads one or two levels at a time; the least recently used is closed first.
KEPT_LEVELS = 3


class OverviewChoice:
    """The overview level GDAL's warp reads a tile of this dataset from, and those levels kept open.

    `open_level(n)` opens the dataset at overview n (through the driver allow-list). Not
    thread-safe: large-image's sources, which own these, are per thread (render/source.py).
    """

    def __init__(
        self, dataset: gdal.Dataset, *, source_srs: str, tile_srs: str, open_level: Callable
    ) -> None:
        band = dataset.GetRasterBand(1)
        width = float(dataset.RasterXSize)
        self.reductions = [
            width / band.GetOverview(i).XSize for i in range(band.GetOverviewCount())
        ]
        geotransform = dataset.GetGeoTransform(can_return_null=True)
        # Georeferenced otherwise (ground control points, RPCs, geolocation arrays), GDAL's warp
        # places pixels its own way: it picks the overview itself, as before.
        self.follows_gdal = geotransform is not None and not (
            dataset.GetGCPCount()
            or dataset.GetMetadata("RPC")
            or dataset.GetMetadata("GEOLOCATION")
        )
        self.inverse = gdal.InvGeoTransform(geotransform or (0.0, 1.0, 0.0, 0.0, 0.0, 1.0))
        self.to_source = _transformation(tile_srs, source_srs)
        self.follows_gdal = self.follows_gdal and self.to_source is not None
        self.open_level = open_level
        self.kept: OrderedDict[int, gdal.Dataset] = OrderedDict()

    def level(self, bounds: tuple[float, float, float, float], resolution: float) -> int | None:
        """The overview GDAL picks for the tile (-1: full resolution), or None if too close to call."""
        if not self.follows_gdal:
            return None
        if not self.reductions:
            return -1
        reduction = self._reduction(bounds, resolution)
        if reduction is None:
            return None
        low, high = (
            _gdal_level(reduction * factor, self.reductions) for factor in (1 - MARGIN, 1 + MARGIN)
        )
        return low if low == high else None

    def dataset(self, level: int) -> gdal.Dataset:
        """The dataset of overview `level`, opened on first use and kept (least recently used closed)."""
        if level in self.kept:
            self.kept.move_to_end(level)
            return self.kept[level]
        self.kept[level] = self.open_level(level)
        while len(self.kept) > KEPT_LEVELS:
            self.kept.popitem(last=False)
        return self.kept[level]

    def _reduction(
        self, bounds: tuple[float, float, float, float], resolution: float
    ) -> float | None:
        """Source columns spanned per tile column, as GDAL measures them (None if a point fails)."""
        west, south, east, north = bounds
        # The warped VRT's size, as gdal.Warp derives it from the bounds and the resolution.
        columns = int((east - west + resolution / 2) / resolution)
        rows = int((north - south + resolution / 2) / resolution)
        if columns <= 0 or rows <= 0:
            return None
        steps = np.arange(GRID) / (GRID - 1)
        xs, ys = np.meshgrid(west + columns * steps * resolution, north - rows * steps * resolution)
        try:
            points = self.to_source.TransformPoints(list(zip(xs.ravel(), ys.ravel(), strict=True)))
        except RuntimeError:  # a point PROJ cannot place: GDAL skips it, here GDAL decides
            return None
        a, b, c = self.inverse[:3]
        source_columns = [a + b * x + c * y for x, y, *_ in points]
        if not all(np.isfinite(source_columns)):
            return None
        return (max(source_columns) - min(source_columns)) / columns


def _transformation(from_srs: str, to_srs: str) -> osr.CoordinateTransformation | None:
    """Points from one CRS to the other, in GDAL's warper's axis order (None: no such thing)."""
    systems = []
    for text in (from_srs, to_srs):
        srs = osr.SpatialReference()
        try:
            srs.SetFromUserInput(text)
        except RuntimeError:
            return None
        if not srs.ExportToWkt():  # e.g. a raster without a CRS
            return None
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        systems.append(srs)
    try:
        return osr.CoordinateTransformation(*systems)
    except RuntimeError:
        return None


def _gdal_level(reduction: float, reductions: list[float]) -> int:
    """GDAL's loop: the finest level whose next level is coarser than the tile needs (-1: none)."""
    if not reduction > 1.0:
        return -1
    level = -1
    while level < len(reductions) - 1:
        here = 1.0 if level < 0 else reductions[level]
        if here < reduction < reductions[level + 1] or abs(here - reduction) < TOLERANCE:
            break
        level += 1
    return level
