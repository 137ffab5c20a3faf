"""Fixtures of the API tests: a client, and rasters catalogued from a local path, HTTP or S3."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import MultiPolygon, Polygon
from rest_framework.test import APIClient

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Collection, Raster
from tests.servers import http_server, s3_for_gdal

# The "index" raster: every pixel holds its own position, so a value read back says where it came
# from. 300 x 200 uint32 in UTM 33N, 10 m pixels; value = row * 1000 + col + 1 (0 is nodata).
INDEX_SIZE = (300, 200)
INDEX_GEOTRANSFORM = (460000.0, 10.0, 0.0, 5110000.0, 0.0, -10.0)


def index_array() -> np.ndarray:
    rows, cols = np.mgrid[0 : INDEX_SIZE[1], 0 : INDEX_SIZE[0]]
    array = (rows * 1000 + cols + 1).astype(np.uint32)
    array[7, 5] = 0  # one nodata pixel
    return array


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep requests to 127.0.0.1 off any proxy the environment sets (libcurl and boto3 obey it)."""
    for key in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(key, "127.0.0.1,localhost")


@contextlib.contextmanager
def _uri_maker(kind: str, root: Path, monkeypatch) -> Iterator[Callable[[Path], str]]:
    if kind == "http":
        with http_server(root) as server:
            yield lambda path: server.url(path.name)
    elif kind == "s3":
        with s3_for_gdal(monkeypatch) as s3:
            yield s3.upload
    else:
        yield str


@pytest.fixture
def catalogue_local() -> Callable[[Path], Raster]:
    """Catalogue a local raster file (trusted, as the CLI does) and return its ready row."""
    return lambda path: raster_ingest(uri=str(path), trusted=True).raster


@pytest.fixture(params=["local", "http", "s3"])
def catalogue(request, tmp_path: Path, monkeypatch) -> Iterator[Callable[[Path], Raster]]:
    """Catalogue a raster written under tmp_path, read from a local path, over HTTP or from S3."""
    with _uri_maker(request.param, tmp_path, monkeypatch) as uri_for:
        yield lambda path: raster_ingest(uri=uri_for(path), trusted=True).raster


@pytest.fixture
def index_raster(write_raster) -> Path:
    """The index raster (see index_array) as a COG."""
    return write_raster(
        "index.tif", index_array(), epsg=32633, geotransform=INDEX_GEOTRANSFORM, nodata=0, cog=True
    )


# --- The designed catalogue of the search, STAC and footprint-tile tests. ---
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


def names(response) -> set[str]:
    """The raster names in a FeatureCollection response."""
    assert response.status_code == 200, response.content
    return {feature["properties"]["name"] for feature in response.json()["features"]}
