"""Footprint vector tiles: decoded, they show the footprints of the search, where they are."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import mapbox_vector_tile
import pytest

from ..conftest import box, raster_make

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def decode(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    if not response.content:
        return []
    layers = mapbox_vector_tile.decode(response.content)
    assert set(layers) == {"footprints"}
    assert layers["footprints"]["extent"] == 4096
    return layers["footprints"]["features"]


def tile(api, z, x, y, **params):
    return api.get(f"/api/rasters/tiles/{z}/{x}/{y}.mvt", params)


def by_name(features: list[dict]) -> dict[str, dict]:
    return {feature["properties"]["name"]: feature for feature in features}


def test_world_tile_shows_every_public_ready_footprint(designed, api):
    features = by_name(decode(tile(api, 0, 0, 0)))
    # At zoom 0 a cell is 11.25° wide: the three Alpine scenes share one, drawn as the largest.
    assert set(features) == {
        "alps", "fiji_cross", "fiji_west", "samoa", "arctic_cap", "antarctic", "null_island",
    }  # fmt: skip
    assert features["alps"]["properties"]["count"] == 3
    assert features["samoa"]["properties"]["count"] == 1


def test_features_carry_id_name_collection_and_time(designed, api):
    features = by_name(decode(tile(api, 7, 66, 45)))  # 5.6..8.4 E, 44.0..45.9 N
    assert set(features) == {"alps", "alps_inner", "alps_east"}
    alps = features["alps"]
    assert alps["id"] == designed.alps.pk
    assert alps["properties"] == {
        "id": designed.alps.pk,
        "name": "alps",
        "collection": "europe",
        "acquired_at": "2024-06-15T10:00:00Z",
        "count": 1,
    }
    polar = by_name(decode(tile(api, 0, 0, 0)))
    assert "collection" not in polar["null_island"]["properties"]  # no collection: no value
    assert "acquired_at" not in polar["fiji_west"]["properties"]


def _units(lon: float, lat: float, z: int, x: int, y: int) -> tuple[float, float]:
    """Where lon, lat falls in tile z/x/y, in tile units with y pointing north (as decoded)."""
    n = 2**z
    mercator_y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return ((lon + 180) / 360 * n - x) * 4096, (1 - (mercator_y - y)) * 4096


def test_footprints_are_where_they_should_be_in_the_tile(designed, api):
    features = by_name(decode(tile(api, 7, 66, 45)))  # 5.6..8.4 E, 45.1..47.0 N
    ring = features["alps"]["geometry"]["coordinates"][0]  # 6..8 E, 45..47 N
    west, north = _units(6, 47, 7, 66, 45)
    east, _ = _units(8, 47, 7, 66, 45)
    assert min(x for x, _ in ring) == pytest.approx(west, abs=1)
    assert max(x for x, _ in ring) == pytest.approx(east, abs=1)
    assert max(y for _, y in ring) == pytest.approx(north, abs=1)
    assert min(y for _, y in ring) == -64  # 45 N is south of the tile: clipped at the buffer


def test_a_footprint_across_the_antimeridian_shows_on_both_edges(designed, api):
    east = by_name(decode(tile(api, 2, 3, 2)))  # 90..180 E, 0..66 S
    west = by_name(decode(tile(api, 2, 0, 2)))  # 180..90 W
    assert "fiji_cross" in east and "fiji_cross" in west
    assert max(x for x, _ in east["fiji_cross"]["geometry"]["coordinates"][0]) >= 4096
    assert min(x for x, _ in west["fiji_cross"]["geometry"]["coordinates"][0]) <= 0


def test_polar_footprints_are_clipped_to_web_mercator(designed, api):
    features = by_name(decode(tile(api, 1, 0, 0)))
    assert "arctic_cap" in features  # drawn up to the top edge, not lost at 90 N
    assert "antarctic" in by_name(decode(tile(api, 1, 1, 1)))


def test_search_filters_apply_to_tiles(designed, api):
    assert set(by_name(decode(tile(api, 0, 0, 0, collection="polar")))) == {
        "arctic_cap",
        "antarctic",
    }
    assert set(by_name(decode(tile(api, 7, 66, 45, datetime="2024-06-15")))) == {
        "alps",
        "alps_inner",
    }
    assert set(by_name(decode(tile(api, 0, 0, 0, bbox="179,-20,-179,-15")))) == {"fiji_cross"}
    assert decode(tile(api, 0, 0, 0, collection="nowhere")) == []  # an empty tile: 200, no bytes


def test_private_footprints_only_for_their_owner(designed, api, alice):
    assert "alps_private" not in by_name(decode(tile(api, 7, 66, 45)))
    api.force_authenticate(alice)
    assert "alps_private" in by_name(decode(tile(api, 7, 66, 45)))


def test_low_zoom_tiles_draw_one_footprint_per_cell_with_a_count(db, api):
    # Ten small scenes and a larger one whose centres share an 8x8-pixel cell at zoom 2; one apart.
    for i in range(10):
        raster_make(f"small_{i}", box(10 + i * 0.01, 10, 10.5 + i * 0.01, 10.5))
    raster_make("small_big", box(9.9, 9.9, 10.8, 10.8))  # same cell, the largest
    raster_make("far", box(60, 10, 61, 11))
    low = by_name(decode(tile(api, 2, 2, 1)))
    assert set(low) == {"small_big", "far"}
    assert low["small_big"]["properties"]["count"] == 11
    assert low["far"]["properties"]["count"] == 1
    high = by_name(decode(tile(api, 8, 135, 120)))  # from zoom 7 on: every footprint
    assert len([name for name in high if name.startswith("small")]) == 11


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/rasters/tiles/3/8/0.mvt", 400, "x=8 is out of range at zoom 3: 0 to 7"),
        ("/api/rasters/tiles/31/0/0.mvt", 400, "zoom 31 is out of range: zooms are 0 to 30"),
        ("/api/rasters/tiles/0/0/0.mvt?bbox=1,2", 400, "bbox"),
    ],
)
def test_bad_tiles_and_parameters(designed, api, path, status, words):
    response = api.get(path, HTTP_ACCEPT="application/vnd.mapbox-vector-tile")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"  # errors stay readable
    assert words in json.dumps(response.json())


@pytest.mark.parametrize("z", [31, 40])
def test_raster_and_footprint_tiles_share_one_zoom_limit(designed, api, z):
    """One Web Mercator grid (geo/webmercator.py): the same 400 and message for both tile kinds."""
    footprint = api.get(f"/api/rasters/tiles/{z}/0/0.mvt")
    # z/x/y is checked before the raster is looked up: no raster is needed for the 400.
    raster = api.get(f"/api/rasters/1/tiles/{z}/0/0.png")
    expected = f"tile {z}/0/0 does not exist: zoom {z} is out of range: zooms are 0 to 30"
    assert footprint.status_code == raster.status_code == 400
    assert footprint.json() == raster.json() == {"detail": expected}


def test_a_footprint_tile_at_the_deepest_zoom_is_served(designed, api):
    response = api.get("/api/rasters/tiles/30/0/0.mvt")
    assert response.status_code == 200


def test_on_spatialite_tiles_answer_501_and_search_still_works(tmp_path):
    """A real SpatiaLite catalog in a subprocess (the suite's database is PostGIS)."""
    script = """
import json
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import call_command
from django.test import Client
from rastercatalog.models import Raster
call_command("migrate", verbosity=0)
Raster.objects.create(name="spatialite", uri="/x.tif", status="ready", checksum_sha256="a" * 64,
    footprint=MultiPolygon(Polygon.from_bbox((6, 45, 8, 47)), srid=4326),
    bbox_west=6, bbox_south=45, bbox_east=8, bbox_north=47)
client = Client()
tile = client.get("/api/rasters/tiles/0/0/0.mvt")
search = client.get("/api/rasters/", {"bbox": "5,44,9,48", "ordering": "distance", "point": "7,46"})
print(json.dumps({"tile": [tile.status_code, tile.json()], "search": [search.status_code,
    [f["properties"]["name"] for f in search.json()["features"]]]}))
"""
    env = {
        **os.environ,
        "DATABASE_URL": f"spatialite:///{tmp_path / 'catalog.sqlite3'}",
        "RASTERCATALOG_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    command = [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    status, body = outcome["tile"]
    assert status == 501
    assert "need PostGIS (ST_AsMVT) and this catalog runs on SpatiaLite" in body["detail"]
    assert "/api/rasters/?bbox=" in body["detail"]
    assert outcome["search"] == [200, ["spatialite"]]
