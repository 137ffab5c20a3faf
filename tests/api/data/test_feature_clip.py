"""POST /api/rasters/{id}/feature.{tif|png}: the raster cut to a posted polygon.

The GeoTIFF is compared with rasterio.mask.mask(crop=True) on the same file: the same window,
geotransform, CRS, data type, values inside and nodata outside.
"""

from __future__ import annotations

import io

import numpy as np
import PIL.Image
import pytest
import rasterio
import rasterio.mask

pytestmark = pytest.mark.django_db

PIXEL = 1 / 64
GEOTRANSFORM = (10.0, PIXEL, 0.0, 46.0, 0.0, -PIXEL)  # 256 x 192 pixels
TRIANGLE = {
    "type": "Polygon",
    "coordinates": [[[10.3, 44.1], [12.71, 44.37], [11.5, 45.83], [10.3, 44.1]]],
}


def ramp(dtype) -> np.ndarray:
    rows, cols = np.mgrid[0:192, 0:256]
    return np.stack([rows * 256 + cols, cols * 3 + 7]).astype(dtype)


@pytest.fixture
def int_path(write_raster):
    array = ramp(np.int32)
    array[:, 10:20, 10:20] = -1
    return write_raster("ints.tif", array, geotransform=GEOTRANSFORM, nodata=-1, cog=True)


def clip(api, raster, body, fmt="tif", status=200, **query):
    url = f"/api/rasters/{raster.pk}/feature.{fmt}"
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    response = api.post(url, body, format="json")
    assert response.status_code == status, response.content if status != 200 else status
    return response


def open_tiff(response):
    # rasterio keeps the in-memory file alive as long as the dataset (a MemoryFile would not).
    return rasterio.open(io.BytesIO(b"".join(response.streaming_content)))


def test_geotiff_matches_rasterio_mask(api, catalogue_local, int_path):
    raster = catalogue_local(int_path)
    response = clip(api, raster, TRIANGLE)
    assert response["Content-Type"] == "image/tiff"
    with rasterio.open(int_path) as source:
        expected, transform = rasterio.mask.mask(source, [TRIANGLE], crop=True)
        crs = source.crs
    with open_tiff(response) as clipped:
        assert clipped.dtypes == ("int32", "int32")
        assert clipped.crs == crs
        assert clipped.transform.almost_equals(transform)
        assert clipped.nodata == -1
        assert (clipped.read() == expected).all()


def test_raster_without_nodata_gets_a_mask_band_outside(api, write_raster, catalogue_local):
    path = write_raster("bytes.tif", ramp(np.uint8), geotransform=GEOTRANSFORM)
    raster = catalogue_local(path)
    response = clip(api, raster, {"type": "Feature", "geometry": TRIANGLE, "properties": {}})
    with rasterio.open(path) as source:
        expected, _ = rasterio.mask.mask(source, [TRIANGLE], crop=True)
        outside, _, _ = rasterio.mask.raster_geometry_mask(source, [TRIANGLE], crop=True)
    with open_tiff(response) as clipped:
        assert clipped.nodata is None
        assert (clipped.dataset_mask() == np.where(outside, 0, 255)).all()
        assert (clipped.read() == expected).all()


def test_max_size_shrinks_the_clip_and_scales_its_geotransform(api, catalogue_local, int_path):
    raster = catalogue_local(int_path)
    with open_tiff(clip(api, raster, TRIANGLE, max_size=50)) as clipped:
        assert max(clipped.width, clipped.height) == 50
        assert clipped.transform.a > PIXEL
        # The clip still covers the triangle's box: its corners stay where they were.
        with rasterio.open(int_path) as source:
            _, transform = rasterio.mask.mask(source, [TRIANGLE], crop=True)
        assert clipped.transform.c == pytest.approx(transform.c)
        assert clipped.transform.f == pytest.approx(transform.f)


def test_expression_geotiff_is_float32_with_nan_outside(api, catalogue_local, int_path):
    raster = catalogue_local(int_path)
    response = clip(api, raster, TRIANGLE, expression="b2 * 0.5")
    with rasterio.open(int_path) as source:
        expected, _ = rasterio.mask.mask(source, [TRIANGLE], crop=True, filled=False)
    with open_tiff(response) as clipped:
        assert clipped.dtypes == ("float32",) and np.isnan(clipped.nodata)
        values = clipped.read(1)
        inside = ~expected.mask[1]
        assert np.allclose(values[inside], expected[1].data[inside] * 0.5)
        assert np.isnan(values[~inside]).all()


def test_png_is_transparent_outside_the_polygon(api, catalogue_local, int_path):
    raster = catalogue_local(int_path)
    response = clip(api, raster, TRIANGLE, fmt="png", band=2, min=0, max=800, palette="viridis")
    image = np.asarray(PIL.Image.open(io.BytesIO(response.content)).convert("RGBA"))
    with rasterio.open(int_path) as source:
        outside, _, _ = rasterio.mask.raster_geometry_mask(source, [TRIANGLE], crop=True)
    assert image.shape[:2] == outside.shape
    assert (image[:, :, 3][outside] == 0).all()
    assert (image[:, :, 3][~outside] == 255).all()


def test_clip_errors_name_the_problem(api, catalogue_local, int_path, settings):
    raster = catalogue_local(int_path)
    outside = {"type": "Polygon", "coordinates": [[[20, 10], [21, 10], [21, 11], [20, 10]]]}
    assert (
        "does not intersect the raster" in clip(api, raster, outside, status=404).json()["detail"]
    )
    settings.RASTERCATALOG_REGION_MAX_SIZE = 100
    detail = clip(api, raster, TRIANGLE, status=400).json()["detail"]
    assert "RASTERCATALOG_REGION_MAX_SIZE" in detail and "max_size=100" in detail
    detail = clip(api, raster, TRIANGLE, status=400, style='{"band":1}').json()["detail"]
    assert "tiles only" in detail
