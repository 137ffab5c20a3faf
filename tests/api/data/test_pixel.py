"""GET /api/rasters/{id}/pixel: the values GDAL reads at the same place, null where there is no data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from osgeo import gdal, osr

from rastercatalog.models import Raster

from ..conftest import INDEX_GEOTRANSFORM

pytestmark = pytest.mark.django_db


def lonlat_of(epsg: int, x: float, y: float) -> tuple[float, float]:
    """A point of `epsg` in lon/lat, by GDAL/osr (independent of the code under test)."""
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(epsg)
    target.ImportFromEPSG(4326)
    for srs in (source, target):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(source, target).TransformPoint(x, y)
    return lon, lat


def gdal_read_at(path, lon: float, lat: float) -> tuple[int, int, list]:
    """(col, row, values) of the pixel containing lon/lat, read with GDAL directly."""
    dataset = gdal.Open(str(path))
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    native = dataset.GetSpatialRef()
    for srs in (wgs84, native):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(wgs84, native).TransformPoint(lon, lat)
    col, row = gdal.ApplyGeoTransform(gdal.InvGeoTransform(dataset.GetGeoTransform()), x, y)
    col, row = math.floor(col), math.floor(row)
    values = [
        dataset.GetRasterBand(i).ReadAsArray(col, row, 1, 1)[0, 0].item()
        for i in range(1, dataset.RasterCount + 1)
    ]
    return col, row, values


def utm_pixel_point(col: float, row: float) -> tuple[float, float]:
    """UTM 33N coordinates of a (fractional) pixel position of the index raster."""
    x0, dx, _, y0, _, dy = INDEX_GEOTRANSFORM
    return x0 + col * dx, y0 + row * dy


def test_utm_pixel_equals_what_gdal_reads(api, catalogue, index_raster):
    raster = catalogue(index_raster)
    lon, lat = lonlat_of(32633, *utm_pixel_point(123.5, 45.5))

    response = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": lon, "lat": lat})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["col"], body["row"]) == (123, 45)
    assert body["values"] == [45 * 1000 + 123 + 1]
    assert (body["col"], body["row"], body["values"]) == gdal_read_at(index_raster, lon, lat)
    assert (body["lon"], body["lat"]) == pytest.approx((lon, lat))


def test_point_near_a_pixel_edge_is_in_the_pixel_that_contains_it(
    api, catalogue_local, index_raster
):
    """0.9 of the way across pixel 10 is still pixel 10 (rounding would say 11)."""
    raster = catalogue_local(index_raster)
    lon, lat = lonlat_of(32633, *utm_pixel_point(10.9, 20.9))

    body = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": lon, "lat": lat}).json()

    assert (body["col"], body["row"]) == (10, 20)
    assert body["values"] == [20 * 1000 + 10 + 1]


def test_nodata_pixel_is_null(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)
    lon, lat = lonlat_of(32633, *utm_pixel_point(5.5, 7.5))

    body = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": lon, "lat": lat}).json()

    assert (body["col"], body["row"]) == (5, 7)
    assert body["values"] == [None]


def test_point_given_in_another_crs(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)
    x, y = utm_pixel_point(200.25, 150.75)

    response = api.get(f"/api/rasters/{raster.pk}/pixel", {"crs": "EPSG:32633", "x": x, "y": y})

    body = response.json()
    assert response.status_code == 200, body
    assert (body["col"], body["row"], body["values"]) == (200, 150, [150 * 1000 + 200 + 1])
    assert (body["x"], body["y"], body["crs"]) == (x, y, "EPSG:32633")
    assert (body["lon"], body["lat"]) == pytest.approx(lonlat_of(32633, x, y))


def test_wgs84_float_raster_nan_and_nodata_are_null(api, catalogue, write_raster):
    """float32 in EPSG:4326: the nodata value and NaN are null, other values as GDAL reads them."""
    array = np.linspace(-5.25, 1000.5, 40 * 60, dtype=np.float32).reshape(40, 60)
    array[3, 4] = -9999
    array[10, 20] = np.nan
    path = write_raster(
        "dem.tif", array, epsg=4326, geotransform=(6.0, 0.01, 0.0, 46.0, 0.0, -0.01), nodata=-9999
    )
    raster = catalogue(path)

    def pixel(col: int, row: int) -> dict:
        lon, lat = 6.0 + (col + 0.5) * 0.01, 46.0 - (row + 0.5) * 0.01
        return api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": lon, "lat": lat}).json()

    assert pixel(4, 3)["values"] == [None]
    assert pixel(20, 10)["values"] == [None]
    body = pixel(33, 17)
    assert (body["col"], body["row"]) == (33, 17)
    assert body["values"] == [float(array[17, 33])]
    assert body["values"] == gdal_read_at(path, body["lon"], body["lat"])[2]


def test_float64_and_multiband_values_are_exact(api, catalogue_local, write_raster):
    bands = np.stack(
        [
            np.full((10, 10), 0.1, dtype=np.float64),
            np.full((10, 10), 1e-300),
            np.full((10, 10), -7.0),
        ]
    )
    path = write_raster("f64.tif", bands, geotransform=(10.0, 0.1, 0.0, 50.0, 0.0, -0.1))
    raster = catalogue_local(path)

    body = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": 10.55, "lat": 49.55}).json()

    assert body["values"] == [0.1, 1e-300, -7.0]


def test_outside_the_raster_is_404_with_the_bounds(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)

    response = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": 0.0, "lat": 0.0})

    assert response.status_code == 404
    assert "outside the raster" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"lat": 46.0}, "parameter lon is required"),
        ({"lon": "east", "lat": 46.0}, "parameter lon='east' is invalid"),
        ({"lon": "nan", "lat": 46.0}, "parameter lon='nan' is invalid"),
        ({"crs": "EPSG:32633", "x": 460000.0}, "parameter y is required"),
        ({"crs": "EPSG:999999", "x": 1, "y": 1}, "parameter crs='EPSG:999999' is invalid"),
        ({"crs": "+proj=merc", "x": 1, "y": 1}, "expected EPSG:<code>"),
    ],
)
def test_bad_parameters_are_400_naming_them(api, catalogue_local, index_raster, query, named):
    raster = catalogue_local(index_raster)

    response = api.get(f"/api/rasters/{raster.pk}/pixel", query)

    assert response.status_code == 400
    assert named in response.json()["detail"]


def test_unknown_raster_is_404_and_unready_is_409(api):
    pending = Raster.objects.create(name="p", uri="/x.tif", status=Raster.Status.PENDING)
    failed = Raster.objects.create(
        name="f", uri="/y.tif", status=Raster.Status.FAILED, error="not a raster"
    )

    missing = api.get("/api/rasters/999999/pixel", {"lon": 0, "lat": 0})
    assert missing.status_code == 404
    assert "no raster with id 999999" in missing.json()["detail"]
    assert api.get(f"/api/rasters/{pending.pk}/pixel", {"lon": 0, "lat": 0}).status_code == 409
    response = api.get(f"/api/rasters/{failed.pk}/pixel", {"lon": 0, "lat": 0})
    assert response.status_code == 409
    assert "not a raster" in response.json()["detail"]
