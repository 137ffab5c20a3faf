"""Terrain maths against GDAL's own `gdaldem` (Horn's method) on the same DEM and pixel size."""

from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal, osr

from rastercatalog.render.terrain import ground_size, terrain_compute

PIXEL_M = 30.0


def dem() -> np.ndarray:
    rows, cols = np.mgrid[0:80, 0:100]
    heights = 400 + 150 * np.sin(cols / 9.0) * np.cos(rows / 13.0) + 2.0 * rows
    heights[30:40, 30:40] = 500.0  # a flat top: aspect is undefined there
    return heights.astype(np.float32)


def gdaldem(processing: str, heights: np.ndarray, **options) -> np.ndarray:
    source = gdal.GetDriverByName("MEM").Create(
        "", heights.shape[1], heights.shape[0], 1, gdal.GDT_Float32
    )
    source.SetGeoTransform((500000.0, PIXEL_M, 0.0, 5000000.0, 0.0, -PIXEL_M))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    source.SetSpatialRef(srs)
    source.GetRasterBand(1).WriteArray(heights)
    result = gdal.DEMProcessing("", source, processing, format="MEM", **options)
    return result.GetRasterBand(1).ReadAsArray().astype(np.float64)[1:-1, 1:-1]


def ours(algorithm: str, heights: np.ndarray, **options) -> np.ndarray:
    ground = np.full((heights.shape[0] - 2, 2), PIXEL_M)
    return terrain_compute(heights, ground, algorithm=algorithm, **options).astype(np.float64)


def test_slope_matches_gdaldem():
    heights = dem()
    np.testing.assert_allclose(ours("slope", heights), gdaldem("slope", heights), atol=1e-3)


def test_aspect_matches_gdaldem_and_is_nodata_where_flat():
    heights = dem()
    expected = gdaldem("aspect", heights)
    found = ours("aspect", heights)
    flat = expected == -9999
    assert flat.sum() >= 64 and np.isnan(found[flat]).all()
    difference = np.abs(found[~flat] - expected[~flat])
    assert np.minimum(difference, 360 - difference).max() < 1e-2


@pytest.mark.parametrize(("azimuth", "altitude", "zfactor"), [(315, 45, 1), (90, 30, 2.5)])
def test_hillshade_matches_gdaldem(azimuth, altitude, zfactor):
    heights = dem()
    light = {"azimuth": azimuth, "altitude": altitude}
    expected = gdaldem("hillshade", heights, zFactor=zfactor, **light)  # 1 + 254 x shade, bytes
    found = ours("hillshade", heights, zfactor=zfactor, **light)  # 255 x the shade, floats
    assert np.abs(found / 255 - (expected - 1) / 254).max() < 0.005


def test_ground_size_of_a_web_mercator_pixel():
    # At the equator a 3857 metre is a metre east-west, and 0.993 m north-south (M / R); at 60
    # degrees, cos(60) of it east-west, times N / R = 1 / sqrt(1 - e2 sin2(60)).
    equator, sixty = ground_size(np.radians([0.0, 60.0]), 10.0)
    assert equator == pytest.approx([10.0, 9.9330], abs=1e-3)
    normal = 1 / np.sqrt(1 - 6.69437999014e-3 * 0.75)
    assert sixty[0] == pytest.approx(10.0 * 0.5 * normal, rel=1e-9)
