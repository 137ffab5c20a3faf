"""expression= on pixel, histogram, region and thumbnail; the presets a raster's bands allow."""

from __future__ import annotations

import io

import numpy as np
import PIL.Image
import pytest
import rasterio
from django.core.cache import cache
from osgeo import gdal

from rastercatalog.geo.webmercator import tile_for_lonlat

pytestmark = pytest.mark.django_db

PIXEL = 1 / 64
GEOTRANSFORM = (10.0, PIXEL, 0.0, 46.0, 0.0, -PIXEL)  # 256 x 192 pixels: lon 10-14, lat 43-46


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    if isinstance(cache._cache, dict):
        cache.clear()


def bands() -> np.ndarray:
    rows, cols = np.mgrid[0:192, 0:256]
    green = (20 + cols // 2).astype(np.uint16)
    red = (30 + rows).astype(np.uint16)
    nir = (300 - cols).astype(np.uint16)
    red[0:10, 0:10] = 0  # nodata in red only
    return np.stack([green, red, nir])


@pytest.fixture
def path(write_raster, tmp_path):
    written = write_raster("grn.tif", bands(), geotransform=GEOTRANSFORM, nodata=0)
    dataset = gdal.Open(str(written), gdal.GA_Update)
    for number, description in enumerate(("Green", "Red", "Near infrared (NIR)"), start=1):
        dataset.GetRasterBand(number).SetDescription(description)
    dataset = None
    return written


@pytest.fixture
def raster(catalogue_local, path):
    return catalogue_local(path)


def ndvi(array: np.ndarray) -> np.ndarray:
    """NDVI in float32, as the server computes it for 16-bit bands."""
    red, nir = array[1].astype(np.float32), array[2].astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(red > 0, (nir - red) / (nir + red), np.nan)


def test_pixel_gives_the_expression_beside_the_band_values(api, raster):
    lon, lat = 10 + 100.5 * PIXEL, 46 - 50.5 * PIXEL
    body = api.get(
        f"/api/rasters/{raster.pk}/pixel", {"lon": lon, "lat": lat, "expression": "(b3-b2)/(b3+b2)"}
    ).json()
    green, red, nir = body["values"]
    assert (red, nir) == (80, 200)
    assert body["expression"] == "(b3 - b2) / (b3 + b2)"
    assert body["value"] == pytest.approx((nir - red) / (nir + red))
    nodata = api.get(
        f"/api/rasters/{raster.pk}/pixel",
        {"lon": 10 + 2 * PIXEL, "lat": 46 - 2 * PIXEL, "expression": "b1 + b2"},
    ).json()
    assert nodata["values"][1] is None and nodata["value"] is None


def test_histogram_of_an_expression(api, raster):
    body = api.get(
        f"/api/rasters/{raster.pk}/histogram",
        {"expression": "(b3-b2)/(b3+b2)", "bins": 20, "range": "-1,1"},
    ).json()
    expected = ndvi(bands())
    finite = expected[np.isfinite(expected)].astype(np.float64)
    counts, _ = np.histogram(finite, bins=20, range=(-1, 1))
    assert body["expression"] == "(b3 - b2) / (b3 + b2)" and "band" not in body
    assert body["counts"] == counts.tolist()
    assert body["valid_pixels"] == np.isfinite(expected).sum()
    response = api.get(f"/api/rasters/{raster.pk}/histogram", {"expression": "b1", "band": 2})
    assert response.status_code == 400 and "band cannot be combined" in response.json()["detail"]


def test_region_geotiff_of_an_expression_is_float32_on_the_raster_grid(api, raster, path):
    bbox = f"{10 + 10 * PIXEL},{46 - 60 * PIXEL},{10 + 90 * PIXEL},{46 - 5 * PIXEL}"
    response = api.get(
        f"/api/rasters/{raster.pk}/region.tif", {"bbox": bbox, "expression": "(b3-b2)/(b3+b2)"}
    )
    assert response.status_code == 200, response.content
    with rasterio.open(io.BytesIO(b"".join(response.streaming_content))) as region:
        assert region.dtypes == ("float32",) and np.isnan(region.nodata)
        assert region.transform.c == pytest.approx(10 + 10 * PIXEL)
        assert region.transform.f == pytest.approx(46 - 5 * PIXEL)
        values = region.read(1)
    expected = ndvi(bands())[5:60, 10:90].astype(np.float32)
    assert np.array_equal(np.isnan(values), np.isnan(expected))
    assert np.allclose(values[~np.isnan(values)], expected[~np.isnan(expected)])


def test_region_png_and_thumbnail_draw_the_expression(api, raster):
    query = {"expression": "(b3-b2)/(b3+b2)", "min": -1, "max": 1}
    bbox = f"{10},{43},{14},{46}"
    region = api.get(f"/api/rasters/{raster.pk}/region.png", {"bbox": bbox, **query})
    thumbnail = api.get(f"/api/rasters/{raster.pk}/thumbnail.png", {"size": "256x192", **query})
    plain = api.get(f"/api/rasters/{raster.pk}/thumbnail.png", {"size": "256x192"})
    assert region.status_code == thumbnail.status_code == 200, region.content
    expected = np.floor((ndvi(bands()) + 1) * 127.5 + 0.5)
    for response in (region, thumbnail):
        image = np.asarray(PIL.Image.open(io.BytesIO(response.content)).convert("RGBA"))
        assert image.shape == (192, 256, 4)
        valid = np.isfinite(expected)
        assert (image[:, :, 3] == np.where(valid, 255, 0)).all()
        assert np.abs(image[:, :, 0][valid] - expected[valid]).max() <= 1
    assert plain["ETag"] != thumbnail["ETag"]


def test_region_tif_refuses_colouring_parameters(api, raster):
    response = api.get(
        f"/api/rasters/{raster.pk}/region.tif", {"bbox": "10,43,11,44", "palette": "viridis"}
    )
    assert response.status_code == 400 and "GeoTIFF holds data" in response.json()["detail"]


def test_analysis_lists_bands_roles_and_presets(api, raster):
    body = api.get(f"/api/rasters/{raster.pk}/analysis").json()
    assert [(b["name"], b["role"]) for b in body["bands"]] == [
        ("b1", "green"),
        ("b2", "red"),
        ("b3", "nir"),
    ]
    presets = {preset["name"]: preset for preset in body["presets"]}
    assert presets["NDVI"]["expression"] == "(b3 - b2) / (b3 + b2)"
    assert presets["NDVI"]["bands"] == {"nir": 3, "red": 2}
    assert presets["NDWI"]["expression"] == "(b1 - b3) / (b1 + b3)"
    assert body["algorithms"] == ["hillshade", "slope", "aspect"]
    # A preset's expression and style work as they are on the tiles.
    tile, _, _ = tile_for_lonlat(12.0, 44.5, 8)
    tile = api.get(
        f"/api/rasters/{raster.pk}/tiles/{tile}.png",
        {"expression": presets["NDVI"]["expression"], "min": -1, "max": 1, "palette": "RdYlGn"},
    )
    assert tile.status_code == 200, tile.content


def test_bands_without_roles_get_no_presets(api, write_raster, catalogue_local):
    raster = catalogue_local(write_raster("plain.tif", bands(), geotransform=GEOTRANSFORM))
    body = api.get(f"/api/rasters/{raster.pk}/analysis").json()
    assert body["presets"] == [] and {b["role"] for b in body["bands"]} == {None}
