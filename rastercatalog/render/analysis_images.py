"""Regions, thumbnails and clips drawn like tiles: the style parameters, or an expression, on pixels
read in the raster's own grid (not through large-image, whose default style they replace).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from typing import BinaryIO

import numpy as np
from django.conf import settings
from osgeo import gdal, osr

from ..geo.pixelgrid import Grid, Window
from ..models import Band, Raster
from .analysis import Analysis, analysis_paint, analysis_style_check
from .analysis_levels import expression_range
from .analysis_tiles import plane_with_alpha
from .bandmath import expression_apply
from .cache import cache_get_or_render
from .clip import clip_transform
from .encode import image_encode
from .expression import Expression
from .paint import paint_apply, paint_resolve
from .style import TileStyle
from .windows import bands_read, dataset_fresh

# bands (1-based) -> their pixels as (rows, columns, bands) and the pixels to draw
StackReader = Callable[[Sequence[int]], tuple[np.ndarray, np.ndarray]]


def window_reader(raster: Raster, window: Window, *, size: tuple[int, int]) -> StackReader:
    """A StackReader of `window` of the raster, read at `size` pixels (nearest neighbour)."""

    def read(bands: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        with dataset_fresh(raster) as dataset:
            return bands_read(dataset, bands=bands, window=window, size=size)

    return read


def image_draw(
    raster: Raster,
    read: StackReader,
    *,
    style: TileStyle,
    expression: Expression | None,
    bands: Sequence[Band],
) -> np.ndarray:
    """Draw as uint8 RGBA: the expression coloured like one band, or the bands as tiles draw them."""
    if expression is not None:
        analysis = Analysis(expression=expression)
        analysis_style_check(analysis, style, band_count=raster.band_count or 1)
        stack, valid = read(expression.bands)
        planes = {band: stack[:, :, i] for i, band in enumerate(expression.bands)}
        values = expression_apply(expression, planes, valid=valid)
        paint = analysis_paint(
            style,
            analysis,
            expression_range=lambda stretch: expression_range(raster, expression, stretch=stretch),
        )
        return paint_apply(plane_with_alpha(values), paint)
    paint = paint_resolve(style, dtype=raster.dtype, bands=bands)
    numbers = [channel + 1 for channel in paint.channels]
    stack, valid = read(numbers)
    alpha = valid.astype(stack.dtype)[:, :, np.newaxis]  # paint_apply draws where alpha > 0
    paint = dataclasses.replace(paint, channels=tuple(range(len(numbers))))
    return paint_apply(np.concatenate([stack, alpha], axis=2), paint)


def expression_geotiff(
    raster: Raster,
    read: StackReader,
    expression: Expression,
    *,
    window: Window,
    size: tuple[int, int],
    inside: np.ndarray | None = None,
) -> BinaryIO:
    """The expression over the window as a one-band float32 GeoTIFF (NaN: nodata); an open file."""
    stack, valid = read(expression.bands)
    if inside is not None:
        valid = valid & inside
    planes = {band: stack[:, :, i] for i, band in enumerate(expression.bands)}
    values = expression_apply(expression, planes, valid=valid)
    transform = clip_transform(raster, window, size)
    descriptor, path = tempfile.mkstemp(prefix="rastercatalog-expression-", suffix=".tif")
    os.close(descriptor)
    try:
        tiled = ["TILED=YES"] if max(size) > 512 else []
        output = gdal.GetDriverByName("GTiff").Create(
            path, size[0], size[1], 1, gdal.GDT_Float32, options=["COMPRESS=DEFLATE", *tiled]
        )
        output.SetGeoTransform(transform.to_gdal())
        crs = osr.SpatialReference()
        crs.SetFromUserInput(Grid.of(raster).crs)
        output.SetSpatialRef(crs)
        band = output.GetRasterBand(1)
        band.WriteArray(values)
        band.SetNoDataValue(float("nan"))
        band.SetDescription(expression.text)
        output.FlushCache()
        output = None  # closes the file
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    finally:
        os.unlink(path)  # the open handle keeps the bytes until the response is sent
    return handle


def drawn_image_get(
    raster: Raster,
    window: Window,
    *,
    size: tuple[int, int],
    fmt: str,
    style: TileStyle,
    expression: Expression | None,
    bands: Sequence[Band],
) -> bytes:
    """The window drawn with the style or expression and encoded, from the Django cache or drawn once."""
    token = style.cache_token() + ("&expression=" + expression.text if expression else "")
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    key = (
        f"drawn:{raster.checksum_sha256}:{fmt}:{window.col_off},{window.row_off},"
        f"{window.width},{window.height}:{size[0]}x{size[1]}:{digest}"
    )
    read = window_reader(raster, window, size=size)

    def draw() -> bytes:
        image = image_draw(raster, read, style=style, expression=expression, bands=bands)
        return image_encode(image, fmt)

    content, _ = cache_get_or_render(key, draw, timeout=settings.RASTERCATALOG_TILE_CACHE_TIMEOUT)
    return content
