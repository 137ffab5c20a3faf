"""GET /api/rasters/{id}/region.{tif|png|jpg}: the right pixels, with the right georeferencing."""

from __future__ import annotations

import io
import uuid

import numpy as np
import pytest
from osgeo import gdal, osr
from PIL import Image

from ..conftest import INDEX_GEOTRANSFORM, index_array

pytestmark = pytest.mark.django_db


def open_geotiff(content: bytes) -> gdal.Dataset:
    """Open response bytes with GDAL from memory."""
    path = f"/vsimem/{uuid.uuid4().hex}.tif"
    gdal.FileFromMemBuffer(path, content)
    dataset = gdal.Open(path)
    gdal.Unlink(path)  # the open dataset keeps what it needs
    return dataset


def utm_of(col: float, row: float) -> tuple[float, float]:
    x0, dx, _, y0, _, dy = INDEX_GEOTRANSFORM
    return x0 + col * dx, y0 + row * dy


def reproject(x: float, y: float, source: int, target: int) -> tuple[float, float]:
    """A point from one EPSG code to another, by osr (independent of the code under test)."""
    from_srs, to_srs = osr.SpatialReference(), osr.SpatialReference()
    from_srs.ImportFromEPSG(source)
    to_srs.ImportFromEPSG(target)
    for srs in (from_srs, to_srs):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(from_srs, to_srs).TransformPoint(x, y)
    return x, y


def lonlat_box(col0: float, row0: float, col1: float, row1: float) -> tuple[float, ...]:
    """A lon/lat bbox around two pixel positions of the index raster."""
    west, north = reproject(*utm_of(col0, row0), 32633, 4326)
    east, south = reproject(*utm_of(col1, row1), 32633, 4326)
    return west, south, east, north


def test_geotiff_region_in_native_crs_has_the_pixels_and_georeferencing(
    api, catalogue, index_raster
):
    """A bbox from inside pixel (10, 20) to inside pixel (50, 60): exactly those whole pixels."""
    raster = catalogue(index_raster)
    (xmin, ymax), (xmax, ymin) = utm_of(10.5, 20.3), utm_of(50.2, 60.7)

    response = api.get(
        f"/api/rasters/{raster.pk}/region.tif",
        {"bbox": f"{xmin},{ymin},{xmax},{ymax}", "crs": "EPSG:32633"},
    )

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "image/tiff"
    dataset = open_geotiff(b"".join(response.streaming_content))
    assert (dataset.RasterXSize, dataset.RasterYSize) == (41, 41)
    assert dataset.GetGeoTransform() == pytest.approx(
        (*utm_of(10, 20)[:1], 10.0, 0.0, utm_of(10, 20)[1], 0.0, -10.0)
    )
    assert dataset.GetSpatialRef().GetAuthorityCode(None) == "32633"
    band = dataset.GetRasterBand(1)
    assert band.GetNoDataValue() == 0
    assert band.DataType == gdal.GDT_UInt32
    np.testing.assert_array_equal(band.ReadAsArray(), index_array()[20:61, 10:51])


def test_geotiff_region_from_a_lonlat_bbox_covers_it(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)
    lonlat = lonlat_box(50.3, 40.6, 120.7, 110.2)

    response = api.get(f"/api/rasters/{raster.pk}/region.tif", {"bbox": ",".join(map(str, lonlat))})

    dataset = open_geotiff(b"".join(response.streaming_content))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    x1, y1 = x0 + dx * dataset.RasterXSize, y0 + dy * dataset.RasterYSize
    # Whole pixels of the raster's own grid…
    assert ((x0 - INDEX_GEOTRANSFORM[0]) / 10) % 1 == pytest.approx(0)
    assert ((INDEX_GEOTRANSFORM[3] - y0) / 10) % 1 == pytest.approx(0)
    # …that cover every corner of the box, with less than a pixel (plus curvature) to spare.
    corners = [reproject(lon, lat, 4326, 32633) for lon in lonlat[0::2] for lat in lonlat[1::2]]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    assert x0 <= min(xs) and max(xs) <= x1 and y1 <= min(ys) and max(ys) <= y0
    assert min(xs) - x0 < 20 and x1 - max(xs) < 20 and y0 - max(ys) < 20 and min(ys) - y1 < 20
    col, row = round((x0 - INDEX_GEOTRANSFORM[0]) / 10), round((INDEX_GEOTRANSFORM[3] - y0) / 10)
    np.testing.assert_array_equal(
        dataset.GetRasterBand(1).ReadAsArray(),
        index_array()[row : row + dataset.RasterYSize, col : col + dataset.RasterXSize],
    )


def test_max_size_shrinks_the_region_and_keeps_its_bounds(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)
    (xmin, ymax), (xmax, ymin) = utm_of(0, 0), utm_of(300, 200)

    response = api.get(
        f"/api/rasters/{raster.pk}/region.tif",
        {"bbox": f"{xmin},{ymin},{xmax},{ymax}", "crs": "EPSG:32633", "max_size": 150},
    )

    dataset = open_geotiff(b"".join(response.streaming_content))
    assert (dataset.RasterXSize, dataset.RasterYSize) == (150, 100)
    assert dataset.GetGeoTransform() == pytest.approx((xmin, 20.0, 0.0, ymax, 0.0, -20.0))


def test_region_is_clipped_to_the_raster(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)
    (xmin, ymax), (xmax, ymin) = utm_of(-50, -50), utm_of(20, 10)

    response = api.get(
        f"/api/rasters/{raster.pk}/region.tif",
        {"bbox": f"{xmin},{ymin},{xmax},{ymax}", "crs": "EPSG:32633"},
    )

    dataset = open_geotiff(b"".join(response.streaming_content))
    assert (dataset.RasterXSize, dataset.RasterYSize) == (20, 10)
    assert dataset.GetGeoTransform()[0::3] == pytest.approx(INDEX_GEOTRANSFORM[0::3])


def test_png_and_jpeg_regions_show_the_pixels(api, catalogue, write_raster):
    """Left half red, right half blue: the rendered region shows them on the same sides."""
    rgb = np.zeros((3, 64, 128), dtype=np.uint8)
    rgb[0, :, :64] = 255
    rgb[2, :, 64:] = 255
    path = write_raster(
        "halves.tif",
        rgb,
        geotransform=(10.0, 0.01, 0.0, 50.0, 0.0, -0.01),
        interpretations=[gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand],
    )
    raster = catalogue(path)
    bbox = "10.0,49.36,11.28,50.0"  # the whole raster

    png = api.get(f"/api/rasters/{raster.pk}/region.png", {"bbox": bbox})
    jpg = api.get(f"/api/rasters/{raster.pk}/region.jpg", {"bbox": bbox, "max_size": 64})

    assert png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(png.content)).convert("RGB")
    assert image.size == (128, 64)
    assert image.getpixel((10, 30)) == (255, 0, 0)
    assert image.getpixel((120, 30)) == (0, 0, 255)
    assert jpg["Content-Type"] == "image/jpeg"
    small = Image.open(io.BytesIO(jpg.content))
    assert small.format == "JPEG" and small.size == (64, 32)
    red, _, blue = small.convert("RGB").getpixel((5, 16))
    assert red > 200 and blue < 50


def test_region_larger_than_the_limit_is_400_naming_it(
    api, settings, catalogue_local, index_raster
):
    settings.RASTERCATALOG_REGION_MAX_SIZE = 100
    raster = catalogue_local(index_raster)
    (xmin, ymax), (xmax, ymin) = utm_of(0, 0), utm_of(300, 200)
    query = {"bbox": f"{xmin},{ymin},{xmax},{ymax}", "crs": "EPSG:32633"}

    too_big = api.get(f"/api/rasters/{raster.pk}/region.tif", query)
    too_much = api.get(f"/api/rasters/{raster.pk}/region.png", {**query, "max_size": 101})
    shrunk = api.get(f"/api/rasters/{raster.pk}/region.png", {**query, "max_size": 100})

    assert too_big.status_code == 400
    assert "300x200 pixels" in too_big.json()["detail"]
    assert "RASTERCATALOG_REGION_MAX_SIZE" in too_big.json()["detail"]
    assert too_much.status_code == 400
    assert "parameter max_size=101 is invalid: the limit is 100" in too_much.json()["detail"]
    assert Image.open(io.BytesIO(shrunk.content)).size == (100, 67)


def test_bbox_outside_the_raster_is_404(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)

    response = api.get(f"/api/rasters/{raster.pk}/region.tif", {"bbox": "0,0,1,1"})

    assert response.status_code == 404
    assert "does not intersect the raster" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({}, "parameter bbox is required"),
        ({"bbox": "1,2,3"}, "parameter bbox='1,2,3' is invalid"),
        ({"bbox": "14.6,46,14.5,46.1"}, "with min < max"),
        ({"bbox": "14.5,46,14.6,46.1", "crs": "utm"}, "parameter crs='utm' is invalid"),
        ({"bbox": "14.5,46,14.6,46.1", "max_size": "0"}, "parameter max_size='0' is invalid"),
    ],
)
def test_bad_parameters_are_400_naming_them(api, catalogue_local, index_raster, query, named):
    raster = catalogue_local(index_raster)

    response = api.get(f"/api/rasters/{raster.pk}/region.tif", query)

    assert response.status_code == 400
    assert named in response.json()["detail"]


def test_unknown_format_is_404(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)

    assert api.get(f"/api/rasters/{raster.pk}/region.gif", {"bbox": "0,0,1,1"}).status_code == 404


def test_etag_revalidates_with_304(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)
    query = {"bbox": ",".join(map(str, lonlat_box(10, 10, 20, 20)))}

    first = api.get(f"/api/rasters/{raster.pk}/region.png", query)
    again = api.get(f"/api/rasters/{raster.pk}/region.png", query, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["Cache-Control"].startswith("public, max-age=")
    assert again.status_code == 304


def test_deleted_file_is_503_naming_it(api, catalogue_local, index_raster):
    raster = catalogue_local(index_raster)
    index_raster.unlink()

    response = api.get(
        f"/api/rasters/{raster.pk}/region.tif", {"bbox": ",".join(map(str, lonlat_box(1, 1, 5, 5)))}
    )

    assert response.status_code == 503
    assert "no such file" in response.json()["detail"]
