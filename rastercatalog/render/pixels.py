"""Pixel values and histograms of catalogued rasters, read through large-image's cached GDAL source.

A pixel is read at its own data type, so a float64 or int32 value comes back exactly as GDAL has it.
Histograms read one level no larger than RASTERCATALOG_HISTOGRAM_MAX_SIZE pixels a side (GDAL picks
the matching overview), so their cost does not grow with the raster.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from ..errors import BandMissing
from ..models import Raster
from .source import RasterFileUnavailable, tilesource_dataset

MAX_BINS = 4096


@dataclass(frozen=True)
class Histogram:
    band: int
    counts: list[float]
    edges: list[float]
    level_size: tuple[int, int]  # width, height of the level the histogram was computed on
    valid_pixels: int  # valid pixels of that level (inside the range or not)


def band_check(raster: Raster, band: int) -> int:
    """Return `band` if the raster has it; raise BandMissing saying which bands exist."""
    if not 1 <= band <= raster.band_count:
        raise BandMissing(
            f"band {band} does not exist: raster {raster.pk} has bands 1 to {raster.band_count}"
        )
    return band


def pixel_values(raster: Raster, *, col: int, row: int) -> list[int | float | None]:
    """Return each band's value at (col, row), with None where the band has nodata or NaN."""
    values = []
    with tilesource_dataset(raster) as dataset, _read_errors():
        for index in range(1, dataset.RasterCount + 1):
            band = dataset.GetRasterBand(index)
            raw = band.ReadAsArray(col, row, 1, 1)[0, 0]
            values.append(None if _is_nodata(raw, band.GetNoDataValue()) else raw.item())
    return values


@contextlib.contextmanager
def _read_errors() -> Iterator[None]:
    """Turn a GDAL read error (a file changed or a server gone since ingest) into a reason."""
    try:
        yield
    except RuntimeError as exc:
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else "read error"
        raise RasterFileUnavailable(f"the raster's pixels cannot be read now: {message}") from exc


def _is_nodata(raw: np.generic, nodata: float | None) -> bool:
    if raw.dtype.kind == "f":
        if math.isnan(raw):
            return True
        # GDAL compares in the band's type: a float32 band's nodata is the float32 nearest to it.
        return nodata is not None and raw == raw.dtype.type(nodata)
    return nodata is not None and float(raw) == nodata


def histogram_compute(
    raster: Raster,
    *,
    band: int,
    bins: int = 256,
    value_range: tuple[float, float] | None = None,
    density: bool = False,
) -> Histogram:
    """Histogram of one band's valid values on a level at most RASTERCATALOG_HISTOGRAM_MAX_SIZE a side."""
    band_check(raster, band)
    width, height = level_size(raster.width, raster.height)
    with tilesource_dataset(raster) as dataset, _read_errors():
        gdal_band = dataset.GetRasterBand(band)
        values = gdal_band.ReadAsArray(buf_xsize=width, buf_ysize=height)
        mask = gdal_band.GetMaskBand().ReadAsArray(buf_xsize=width, buf_ysize=height)
    valid = mask > 0
    if values.dtype.kind == "f":
        valid &= np.isfinite(values)
    data = values[valid].astype(np.float64, copy=False)
    # No valid values: zero counts, not numpy's 0/0 densities.
    density = density and data.size > 0
    counts, edges = np.histogram(data, bins=bins, range=value_range, density=density)
    return Histogram(
        band=band,
        counts=[c.item() for c in counts],
        edges=[e.item() for e in edges],
        level_size=(width, height),
        valid_pixels=int(data.size),
    )


def level_size(width: int, height: int) -> tuple[int, int]:
    """The size of the level read for a histogram: the full grid, shrunk to the size limit."""
    limit = settings.RASTERCATALOG_HISTOGRAM_MAX_SIZE
    scale = max(width, height) / limit
    if scale <= 1:
        return width, height
    return max(1, round(width / scale)), max(1, round(height / scale))
