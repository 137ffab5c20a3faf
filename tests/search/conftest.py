"""A designed set of catalogued rasters, made directly with the ORM (no files are read).

europe   alps          6..8 E, 45..47 N       Byte ×3, COG, 10 m, 2024-06-15T10:00Z
         alps_inner    6.5..7, 45.5..46       Float32, not COG, 2 m, 2024-06-15T10:00Z (nested)
         alps_east     8..9, 45..47           UInt16, 30 m, 2023-12-31T23:59:59.999999Z (touches alps)
         alps_private  6..8, 45..47           private, owned by alice
pacific  fiji_cross    178 E..178 W, 19..16 S two parts split at 180°, Int16, 2024-01-01T00:00Z
         fiji_west     176..177.5 E           no acquisition time
         samoa         173..171 W, 15..13 S   2022-05-01
polar    arctic_cap    all longitudes, 80..90 N    2024-03-01
         antarctic     all longitudes, 90..70 S    2024-03-02
(none)   null_island   0..1 E, 0..1 N         2021-01-01
pending and failed rows without footprints.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import MultiPolygon, Polygon
from rest_framework.test import APIClient

from rastercatalog.models import Collection, Raster


def box(west: float, south: float, east: float, north: float) -> Polygon:
    return Polygon.from_bbox((west, south, east, north))


def raster_make(
    name: str,
    *parts: Polygon,
    bbox: tuple[float, float, float, float] | None = None,
    collection: Collection | None = None,
    acquired_at: datetime | None = None,
    **fields,
) -> Raster:
    """A ready raster whose footprint is `parts` (EPSG:4326); bbox from them unless given."""
    footprint = MultiPolygon(*parts, srid=4326) if parts else None
    if footprint is not None and bbox is None:
        bbox = footprint.extent
    defaults = {
        "uri": f"/data/{name}.tif",
        "status": Raster.Status.READY,
        "checksum_sha256": hashlib.sha256(name.encode()).hexdigest(),
        "crs_epsg": 4326,
        "width": 1000,
        "height": 1000,
        "band_count": 1,
        "dtype": "Byte",
        "is_cog": True,
        "ground_resolution_m": 10.0,
        "resolution_x": 0.001,
        "resolution_y": 0.001,
    }
    defaults.update(fields)
    west, south, east, north = bbox if bbox else (None,) * 4
    return Raster.objects.create(
        name=name,
        footprint=footprint,
        bbox_west=west,
        bbox_south=south,
        bbox_east=east,
        bbox_north=north,
        collection=collection,
        acquired_at=acquired_at,
        **defaults,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def alice(db) -> User:
    return User.objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def designed(db, alice) -> SimpleNamespace:
    """The designed set above, as a namespace of rows by name."""
    europe = Collection.objects.create(name="Europe", slug="europe", license="CC-BY-4.0")
    pacific = Collection.objects.create(name="Pacific", slug="pacific", description="Islands")
    polar = Collection.objects.create(name="Polar", slug="polar")
    rows = SimpleNamespace(europe=europe, pacific=pacific, polar=polar)
    rows.alps = raster_make(
        "alps",
        box(6, 45, 8, 47),
        collection=europe,
        acquired_at=utc(2024, 6, 15, 10),
        band_count=3,
        dtype="Byte",
        is_cog=True,
        ground_resolution_m=10.0,
    )
    rows.alps_inner = raster_make(
        "alps_inner",
        box(6.5, 45.5, 7, 46),
        collection=europe,
        acquired_at=utc(2024, 6, 15, 10),
        dtype="Float32",
        is_cog=False,
        ground_resolution_m=2.0,
        nodata=float("nan"),
    )
    rows.alps_east = raster_make(
        "alps_east",
        box(8, 45, 9, 47),
        collection=europe,
        acquired_at=datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        dtype="UInt16",
        ground_resolution_m=30.0,
    )
    rows.alps_private = raster_make(
        "alps_private",
        box(6, 45, 8, 47),
        collection=europe,
        acquired_at=utc(2024, 6, 16),
        visibility=Raster.Visibility.PRIVATE,
        owner=alice,
    )
    rows.fiji_cross = raster_make(
        "fiji_cross",
        box(178, -19, 180, -16),
        box(-180, -19, -178, -16),
        bbox=(178, -19, -178, -16),
        collection=pacific,
        acquired_at=utc(2024, 1, 1),
        dtype="Int16",
        ground_resolution_m=20.0,
    )
    rows.fiji_west = raster_make("fiji_west", box(176, -19, 177.5, -16), collection=pacific)
    rows.samoa = raster_make(
        "samoa",
        box(-173, -15, -171, -13),
        collection=pacific,
        acquired_at=utc(2022, 5, 1),
    )
    rows.arctic_cap = raster_make(
        "arctic_cap",
        box(-180, 80, 180, 90),
        collection=polar,
        acquired_at=utc(2024, 3, 1),
        ground_resolution_m=500.0,
    )
    rows.antarctic = raster_make(
        "antarctic",
        box(-180, -90, 180, -70),
        collection=polar,
        acquired_at=utc(2024, 3, 2),
        ground_resolution_m=500.0,
    )
    rows.null_island = raster_make("null_island", box(0, 0, 1, 1), acquired_at=utc(2021, 1, 1))
    rows.pending = Raster.objects.create(name="pending", uri="/data/pending.tif")
    rows.failed = Raster.objects.create(
        name="failed", uri="/data/failed.tif", status=Raster.Status.FAILED, error="not a raster"
    )
    return rows


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def names(response) -> set[str]:
    """The raster names in a FeatureCollection response."""
    assert response.status_code == 200, response.content
    return {feature["properties"]["name"] for feature in response.json()["features"]}
