"""Regions and thumbnails of catalogued rasters: GeoTIFF cut-outs and rendered images.

A GeoTIFF region is cut by GDAL from the file (opened from the catalog row with the driver
allow-list) on whole pixels of the raster's grid, so it keeps the raster's CRS, data type, nodata and
band descriptions, and its geotransform is the raster's own, shifted (and scaled when shrunk).
Rendered regions and thumbnails go through large-image (tilesource.py) in its default style.
"""

from __future__ import annotations

import os
import tempfile
from typing import BinaryIO

from django.conf import settings
from osgeo import gdal
from PIL import Image, ImageOps

from ..catalog.reader import RasterRejected, dataset_open
from ..catalog.sources import SourceRefused, source_resolve
from ..geo.pixelgrid import Window
from ..models import Raster
from .cache import cache_get_or_render
from .encode import image_encode
from .source import RasterFileUnavailable, tilesource_render


def output_size(window: Window, max_size: int | None) -> tuple[int, int]:
    """The region's output size: its size at full resolution, shrunk so no side exceeds max_size."""
    width, height = window.width, window.height
    if max_size is None or max(width, height) <= max_size:
        return width, height
    scale = max_size / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def region_geotiff(raster: Raster, window: Window, *, size: tuple[int, int]) -> BinaryIO:
    """Cut `window` out of the raster as a GeoTIFF of `size` pixels; return it as an open file."""
    try:
        source = source_resolve(raster.uri, trusted=True)  # it passed the allow-lists at ingest
        # A fresh dataset, not large-image's shared one: a large cut must not hold up tile reads.
        dataset = dataset_open(source)
    except (SourceRefused, RasterRejected) as exc:  # e.g. the file was deleted since ingest
        raise RasterFileUnavailable(str(exc)) from exc
    tiled = ["TILED=YES"] if max(size) > 512 else []
    descriptor, path = tempfile.mkstemp(prefix="rastercatalog-region-", suffix=".tif")
    os.close(descriptor)
    try:
        gdal.Translate(
            path,
            dataset,
            srcWin=[window.col_off, window.row_off, window.width, window.height],
            width=size[0],
            height=size[1],
            format="GTiff",
            # Nearest neighbour keeps real data values (and class codes) when the region is shrunk.
            resampleAlg="nearest",
            creationOptions=["COMPRESS=DEFLATE", *tiled],
        )
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    except RuntimeError as exc:
        raise RasterFileUnavailable(f"the region cannot be read: {exc}") from exc
    finally:
        # Unlinked at once: the open handle keeps the bytes until the response is sent.
        os.unlink(path)
    return handle


def region_image(raster: Raster, window: Window, *, size: tuple[int, int]) -> Image.Image:
    """Render `window` of the raster to an image of exactly `size` pixels."""
    image = tilesource_render(
        raster,
        left=window.col_off,
        top=window.row_off,
        right=window.col_off + window.width,
        bottom=window.row_off + window.height,
        width=size[0],
        height=size[1],
    )
    return _exactly(image, size)


def thumbnail_get(raster: Raster, window: Window, *, size: tuple[int, int], fmt: str) -> bytes:
    """Return the encoded thumbnail from the Django cache, or render it once (misses wait)."""
    # The checksum makes new bytes at the same URI a new key, never a stale thumbnail.
    key = (
        f"thumbnail:{raster.checksum_sha256}:{fmt}:{window.col_off},{window.row_off},"
        f"{window.width},{window.height}:{size[0]}x{size[1]}"
    )
    content, _ = cache_get_or_render(
        key,
        lambda: image_encode(region_image(raster, window, size=size), fmt),
        timeout=settings.RASTERCATALOG_TILE_CACHE_TIMEOUT,
    )
    return content


def _exactly(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    # large-image rounds the fitted size its own way; a pixel either side is resampled away.
    if image.size == size:
        return image
    return ImageOps.fit(image, size, method=Image.Resampling.BILINEAR)
