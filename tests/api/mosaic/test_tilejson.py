"""GET /api/mosaic/tilejson.json: the search as one TileJSON layer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import decode

pytestmark = pytest.mark.django_db


def test_tilejson_carries_the_search_method_and_style_in_its_tile_url(api, scene):
    query = {"collection": "series", "method": "median", "palette": "viridis", "min": "0"}
    body = api.get("/api/mosaic/tilejson.json", {**query, "max": "255"}).json()
    assert body["tilejson"] == "3.0.0"
    assert body["minzoom"] == 0
    assert body["maxzoom"] == 9  # the rasters' native zoom (0.005 degrees a pixel)
    assert body["bounds"] == pytest.approx([9.5, 44.0, 12.5, 46.0], abs=0.01)
    url = urlsplit(body["tiles"][0])
    assert url.path == "/api/mosaic/tiles/{z}/{x}/{y}.png"
    assert parse_qs(url.query) == {
        "collection": ["series"],
        "method": ["median"],
        "palette": ["viridis"],
        "min": ["0"],
        "max": ["255"],
    }
    # The template, filled, is a tile.
    tile = url.path.replace("{z}/{x}/{y}", "7/67/46") + "?" + url.query
    assert decode(api.get(tile))[:, :, 3].any()


def test_tilejson_of_an_empty_search_and_of_bad_parameters(api, scene):
    body = api.get("/api/mosaic/tilejson.json", {"collection": "nothing-here"}).json()
    assert body["bounds"][0] == -180 and body["description"].startswith("0 rasters")
    response = api.get("/api/mosaic/tilejson.json", {"method": "loudest"})
    assert response.status_code == 400 and "method" in response.json()["detail"]
    assert (
        "tilesize=512" in api.get("/api/mosaic/tilejson.json", {"tilesize": 512}).json()["tiles"][0]
    )
