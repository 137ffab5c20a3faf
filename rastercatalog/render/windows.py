"""Read bands of a catalogued raster in its own grid: a window, at full resolution or shrunk.

Long reads (regions, clips, zonal statistics) open the file anew from the catalog row, with the
driver allow-list, rather than borrowing large-image's shared dataset: a large read must not hold
up the tile reads waiting on that dataset's lock. Short reads (the statistics level, one pixel) use
the shared dataset, whose open costs nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
from osgeo import gdal

from ..catalog.reader import RasterRejected, dataset_open
from ..catalog.sources import SourceRefused, source_resolve
from ..errors import RasterFileUnavailable
from ..geo.pixelgrid import Window
from ..models import Raster


@contextlib.contextmanager
def dataset_fresh(raster: Raster) -> Iterator[gdal.Dataset]:
    """Open the raster's file for one long read; GDAL errors become RasterFileUnavailable."""
    try:
        source = source_resolve(raster.uri, trusted=True)  # it passed the allow-lists at ingest
        dataset = dataset_open(source)
    except (SourceRefused, RasterRejected) as exc:  # e.g. the file was deleted since ingest
        raise RasterFileUnavailable(str(exc)) from exc
    with read_errors():
        yield dataset


@contextlib.contextmanager
def read_errors() -> Iterator[None]:
    """Turn a GDAL read error (a file changed or a server gone since ingest) into a reason."""
    try:
        yield
    except RuntimeError as exc:
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else "read error"
        raise RasterFileUnavailable(f"the raster's pixels cannot be read now: {message}") from exc


def bands_read(
    dataset: gdal.Dataset,
    *,
    bands: Sequence[int],
    window: Window | None = None,
    size: tuple[int, int] | None = None,
    level: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Read `bands` (1-based) as a (rows, columns, len(bands)) array and the valid pixels.

    `window` is in the pixels of `level` (None: full resolution; n: the band's overview n), the
    whole level by default; `size` (width, height) shrinks it by nearest neighbour (GDAL picks an
    overview). A pixel is valid where every band read has data (mask bands) and is not NaN.
    """
    planes, valid = [], None
    for number in bands:
        band = dataset.GetRasterBand(number)
        if level is not None:
            band = band.GetOverview(level)
        box = window or Window(0, 0, band.XSize, band.YSize)
        width, height = size or (box.width, box.height)
        options = {
            "xoff": box.col_off,
            "yoff": box.row_off,
            "win_xsize": box.width,
            "win_ysize": box.height,
            "buf_xsize": width,
            "buf_ysize": height,
        }
        plane = band.ReadAsArray(**options)
        mask = band.GetMaskBand().ReadAsArray(**options) > 0
        if plane.dtype.kind == "f":
            mask &= ~np.isnan(plane)
        planes.append(plane)
        valid = mask if valid is None else valid & mask
    return np.stack(planes, axis=2), valid
