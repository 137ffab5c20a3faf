"""Open rasters safely: the driver allow-list, GDAL's configuration, and the structural checks.

Every raster the catalog reads is opened here, from a `RasterSource` that `sources.py` vetted. Only
the drivers in ALLOWED_DRIVERS may open it: Debian's GDAL 3.6 would otherwise let a `.tif` that is
really a VRT read `/etc/passwd`, or a WMS XML file reach any host. (large-image, which renders tiles,
opens files itself: `tilesource.py` runs `dataset_open` on a file before large-image sees it.)
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import rasterio
from django.conf import settings
from osgeo import gdal

from ..errors import RasterRejected
from .sources import RasterSource

gdal.UseExceptions()

# GeoTIFF covers COGs too (the COG driver only writes). Every other driver is refused: the
# rule is short on purpose, since most formats can point at other files or hosts.
ALLOWED_DRIVERS = ("GTiff",)

# Set once for both GDALs in the process (Debian's, used by osgeo and large-image; rasterio's own,
# used by rio-cogeo): both read these from the environment when they are not set in code.
GDAL_DEFAULTS = {
    # Never write .aux.xml files next to the user's rasters.
    "GDAL_PAM_ENABLED": "NO",
    "GDAL_HTTP_MAX_RETRY": "2",
    "GDAL_HTTP_RETRY_DELAY": "0.5",
    "CPL_VSIL_CURL_USE_HEAD": "NO",
    # No per-file cache of remote reads: byte ranges go through /vsicurl/'s global cache, whose
    # size (CPL_VSIL_CURL_CACHE_SIZE) is set from RASTERCATALOG_GDAL_HTTP_CACHE_MB.
    "VSI_CACHE": "FALSE",
}


# GDAL block cache allowed while every block is decoded once at ingest (see dataset_verify_pixels).
VERIFY_CACHE_BYTES = 16 * 1024 * 1024


def gdal_configure() -> None:
    """Apply the process-wide GDAL options (called when Django starts)."""
    timeout = str(settings.RASTERCATALOG_HTTP_TIMEOUT)
    options = {**GDAL_DEFAULTS, "GDAL_HTTP_TIMEOUT": timeout, "GDAL_HTTP_CONNECTTIMEOUT": "10"}
    # Memory (README, "Memory"): the block cache and the remote-read cache, each per GDAL copy
    # (the environment reaches rasterio's bundled GDAL too, which reads it on first use).
    options["GDAL_CACHEMAX"] = str(settings.RASTERCATALOG_GDAL_CACHE_MB)
    options["CPL_VSIL_CURL_CACHE_SIZE"] = str(settings.RASTERCATALOG_GDAL_HTTP_CACHE_MB * 2**20)
    for key, value in options.items():
        os.environ.setdefault(key, value)
        gdal.SetConfigOption(key, os.environ[key])
    cache = os.environ["GDAL_CACHEMAX"]
    # "64" means MB; other forms ("10%") GDAL parses itself from the environment.
    if cache.isdigit():
        gdal.SetCacheMax(int(cache) * 1024 * 1024)


def source_options(source: RasterSource) -> dict[str, str]:
    """GDAL options for reading this source."""
    # Remote: don't list the "directory" (one request each, and it may find sidecar files).
    # Local: listing is cheap and finds external .ovr overviews, which the COG verdict must see.
    return {"GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR" if source.is_remote else "FALSE"}


@contextlib.contextmanager
def gdal_env(source: RasterSource) -> Iterator[None]:
    """Apply the source's options to both GDALs for the duration of a block."""
    options = source_options(source)
    previous = {key: gdal.GetThreadLocalConfigOption(key, None) for key in options}
    for key, value in options.items():
        gdal.SetThreadLocalConfigOption(key, value)
    try:
        with rasterio.Env(**options):
            yield
    finally:
        for key, value in previous.items():
            gdal.SetThreadLocalConfigOption(key, value)


def dataset_open(source: RasterSource, *, overview_level: int | None = None) -> gdal.Dataset:
    """Open `source` read-only with an allowed driver, or raise RasterRejected saying why not.

    `overview_level`: open that overview (0: the first) as the dataset, as GDAL's warp does.
    """
    path = source.gdal_path
    open_options = [] if overview_level is None else [f"OVERVIEW_LEVEL={overview_level}"]
    with gdal_env(source):
        try:
            driver = gdal.IdentifyDriverEx(path, gdal.OF_RASTER)
        except RuntimeError:
            driver = None
        if driver is None:
            raise RasterRejected(_unidentified_reason(source))
        name = driver.ShortName
        if name not in ALLOWED_DRIVERS:
            raise RasterRejected(
                f"driver {name} is not allowed (the catalog reads {', '.join(ALLOWED_DRIVERS)} only)"
            )
        try:
            return gdal.OpenEx(
                path,
                gdal.OF_RASTER | gdal.OF_READONLY,
                allowed_drivers=list(ALLOWED_DRIVERS),
                open_options=open_options,
            )
        except RuntimeError as exc:
            raise RasterRejected(f"{name} file cannot be opened: {_gdal_message(exc)}") from exc


def _unidentified_reason(source: RasterSource) -> str:
    try:
        stat = gdal.VSIStatL(source.gdal_path)
    except RuntimeError:
        stat = None
    if stat is None:
        return f"cannot read {source.uri}: not found or not reachable"
    if stat.size == 0:
        return "empty file (0 bytes): not a raster"
    return "not a raster: GDAL recognises no raster format in this file"


def _gdal_message(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1] if str(exc).strip() else exc.__class__.__name__


def dataset_check_structure(ds: gdal.Dataset, *, file_size: int) -> None:
    """Refuse rasters whose size or tile layout cannot be trusted, before reading any pixels."""
    width, height = ds.RasterXSize, ds.RasterYSize
    pixels = width * height
    if ds.RasterCount == 0:
        raise RasterRejected("the file has no raster bands")
    if pixels > settings.RASTERCATALOG_MAX_PIXELS:
        raise RasterRejected(
            f"raster is {width}x{height} pixels ({pixels:.2g}), more than RASTERCATALOG_MAX_PIXELS "
            f"({settings.RASTERCATALOG_MAX_PIXELS:.2g})"
        )
    band = ds.GetRasterBand(1)
    interleave = ds.GetMetadataItem("INTERLEAVE", "IMAGE_STRUCTURE") or "PIXEL"
    bands = (
        [band]
        if interleave == "PIXEL"
        else [ds.GetRasterBand(i + 1) for i in range(ds.RasterCount)]
    )
    for level_band in _with_overviews(bands):
        _check_block_ranges(level_band, file_size)


def _with_overviews(bands: list[gdal.Band]) -> Iterator[gdal.Band]:
    for band in bands:
        yield band
        for i in range(band.GetOverviewCount()):
            yield band.GetOverview(i)


def _check_block_ranges(band: gdal.Band, file_size: int) -> None:
    """Every tile/strip must lie inside the file: a truncated file fails here with the tile number.

    GDAL exposes each block's byte range in the TIFF metadata domain, which costs no pixel reads.
    Blocks with offset 0 are sparse (never written) and read as nodata, which is legitimate.
    """
    block_x, block_y = band.GetBlockSize()
    columns = (band.XSize + block_x - 1) // block_x
    rows = (band.YSize + block_y - 1) // block_y
    for row in range(rows):
        for column in range(columns):
            offset = band.GetMetadataItem(f"BLOCK_OFFSET_{column}_{row}", "TIFF")
            if offset is None:
                return  # not a TIFF band (nothing to check)
            size = band.GetMetadataItem(f"BLOCK_SIZE_{column}_{row}", "TIFF") or "0"
            if int(offset) and int(offset) + int(size) > file_size:
                tile = row * columns + column
                raise RasterRejected(
                    f"file truncated at tile {tile} (level {band.XSize}x{band.YSize}): it needs bytes up "
                    f"to {int(offset) + int(size)} but the file has {file_size}"
                )


def dataset_verify_pixels(ds: gdal.Dataset) -> None:
    """Decode every block of every level once: a corrupt tile fails here, not when a user views it.

    Reads go a strip of blocks at a time, so memory stays flat; the cost is one pass over the file,
    as for the checksum.
    """
    bands = [ds.GetRasterBand(i + 1) for i in range(ds.RasterCount)]
    # Blocks decoded here are never read again: keep GDAL's (process-wide) block cache small while
    # they stream through, so this pass costs ~VERIFY_CACHE_BYTES whatever the file size.
    previous = gdal.GetCacheMax()
    gdal.SetCacheMax(min(previous, VERIFY_CACHE_BYTES))
    try:
        levels = min(band.GetOverviewCount() for band in bands)
        for level in range(-1, levels):
            _decode_level([b if level < 0 else b.GetOverview(level) for b in bands])
    finally:
        gdal.SetCacheMax(previous)


def _decode_level(bands: list[gdal.Band]) -> None:
    """Read one level strip by strip, all bands of a strip together.

    In a pixel-interleaved TIFF one tile holds every band: reading the bands of a strip back to
    back decodes each tile once, provided the strip's tiles fit the cache (hence its width).
    """
    first = bands[0]
    block_x, block_y = first.GetBlockSize()
    pixel_bytes = max(1, gdal.GetDataTypeSize(first.DataType) // 8) * len(bands)
    budget = VERIFY_CACHE_BYTES // 2
    columns = max(block_x, budget // (pixel_bytes * block_y) // block_x * block_x)
    for y in range(0, first.YSize, block_y):
        for x in range(0, first.XSize, columns):
            width, height = min(columns, first.XSize - x), min(block_y, first.YSize - y)
            for band in bands:
                try:
                    band.ReadRaster(x, y, width, height)
                except RuntimeError as exc:
                    raise RasterRejected(
                        f"pixels cannot be read (corrupt data) at level {first.XSize}x{first.YSize}, "
                        f"rows {y}-{y + height}: {_gdal_message(exc)}"
                    ) from exc
