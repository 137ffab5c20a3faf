"""raster_ingest() on rasters written by GDAL inside the tests: what the catalog records."""

from __future__ import annotations

import hashlib
import math
import shutil

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from osgeo import gdal
from rasterio.crs import CRS
from rasterio.warp import transform_bounds

from rastercatalog.catalog.ingest import (
    IngestError,
    raster_create_pending,
    raster_ingest,
    raster_reingest,
)
from rastercatalog.models import Band, Raster

pytestmark = pytest.mark.django_db

UTM33_GT = (500000.0, 10.0, 0.0, 5000000.0, 0.0, -10.0)


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def collared_rgb(size: int = 400) -> np.ndarray:
    """3-band uint8 with a nodata-0 collar: valid data only in the centre square [100, 300)."""
    rgb = np.zeros((3, size, size), dtype=np.uint8)
    rgb[0, 100:300, 100:300] = 50
    rgb[1, 100:300, 100:300] = np.arange(200, dtype=np.uint8)[None, :] + 10
    rgb[2, 100:300, 100:300] = 200
    return rgb


def test_utm_cog_with_nodata_collar(write_raster):
    path = write_raster(
        "scene.tif", collared_rgb(), epsg=32633, geotransform=UTM33_GT, nodata=0, cog=True
    )

    result = raster_ingest(uri=str(path), trusted=True)

    raster = result.raster
    assert result.created and raster.status == Raster.Status.READY
    assert raster.checksum_sha256 == sha256(path) and raster.size_bytes == path.stat().st_size
    assert (raster.crs_epsg, raster.width, raster.height, raster.band_count) == (32633, 400, 400, 3)
    assert raster.dtype == "Byte" and raster.nodata == 0
    assert raster.geotransform == list(UTM33_GT)
    assert (raster.resolution_x, raster.resolution_y) == (10.0, 10.0)
    assert raster.ground_resolution_m == pytest.approx(10.0, rel=0.01)
    assert raster.is_cog is True and raster.cog_errors == []
    # The footprint is the valid centre square (x 501000..503000, y 4997000..4999000), not the collar.
    expected = transform_bounds(
        CRS.from_epsg(32633), CRS.from_epsg(4326), 501000, 4997000, 503000, 4999000
    )
    assert raster.bbox == pytest.approx(expected, abs=1e-6)
    native = raster.footprint.transform(32633, clone=True)
    assert native.area == pytest.approx(2000 * 2000, rel=0.01)
    assert raster.footprint.srid == 4326 and raster.footprint.valid


def test_band_statistics_are_exact_below_the_level_limit(write_raster):
    path = write_raster("scene.tif", collared_rgb(), epsg=32633, geotransform=UTM33_GT, nodata=0)

    raster = raster_ingest(uri=str(path), trusted=True).raster

    green = raster.bands.get(index=2)
    values = (np.arange(200) + 10).astype(float)  # each column value, 200 rows of them
    assert (green.min, green.max) == (10.0, 209.0)
    assert green.mean == pytest.approx(values.mean())
    assert green.std == pytest.approx(values.std())
    assert green.p2 == pytest.approx(np.percentile(np.repeat(values, 200), 2))
    assert green.valid_pixels == 200 * 200 and green.approximate is False
    assert sum(green.histogram["counts"]) == 200 * 200
    assert len(green.histogram["edges"]) == len(green.histogram["counts"]) + 1
    assert [b.color_interpretation for b in raster.bands.all()] == [
        "undefined",
        "undefined",
        "undefined",
    ]
    assert (raster.stats_width, raster.stats_height) == (400, 400) and not raster.stats_approximate


def test_large_striped_tiff_uses_a_decimated_level_and_is_not_a_cog(write_raster):
    data = np.tile(np.arange(2100, dtype=np.uint16), (1500, 1))
    path = write_raster("big.tif", data, epsg=32633, geotransform=UTM33_GT)

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert (raster.width, raster.height) == (2100, 1500)
    assert raster.stats_width == 1024 and raster.stats_height == round(1500 / (2100 / 1024))
    band = raster.bands.get()
    assert band.approximate is True and band.dtype == "UInt16"
    assert band.min == pytest.approx(0, abs=3) and band.max == pytest.approx(2099, abs=3)
    assert raster.is_cog is False
    assert any("not tiled" in error for error in raster.cog_errors)


def test_float_with_nan_nodata(write_raster):
    dem = np.linspace(100, 200, 60 * 80, dtype=np.float32).reshape(60, 80)
    dem[:, :20] = np.nan  # the western quarter is nodata
    path = write_raster("dem.tif", dem, nodata=float("nan"))

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert math.isnan(raster.nodata)
    band = raster.bands.get()
    assert band.min == pytest.approx(float(np.nanmin(dem))) and band.max == pytest.approx(200.0)
    assert band.valid_pixels == 60 * 60
    # Default geotransform: origin (10, 50), 0.01° pixels; the valid part starts 20 columns in.
    assert raster.bbox == pytest.approx((10.2, 49.4, 10.8, 50.0))


def test_nan_without_declared_nodata_is_still_not_data(write_raster):
    values = np.ones((50, 50), dtype=np.float32)
    values[25:, :] = np.nan
    path = write_raster("nan.tif", values)

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert raster.nodata is None
    assert raster.bbox == pytest.approx((10.0, 49.75, 10.5, 50.0))
    assert raster.bands.get().valid_pixels == 50 * 25


def test_wgs84_raster_crossing_the_antimeridian_is_split(write_raster, ramp_u8):
    # 300 columns of 0.1° from 170°E: the grid runs on to 200°E, i.e. 160°W.
    path = write_raster("pacific.tif", ramp_u8, geotransform=(170.0, 0.1, 0.0, 10.0, 0.0, -0.1))

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert raster.bbox == pytest.approx((170.0, -10.0, -160.0, 10.0))
    assert len(raster.footprint) == 2
    xs = [x for polygon in raster.footprint for x, _ in polygon.exterior_ring.coords]
    assert min(xs) == -180.0 and max(xs) == 180.0
    assert raster.footprint.intersects(Point(-170, 0, srid=4326))
    assert raster.footprint.intersects(Point(175, 0, srid=4326))
    assert not raster.footprint.intersects(Point(0, 0, srid=4326))


def test_utm_raster_crossing_the_antimeridian_is_split(write_raster, ramp_u8):
    # UTM zone 1N east of its central meridian… and west of it across 180°.
    path = write_raster(
        "zone1.tif",
        ramp_u8,
        epsg=32601,
        geotransform=(100000.0, 1000.0, 0.0, 600000.0, 0.0, -1000.0),
    )

    raster = raster_ingest(uri=str(path), trusted=True).raster

    west, south, east, north = raster.bbox
    assert west > 179 and east < -177 and west > east
    assert len(raster.footprint) == 2
    assert all(
        -180 <= x <= 180 for polygon in raster.footprint for x, _ in polygon.exterior_ring.coords
    )


def test_polar_raster_becomes_a_cap_to_the_pole(write_raster, ramp_u8):
    # NSIDC sea-ice polar stereographic north (EPSG:3413), centred on the pole.
    path = write_raster(
        "arctic.tif",
        ramp_u8,
        epsg=3413,
        geotransform=(-1500000.0, 10000.0, 0.0, 1000000.0, 0.0, -10000.0),
    )

    raster = raster_ingest(uri=str(path), trusted=True).raster

    west, south, east, north = raster.bbox
    assert (west, east, north) == (-180.0, 180.0, 90.0) and 60 < south < 80
    assert raster.footprint.intersects(Point(45, 89.9, srid=4326))


def test_alpha_band_is_a_mask_not_data(write_raster):
    rgba = np.full((4, 100, 100), 120, dtype=np.uint8)
    rgba[3] = 0
    rgba[3, :, 50:] = 255  # only the eastern half is opaque
    path = write_raster(
        "rgba.tif",
        rgba,
        interpretations=[
            gdal.GCI_RedBand,
            gdal.GCI_GreenBand,
            gdal.GCI_BlueBand,
            gdal.GCI_AlphaBand,
        ],
    )

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert raster.band_count == 4
    assert raster.bands.get(index=4).color_interpretation == "alpha"
    assert raster.bbox == pytest.approx((10.5, 49.0, 11.0, 50.0))
    assert raster.bands.get(index=1).valid_pixels == 100 * 50


def test_acquisition_time_comes_from_tiff_tags(write_raster, ramp_u8):
    path = write_raster("dated.tif", ramp_u8, metadata={"TIFFTAG_DATETIME": "2021:07:04 12:30:00"})

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert raster.acquired_at.isoformat() == "2021-07-04T12:30:00+00:00"


def test_same_bytes_again_return_the_existing_raster(write_raster, ramp_u8, tmp_path):
    path = write_raster("a.tif", ramp_u8)
    first = raster_ingest(uri=str(path), trusted=True)
    copy = tmp_path / "copy-elsewhere.tif"
    shutil.copy(path, copy)

    again = raster_ingest(uri=str(path), trusted=True)
    elsewhere = raster_ingest(uri=str(copy), trusted=True)

    assert first.created and not again.created and not elsewhere.created
    assert again.raster.pk == elsewhere.raster.pk == first.raster.pk
    assert "already present" in elsewhere.message
    assert Raster.objects.count() == 1 and Band.objects.count() == 1


def test_pending_duplicate_is_removed_and_points_at_the_original(write_raster, ramp_u8):
    path = write_raster("a.tif", ramp_u8)
    original = raster_ingest(uri=str(path), trusted=True).raster
    pending = raster_create_pending(uri=str(path), trusted=True)

    result = raster_ingest(uri=str(path), trusted=True, placeholder=pending)

    assert not result.created and result.raster.pk == original.pk
    assert list(Raster.objects.values_list("pk", flat=True)) == [original.pk]


def test_failure_leaves_no_row_without_a_placeholder(tmp_path):
    text = tmp_path / "notes.tif"
    text.write_text("hello, I am not a raster")

    with pytest.raises(IngestError, match="not a raster"):
        raster_ingest(uri=str(text), trusted=True)

    assert Raster.objects.count() == 0


def test_failure_mid_save_rolls_back_everything(write_raster, ramp_u8, monkeypatch):
    path = write_raster("a.tif", ramp_u8)

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Band.objects, "bulk_create", explode)
    with pytest.raises(IngestError, match="disk on fire") as failure:
        raster_ingest(uri=str(path), trusted=True)

    assert failure.value.internal and "internal error" in failure.value.reason
    assert isinstance(failure.value.__cause__, RuntimeError)

    assert Raster.objects.count() == 0 and Band.objects.count() == 0


def test_failure_mid_save_marks_the_placeholder_failed_not_ready(
    write_raster, ramp_u8, monkeypatch
):
    path = write_raster("a.tif", ramp_u8)
    pending = raster_create_pending(uri=str(path), trusted=True)
    monkeypatch.setattr(
        Band.objects, "bulk_create", lambda *a, **k: (_ for _ in ()).throw(OSError("no space"))
    )

    with pytest.raises(IngestError, match="OSError: no space"):
        raster_ingest(uri=str(path), trusted=True, placeholder=pending)

    row = Raster.objects.get()
    assert row.status == Raster.Status.FAILED and "no space" in row.error
    assert row.checksum_sha256 is None and row.footprint is None and Band.objects.count() == 0


def test_reingest_picks_up_new_bytes_and_replaces_bands(write_raster, ramp_u8):
    path = write_raster("a.tif", ramp_u8)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    old_checksum = raster.checksum_sha256
    write_raster("a.tif", np.stack([ramp_u8, ramp_u8 // 2]))

    raster_reingest(raster=raster)

    raster.refresh_from_db()
    assert raster.checksum_sha256 != old_checksum and raster.checksum_sha256 == sha256(path)
    assert raster.band_count == 2 and raster.bands.count() == 2
    assert raster.bands.get(index=2).max == 74


def test_reingest_into_bytes_of_another_raster_fails_without_deleting(write_raster, ramp_u8):
    first = raster_ingest(uri=str(write_raster("a.tif", ramp_u8)), trusted=True).raster
    path_b = write_raster("b.tif", ramp_u8 // 2)
    second = raster_ingest(uri=str(path_b), trusted=True).raster
    shutil.copy(first.uri, path_b)

    with pytest.raises(IngestError, match=f"same bytes as raster {first.pk}"):
        raster_reingest(raster=second)

    second.refresh_from_db()
    assert second.status == Raster.Status.FAILED and Raster.objects.count() == 2
