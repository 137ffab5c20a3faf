"""The COG of bench/ingest.py: deterministic noise in a tilted scene, written in strips."""

from __future__ import annotations

import time
from pathlib import Path

SEED = 20240615
STRIP_ROWS = 512  # rows generated at once: 512 x 16384 x 3 bytes = 24 MiB
UTM_33N = 32633


def cog_generate(path: Path, *, size: int, compress: str) -> float:
    """Write the benchmark COG at `path` in strips (bounded memory); return the seconds taken."""
    from osgeo import gdal

    gdal.UseExceptions()
    started = time.perf_counter()
    gdal.SetCacheMax(256 * 1024 * 1024)
    source = path.with_name(path.stem + ".source.tif")
    partial = path.with_name(path.stem + ".partial.tif")
    _tiled_noise_write(source, size)
    options = [
        f"COMPRESS={compress}",
        "BLOCKSIZE=512",
        "OVERVIEW_RESAMPLING=NEAREST",
        "NUM_THREADS=ALL_CPUS",
        "BIGTIFF=IF_SAFER",
    ]
    gdal.Translate(str(partial), str(source), format="COG", creationOptions=options)
    source.unlink()
    partial.rename(path)  # a killed run never leaves a half-written file under the real name
    return time.perf_counter() - started


def _tiled_noise_write(path: Path, size: int) -> None:
    """A tiled GeoTIFF in UTM 33N at 10 m: noise 1..255 inside a parallelogram, nodata 0 outside."""
    import numpy as np
    from osgeo import gdal, osr

    options = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "INTERLEAVE=PIXEL", "BIGTIFF=YES"]
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), size, size, 3, gdal.GDT_Byte, options)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(UTM_33N)
    dataset.SetSpatialRef(srs)
    dataset.SetGeoTransform((400000.0, 10.0, 0.0, 5200000.0, 0.0, -10.0))
    colours = (gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand)
    for index, colour in enumerate(colours, start=1):
        band = dataset.GetRasterBand(index)
        band.SetNoDataValue(0)
        band.SetColorInterpretation(colour)
    columns = np.arange(size)
    for top in range(0, size, STRIP_ROWS):
        rows = np.arange(top, min(top + STRIP_ROWS, size))[:, np.newaxis]
        rng = np.random.default_rng([SEED, size, top])
        strip = rng.integers(1, 256, size=(3, len(rows), size), dtype=np.uint8)
        # A swath edge tilted like a satellite scene's, so the footprint is not the whole grid.
        outside = (columns < 0.12 * (size - rows)) | (columns > size - 0.12 * rows)
        strip[:, outside] = 0
        dataset.WriteArray(strip, xoff=0, yoff=top)
    dataset.FlushCache()
    dataset = None
