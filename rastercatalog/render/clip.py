"""A raster cut to a posted polygon: a GeoTIFF of its data (nodata outside), or a rendered image.

rasterio.mask's semantics (`mask(dataset, shapes, crop=True)`): the window is every pixel the
geometry's bounding box touches (floor and ceiling of its pixel bounds, clipped to the raster); a
pixel is inside when its centre is (`all_touched=False`). The GeoTIFF keeps the raster's data type,
CRS, band descriptions and grid (its geotransform is the raster's, shifted to the window, and scaled
when `max_size` shrinks it). Outside the geometry a pixel holds the band's nodata value; a raster
without one gets an internal mask band instead (0 outside) and zeros there, so that no value of
the data is ever taken to mean "outside".
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import BinaryIO

import numpy as np
from affine import Affine
from osgeo import gdal
from rasterio.features import geometry_mask

from ..errors import AnalysisInvalid
from ..geo.features import Feature
from ..geo.pixelgrid import Grid, Window
from ..models import Raster
from .windows import bands_read, dataset_fresh


def clip_window(raster: Raster, features: Sequence[Feature]) -> tuple[Window, list[dict]]:
    """The window of the raster the features' bounding box covers, and the features in its CRS."""
    grid = Grid.of(raster)
    if grid.transform.b or grid.transform.d:
        raise AnalysisInvalid(f"raster {raster.pk} has a rotated grid: it cannot be clipped")
    geometries = [feature.geojson_in(grid.crs) for feature in features]
    points = np.array(
        [
            p
            for geometry in geometries
            for polygon in geometry["coordinates"]
            for r in polygon
            for p in r
        ]
    )
    xmin, ymin = points.min(axis=0)
    xmax, ymax = points.max(axis=0)
    return grid.window_of((xmin, ymin, xmax, ymax), grid.crs), geometries


def clip_transform(raster: Raster, window: Window, size: tuple[int, int]) -> Affine:
    """The geotransform of the window read at `size` pixels."""
    transform = Grid.of(raster).transform * Affine.translation(window.col_off, window.row_off)
    return transform * Affine.scale(window.width / size[0], window.height / size[1])


def clip_inside(geometries: list[dict], transform: Affine, size: tuple[int, int]) -> np.ndarray:
    """True for the pixels whose centre is inside the geometries (rasterio.mask's rule)."""
    return geometry_mask(geometries, out_shape=(size[1], size[0]), transform=transform, invert=True)


def clip_geotiff(
    raster: Raster, window: Window, geometries: list[dict], *, size: tuple[int, int]
) -> BinaryIO:
    """Cut the raster to the geometries as a GeoTIFF of `size` pixels; return it as an open file."""
    transform = clip_transform(raster, window, size)
    inside = clip_inside(geometries, transform, size)
    descriptor, path = tempfile.mkstemp(prefix="rastercatalog-clip-", suffix=".tif")
    os.close(descriptor)
    try:
        with dataset_fresh(raster) as dataset:
            _write(dataset, path, window=window, size=size, transform=transform, inside=inside)
        handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    finally:
        # Unlinked at once: the open handle keeps the bytes until the response is sent.
        os.unlink(path)
    return handle


def _write(
    dataset: gdal.Dataset,
    path: str,
    *,
    window: Window,
    size: tuple[int, int],
    transform: Affine,
    inside: np.ndarray,
) -> None:
    # The mask must live inside the TIFF, not in a .msk file beside the temporary one.
    previous = gdal.GetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
    gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")
    try:
        output = gdal.GetDriverByName("GTiff").Create(
            path,
            size[0],
            size[1],
            dataset.RasterCount,
            dataset.GetRasterBand(1).DataType,
            options=["COMPRESS=DEFLATE", *(["TILED=YES"] if max(size) > 512 else [])],
        )
        output.SetGeoTransform(transform.to_gdal())
        output.SetProjection(dataset.GetProjection())
        _write_bands(dataset, output, window=window, size=size, inside=inside)
        output.FlushCache()
        output = None  # closes the file
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_TIFF_INTERNAL_MASK", previous)


def _write_bands(
    dataset: gdal.Dataset,
    output: gdal.Dataset,
    *,
    window: Window,
    size: tuple[int, int],
    inside: np.ndarray,
) -> None:
    count = dataset.RasterCount
    nodata_everywhere = all(
        dataset.GetRasterBand(n).GetNoDataValue() is not None for n in range(1, count + 1)
    )
    for number in range(1, count + 1):
        source, target = dataset.GetRasterBand(number), output.GetRasterBand(number)
        values = source.ReadAsArray(
            window.col_off, window.row_off, window.width, window.height, size[0], size[1]
        )
        nodata = source.GetNoDataValue()
        fill = np.asarray(nodata if nodata_everywhere else 0).astype(values.dtype)
        target.WriteArray(np.where(inside, values, fill))
        if nodata_everywhere:
            target.SetNoDataValue(nodata)
        target.SetDescription(source.GetDescription())
        table = source.GetColorTable()
        if table is not None:
            target.SetColorTable(table)
        target.SetColorInterpretation(source.GetColorInterpretation())
    if not nodata_everywhere:
        output.CreateMaskBand(gdal.GMF_PER_DATASET)
        output.GetRasterBand(1).GetMaskBand().WriteArray(inside.astype(np.uint8) * 255)


def clip_read(
    raster: Raster,
    window: Window,
    geometries: list[dict],
    *,
    size: tuple[int, int],
    bands: Sequence[int],
) -> tuple[np.ndarray, np.ndarray]:
    """Read `bands` of the window at `size`: the stack and the pixels both valid and inside."""
    inside = clip_inside(geometries, clip_transform(raster, window, size), size)
    with dataset_fresh(raster) as dataset:
        stack, valid = bands_read(dataset, bands=bands, window=window, size=size)
    return stack, valid & inside
