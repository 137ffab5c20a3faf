"""Valid but awkward CRSs: geostationary disks and sectors, other planets, rotated and GCP grids.

Each footprint is held against valid pixels sampled independently: pixel centres read with rasterio,
placed on the Earth with pyproj, and looked up in the stored footprint.
"""

from __future__ import annotations

import io

import numpy as np
import PIL.Image
import pytest
import rasterio
from django.contrib.gis.geos import MultiPoint, Point
from pyproj import Transformer
from rest_framework.test import APIClient

from rastercatalog.catalog.ingest import IngestError, raster_ingest
from rastercatalog.models import Raster

pytestmark = pytest.mark.django_db

# GOES-16 (East) full disk as NOAA distributes it: the scan-angle extent times the satellite height.
GOES_EAST = "+proj=geos +h=35786023 +lon_0=-75 +sweep=x +ellps=GRS80 +units=m +no_defs"
# Himawari-9 at 140.7°E: its disk crosses the antimeridian.
HIMAWARI = "+proj=geos +h=35785863 +lon_0=140.7 +a=6378137 +b=6356752.3 +units=m +no_defs"
FULL_DISK_HALF_WIDTH_M = 5434894.885
DISK_PIXELS = 300
EUROPA = (
    'PROJCS["Equirectangular EUROPA",GEOGCS["GCS_EUROPA",DATUM["D_EUROPA",'
    'SPHEROID["EUROPA_localRadius",1560800,0]],PRIMEM["Reference_Meridian",0],'
    'UNIT["degree",0.0174532925199433]],PROJECTION["Equirectangular"],'
    'PARAMETER["standard_parallel_1",0],PARAMETER["central_meridian",0],'
    'PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1]]'
)
MARS = (
    'GEOGCS["Mars 2000",DATUM["D_Mars_2000",SPHEROID["Mars_2000_IAU_IAG",3396190.0,'
    '169.8944472236118]],PRIMEM["Reference_Meridian",0.0],UNIT["Degree",0.0174532925199433]]'
)


def full_disk_geotransform() -> tuple[float, ...]:
    step = 2 * FULL_DISK_HALF_WIDTH_M / DISK_PIXELS
    return (-FULL_DISK_HALF_WIDTH_M, step, 0.0, FULL_DISK_HALF_WIDTH_M, 0.0, -step)


def disk_values(*, off_disk_fill: int | None) -> np.ndarray:
    """Values 1..254 everywhere; off the disk `off_disk_fill` where given (as real files do)."""
    values = np.random.default_rng(7).integers(1, 255, (DISK_PIXELS, DISK_PIXELS)).astype(np.uint8)
    if off_disk_fill is not None:
        lon, _ = pixel_centres_lonlat(GOES_EAST, full_disk_geotransform(), values.shape)
        values[~np.isfinite(lon)] = off_disk_fill
    return values


def pixel_centres_lonlat(crs: str, geotransform, shape) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]] + 0.5
    x0, dx_col, dx_row, y0, dy_col, dy_row = geotransform
    xs, ys = x0 + cols * dx_col + rows * dx_row, y0 + cols * dy_col + rows * dy_row
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return to_wgs84.transform(xs, ys, errcheck=False)


def sampled_valid_lonlats(path, count: int = 400) -> np.ndarray:
    """Lon/lat of `count` random valid pixel centres that PROJ places on the Earth (rasterio + pyproj)."""
    with rasterio.open(path) as dataset:
        valid = dataset.dataset_mask() > 0
        lon, lat = pixel_centres_lonlat(
            dataset.crs.to_wkt(), dataset.transform.to_gdal(), valid.shape
        )
    on_earth = valid & np.isfinite(lon) & np.isfinite(lat)
    rows, cols = np.nonzero(on_earth)
    pick = np.random.default_rng(3).choice(rows.size, size=min(count, rows.size), replace=False)
    return np.column_stack([lon[rows[pick], cols[pick]], lat[rows[pick], cols[pick]]])


def share_inside(footprint, lonlats: np.ndarray) -> float:
    points = MultiPoint([Point(float(x), float(y)) for x, y in lonlats], srid=4326)
    return sum(footprint.intersects(p) for p in points) / len(points)


@pytest.mark.parametrize("off_disk_fill", [None, 0], ids=["filled-corners", "nodata-corners"])
def test_geostationary_full_disk_footprint_is_the_visible_disk(write_raster, off_disk_fill):
    path = write_raster(
        "goes_full_disk.tif",
        disk_values(off_disk_fill=off_disk_fill),
        crs=GOES_EAST,
        geotransform=full_disk_geotransform(),
        nodata=off_disk_fill,
    )

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert raster.status == Raster.Status.READY and raster.footprint.valid
    # The disk seen from 75°W reaches about 81° of arc from the sub-satellite point.
    west, south, east, north = raster.bbox
    assert -157 < west < -153 and 3 < east < 7 and -81 < south < -78 and 78 < north < 81
    assert share_inside(raster.footprint, sampled_valid_lonlats(path)) >= 0.98
    assert raster.footprint.intersects(Point(-75, 0, srid=4326))
    assert not raster.footprint.intersects(Point(100, 0, srid=4326))
    assert raster.ground_resolution_m == pytest.approx(36000, rel=0.1)


def test_geostationary_disk_across_the_antimeridian_is_split(write_raster):
    path = write_raster(
        "himawari.tif",
        disk_values(off_disk_fill=None),
        crs=HIMAWARI,
        geotransform=full_disk_geotransform(),
    )

    raster = raster_ingest(uri=str(path), trusted=True).raster

    west, south, east, north = raster.bbox
    assert 58 < west < 63 and -141 < east < -136 and west > east
    assert all(-180 <= x <= 180 for p in raster.footprint for x, _ in p.exterior_ring.coords)
    assert raster.footprint.intersects(Point(140.7, 0, srid=4326))
    assert raster.footprint.intersects(Point(-170, 10, srid=4326))
    assert not raster.footprint.intersects(Point(0, 0, srid=4326))
    assert share_inside(raster.footprint, sampled_valid_lonlats(path)) >= 0.98


def test_geostationary_sector_on_the_disk(write_raster):
    # GOES-East CONUS sector: 1,000 x 500 pixels of 3 km, all of it on the disk.
    geotransform = (-3627271.3, 3000.0, 0.0, 4589199.8, 0.0, -3000.0)
    path = write_raster(
        "conus.tif",
        np.full((500, 1000), 7, np.uint8),
        crs=GOES_EAST,
        geotransform=geotransform,
    )

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert raster.footprint.intersects(Point(-100, 40, srid=4326))  # Kansas
    assert share_inside(raster.footprint, sampled_valid_lonlats(path)) >= 0.98
    west, south, east, north = raster.bbox
    assert -153 < west < -150 and -83 < east < -80 and 29 < south < 31 and 55 < north < 58


def test_geostationary_raster_serves_tiles_pixels_and_histograms(write_raster):
    values = disk_values(off_disk_fill=0)
    path = write_raster(
        "disk.tif", values, crs=GOES_EAST, geotransform=full_disk_geotransform(), nodata=0
    )
    raster = raster_ingest(uri=str(path), trusted=True).raster
    api = APIClient()

    # z1 x0 y0 is the north-west quarter of the world: it holds the disk's northern half.
    tile = api.get(f"/api/rasters/{raster.pk}/tiles/1/0/0.png")
    assert tile.status_code == 200, tile.content
    alpha = np.asarray(PIL.Image.open(io.BytesIO(tile.content)).convert("RGBA"))[..., 3]
    assert 0.05 < (alpha > 0).mean() < 0.6  # the disk, not the square around it

    pixel = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": -75, "lat": 0}).json()
    assert pixel["values"] == [int(values[pixel["row"], pixel["col"]])]
    assert (pixel["col"], pixel["row"]) in {(149, 149), (149, 150), (150, 149), (150, 150)}
    off_disk = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": 100, "lat": 0})
    assert off_disk.status_code == 404
    assert "has no position in the raster's CRS" in off_disk.json()["detail"]

    histogram = api.get(f"/api/rasters/{raster.pk}/histogram", {"bins": 4, "range": "0,256"})
    assert histogram.status_code == 200, histogram.content
    assert sum(histogram.json()["counts"]) == int((values > 0).sum())


@pytest.mark.parametrize(
    ("crs", "geotransform", "body"),
    [
        (EUROPA, (-1000000.0, 5000.0, 0.0, 500000.0, 0.0, -5000.0), "Equirectangular EUROPA"),
        (MARS, (10.0, 0.1, 0.0, 10.0, 0.0, -0.1), "Mars 2000"),
    ],
    ids=["europa", "mars"],
)
def test_another_planets_crs_is_refused_by_name(write_raster, crs, geotransform, body):
    path = write_raster(
        "planet.tif", np.ones((100, 200), np.uint8), crs=crs, geotransform=geotransform
    )

    with pytest.raises(IngestError) as refused:
        raster_ingest(uri=str(path), trusted=True)

    assert not refused.value.internal
    assert f"({body}) is not on the Earth" in refused.value.reason
    assert Raster.objects.count() == 0


def test_rotated_grid_footprint_follows_the_rotation(write_raster):
    # UTM 33N, 200 x 300 pixels of 10 m rotated by 30°.
    angle = np.radians(30)
    geotransform = (
        500000.0, 10 * np.cos(angle), -10 * np.sin(angle),
        5000000.0, -10 * np.sin(angle), -10 * np.cos(angle),
    )  # fmt: skip
    path = write_raster(
        "rotated.tif", np.full((200, 300), 5, np.uint8), epsg=32633, geotransform=geotransform
    )

    raster = raster_ingest(uri=str(path), trusted=True).raster

    assert share_inside(raster.footprint, sampled_valid_lonlats(path)) >= 0.98
    native = raster.footprint.transform(32633, clone=True)
    assert native.area == pytest.approx(2000 * 3000, rel=0.02)


def test_ground_control_points_only_is_refused_by_name(tmp_path):
    from osgeo import gdal, osr

    path = tmp_path / "gcps.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 50, 40, 1, gdal.GDT_Byte)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    gcps = [gdal.GCP(10.0 + c / 10, 50.0 - r / 10, 0, c, r) for c, r in ((0, 0), (50, 0), (0, 40))]
    dataset.SetGCPs(gcps, srs)
    dataset = None

    with pytest.raises(IngestError, match="only ground control points"):
        raster_ingest(uri=str(path), trusted=True)
