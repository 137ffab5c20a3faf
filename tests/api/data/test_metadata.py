"""metadata, metadata/internal, bands and statistics of a catalogued raster."""

from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal, osr

from rastercatalog.models import Raster

from ..conftest import INDEX_GEOTRANSFORM

pytestmark = pytest.mark.django_db


def gdal_bounds_4326(path) -> tuple[float, float, float, float]:
    """The raster's bounds in EPSG:4326 by GDAL's own densified TransformBounds."""
    dataset = gdal.Open(str(path))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    x1, y1 = x0 + dx * dataset.RasterXSize, y0 + dy * dataset.RasterYSize
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    native = dataset.GetSpatialRef()
    for srs in (wgs84, native):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(native, wgs84)
    return transform.TransformBounds(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1), 21)


def test_metadata_has_grid_bands_and_bounds_in_both_crs(api, catalogue, index_raster):
    raster = catalogue(index_raster)

    response = api.get(f"/api/rasters/{raster.pk}/metadata")

    body = response.json()
    assert response.status_code == 200, body
    assert (body["sizeX"], body["sizeY"], body["bandCount"]) == (300, 200, 1)
    assert body["dtype"] == "uint32" and body["geospatial"] is True
    assert body["bands"]["1"]["nodata"] == 0
    assert (body["id"], body["name"]) == (raster.pk, "index")
    x0, y0 = INDEX_GEOTRANSFORM[0], INDEX_GEOTRANSFORM[3]
    assert body["bounds_native"] == {
        "xmin": x0,
        "ymin": y0 - 2000,
        "xmax": x0 + 3000,
        "ymax": y0,
        "crs": "EPSG:32633",
    }
    geographic = body["bounds_4326"]
    assert geographic["crs"] == "EPSG:4326"
    assert [geographic[k] for k in ("xmin", "ymin", "xmax", "ymax")] == pytest.approx(
        gdal_bounds_4326(index_raster), abs=1e-9
    )


def test_internal_metadata_is_gdals_view_without_server_paths(api, catalogue, index_raster):
    raster = catalogue(index_raster)

    body = api.get(f"/api/rasters/{raster.pk}/metadata/internal").json()

    assert body["driverShortName"] == "GTiff"
    assert body["GeoTransform"] == list(INDEX_GEOTRANSFORM)
    assert 'AUTHORITY["EPSG","32633"]' in body["Projection"]
    assert "COMPRESSION=DEFLATE" in body["Metadata_IMAGE_STRUCTURE"]
    assert "fileList" not in body
    assert str(index_raster.parent) not in str(body)


def test_bands_are_the_stats_stored_at_ingest(api, catalogue_local, write_raster, ramp_u8):
    rgb = np.stack([ramp_u8, ramp_u8 // 2, np.full_like(ramp_u8, 9)])
    path = write_raster(
        "rgb.tif",
        rgb,
        interpretations=[gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand],
    )
    raster = catalogue_local(path)

    bands = api.get(f"/api/rasters/{raster.pk}/bands").json()

    assert [b["band"] for b in bands] == [1, 2, 3]
    assert [b["color_interpretation"] for b in bands] == ["red", "green", "blue"]
    assert bands[0]["min"] == 0 and bands[0]["max"] == 149
    assert bands[0]["mean"] == pytest.approx(74.5)
    assert bands[1]["max"] == 74
    assert bands[2]["min"] == bands[2]["max"] == 9 and bands[2]["std"] == 0
    assert bands[0]["valid_pixels"] == 300 * 200 and bands[0]["approximate"] is False
    assert "histogram" not in bands[0]


def test_statistics_are_the_stored_statistics_and_histograms(
    api, catalogue_local, write_raster, ramp_u8
):
    raster = catalogue_local(write_raster("ramp.tif", ramp_u8))
    stored = raster.bands.get()

    body = api.get(f"/api/rasters/{raster.pk}/statistics").json()

    assert body["level"] == {"width": 300, "height": 200}
    assert body["approximate"] is False
    (band,) = body["bands"]
    assert band["histogram"] == stored.histogram
    assert sum(band["histogram"]["counts"]) == 300 * 200
    assert (band["p2"], band["p98"]) == (stored.p2, stored.p98)


def test_nan_nodata_is_written_nan(api, catalogue_local, write_raster):
    array = np.ones((20, 30), dtype=np.float32)
    array[0, 0] = np.nan
    raster = catalogue_local(write_raster("nan.tif", array, nodata=float("nan")))

    bands = api.get(f"/api/rasters/{raster.pk}/bands").json()
    metadata = api.get(f"/api/rasters/{raster.pk}/metadata")

    assert bands[0]["nodata"] == "nan"
    assert bands[0]["valid_pixels"] == 20 * 30 - 1
    assert metadata.status_code == 200  # no NaN leaks into the JSON


def test_unreadable_file_is_503_naming_it(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)
    index_raster.unlink()

    response = api.get(f"/api/rasters/{raster.pk}/metadata")

    assert response.status_code == 503
    assert "no such file" in response.json()["detail"]
    # What the catalog stored needs no file: it is still served.
    assert api.get(f"/api/rasters/{raster.pk}/bands").status_code == 200


def test_private_raster_is_missing_for_others_and_served_to_staff(
    api, catalogue_local, index_raster
):
    from django.contrib.auth import get_user_model

    raster = catalogue_local(index_raster)
    Raster.objects.filter(pk=raster.pk).update(visibility=Raster.Visibility.PRIVATE)
    staff = get_user_model().objects.create_user("staff", password="x", is_staff=True)

    anonymous = [
        api.get(f"/api/rasters/{raster.pk}/{endpoint}").status_code
        for endpoint in ("metadata", "bands", "statistics", "cog", "thumbnail.png")
    ]
    api.force_authenticate(staff)
    thumbnail = api.get(f"/api/rasters/{raster.pk}/thumbnail.png")

    assert anonymous == [404] * 5
    assert thumbnail.status_code == 200
    assert thumbnail["Cache-Control"].startswith("private, ")
