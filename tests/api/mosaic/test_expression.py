"""expression= on mosaics: tiles, TileJSON and the time series at a point.

A mosaic expression tile must be the rasters' own expression tiles (GET /api/rasters/{id}/tiles/…
?expression=…), decoded and combined here with numpy: the expression below gives whole numbers
from 0 to 255 (drawn with min=0&max=255, so the grey of a pixel is the value), is not linear, and
leaves holes of its own where b1 <= 100 (1 / 0 is no value), so rasters below fill them in.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import numpy as np
import pytest

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.geo.webmercator import tile_for_lonlat

from .conftest import PIXEL, decode, mosaic_tile, single_tile
from .test_tiles import TILES, combine

pytestmark = pytest.mark.django_db

EXPRESSION = "where(b1 > 100, 255 - b1, 1 / (b1 - b1))"
IN_ALL, IN_NEW_HOLE = (11.2, 45.3), (10.75, 45.25)


def own_expression_tiles(api, scene, tile, **query) -> list[np.ndarray]:
    """The rasters' own expression tiles, top first (new, mid, old)."""
    query = {"expression": EXPRESSION, "min": "0", "max": "255", **query}
    return [single_tile(api, raster, tile, **query) for raster in (scene.new, scene.mid, scene.old)]


@pytest.mark.parametrize("tile", TILES)
@pytest.mark.parametrize("method", ["first", "highest", "lowest", "mean", "median", "count"])
def test_a_mosaic_expression_tile_is_the_rasters_own_expression_tiles_combined(
    api, scene, tile, method
):
    query = {"collection": "series", "method": method, "expression": EXPRESSION}
    query.update({"min": "0", "max": "3"} if method == "count" else {"min": "0", "max": "255"})
    mosaic = mosaic_tile(api, tile, **query)
    expected, have = combine(own_expression_tiles(api, scene, tile), method)
    assert have.any() and not have.all()
    np.testing.assert_array_equal(mosaic[:, :, 3] > 0, have)
    np.testing.assert_array_equal(mosaic[:, :, 0][have], expected[have])


def test_the_expression_is_applied_to_each_raster_before_combining(api, scene):
    """highest of 255 - b1 is 255 - the lowest b1: not 255 - the highest b1."""
    tile = TILES[0]
    query = {"collection": "series", "min": "0", "max": "255"}
    of_values = mosaic_tile(api, tile, **query, method="highest", expression="255 - b1")
    lowest = mosaic_tile(api, tile, **query, method="lowest")
    have = of_values[:, :, 3] > 0
    np.testing.assert_array_equal(of_values[:, :, 0][have], 255 - lowest[:, :, 0][have])


def test_first_with_a_palette_is_the_top_rasters_coloured_pixels(api, scene):
    tile = TILES[1]
    style = {"expression": EXPRESSION, "min": "0", "max": "255", "palette": "viridis"}
    mosaic = mosaic_tile(api, tile, collection="series", **style)
    own = [single_tile(api, raster, tile, **style) for raster in (scene.new, scene.mid, scene.old)]
    expected = np.zeros_like(own[0])
    for image in reversed(own):  # bottom first, each drawn over the ones below
        drawn = image[:, :, 3] > 0
        expected[drawn] = image[drawn]
    np.testing.assert_array_equal(mosaic[:, :, 3], expected[:, :, 3])
    drawn = expected[:, :, 3] > 0
    np.testing.assert_array_equal(mosaic[drawn], expected[drawn])


def test_512_pixel_expression_tiles_are_the_four_256_pixel_ones(api, scene):
    query = {"collection": "series", "expression": EXPRESSION, "min": "0", "max": "255"}
    z, x, y = map(int, TILES[0].split("/"))
    big = decode(api.get(f"/api/mosaic/tiles/{TILES[0]}@2x.png", query))
    quarters = [
        mosaic_tile(api, f"{z + 1}/{2 * x + dx}/{2 * y + dy}", **query)
        for dy in (0, 1)
        for dx in (0, 1)
    ]
    top, bottom = np.concatenate(quarters[:2], axis=1), np.concatenate(quarters[2:], axis=1)
    np.testing.assert_array_equal(big, np.concatenate([top, bottom]))


@pytest.fixture
def flat(write_raster, scene):
    """Rasters of one value each, for the default range: 10 (new), 20 (mid), 30 (old)."""
    rows = {}
    for name, value, west, acquired in (
        ("flat-new", 10, 10.0, datetime(2024, 3, 1, tzinfo=UTC)),
        ("flat-mid", 20, 10.5, datetime(2024, 2, 1, tzinfo=UTC)),
        ("flat-old", 30, 9.5, None),
    ):
        array = np.full((400, 400), value, np.uint8)
        path = write_raster(
            f"{name}.tif", array, geotransform=(west, PIXEL, 0, 46, 0, -PIXEL), nodata=0, cog=True
        )
        rows[name] = raster_ingest(uri=str(path), name=name, acquired_at=acquired, trusted=True)
    return rows


def test_without_min_max_the_expression_is_stretched_over_the_rasters_widest_range(api, flat):
    """b1 * 2 is 20, 40 and 60 in the three rasters: the colours span 20 to 60 in every tile."""
    search = {"q": "flat-", "expression": "b1 * 2"}
    for (lon, lat), grey in (((11.2, 45.3), 0), ((9.7, 45.0), 255), ((12.3, 45.0), 128)):
        tile, fx, fy = tile_for_lonlat(lon, lat, 8)
        image = mosaic_tile(api, str(tile), **search)
        assert tuple(image[int(fy * 256), int(fx * 256)]) == (grey, grey, grey, 255), (lon, lat)
    explicit = mosaic_tile(api, TILES[0], **search, min="20", max="60")
    np.testing.assert_array_equal(mosaic_tile(api, TILES[0], **search), explicit)
    # stretch=p2p98 over the rasters' own 2nd-98th percentiles: the same here (flat rasters).
    np.testing.assert_array_equal(mosaic_tile(api, TILES[0], **search, stretch="p2p98"), explicit)


def test_the_expression_is_part_of_the_etag_and_cache_key(api, scene):
    url = f"/api/mosaic/tiles/{TILES[0]}.png"
    query = {"collection": "series", "min": "0", "max": "255"}
    plain = api.get(url, query)
    first = api.get(url, {**query, "expression": "b1"})
    second = api.get(url, {**query, "expression": "255 - b1"})
    again = api.get(url, {**query, "expression": " 255-b1 "})
    assert len({plain["ETag"], first["ETag"], second["ETag"]}) == 3
    assert first.content != second.content and second["X-Tile-Cache"] == "miss"
    assert again["ETag"] == second["ETag"] and again["X-Tile-Cache"] == "hit"
    assert (
        api.get(
            url, {**query, "expression": "255-b1"}, HTTP_IF_NONE_MATCH=second["ETag"]
        ).status_code
        == 304
    )


@pytest.fixture
def two_bands(scene, write_raster):
    """A two-band raster on top of the scene (newest): b2 = 200 - b1."""
    b1 = np.random.default_rng(9).integers(1, 100, (400, 400), dtype=np.uint8)
    path = write_raster(
        "pair.tif",
        np.stack([b1, 200 - b1]),
        geotransform=(10.2, PIXEL, 0, 45.8, 0, -PIXEL),
        nodata=0,
        cog=True,
    )
    return raster_ingest(
        uri=str(path),
        name="pair",
        collection=scene.collection,
        acquired_at=datetime(2024, 4, 1, tzinfo=UTC),
        trusted=True,
    ).raster


def test_rasters_without_a_band_the_expression_reads_take_no_part(api, scene, two_bands):
    tile = TILES[0]
    query = {"expression": "b2 - b1", "min": "0", "max": "255"}
    mosaic = mosaic_tile(api, tile, collection="series", **query)
    np.testing.assert_array_equal(mosaic, single_tile(api, two_bands, tile, **query))
    # Where no raster of the tile has the band: a 400 that names it.
    far_tile, _, _ = tile_for_lonlat(12.4, 44.1, 10)  # on mid only
    response = api.get(f"/api/mosaic/tiles/{far_tile}.png", {"collection": "series", **query})
    assert response.status_code == 400
    assert (
        "expression reads band b2, and the rasters of this tile have at most 1 band"
        in (response.json()["detail"])
    )


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"expression": "__import__('os')"}, "function __import__"),
        ({"expression": "b1.__class__"}, "attribute access"),
        ({"expression": "9**9**9"}, "exponent"),
        ({"expression": "(" * 10000 + "b1" + ")" * 10000}, "characters long"),
        ({"expression": "(" * 40 + "b1" + ")" * 40}, "nest deeper than 32"),
        ({"expression": "bx + 1"}, "name 'bx' at character 1 is not allowed: bands are b1, b2, …"),
        ({"expression": "b1", "band": "1"}, "band cannot be combined with expression"),
        ({"expression": "b1", "algorithm": "slope"}, "not both"),
        ({"expression": "b9"}, "expression reads band b9"),
    ],
)
@pytest.mark.parametrize("endpoint", ["tiles", "tilejson", "point"])
def test_hostile_and_bad_expressions_are_400s_that_say_why(api, scene, query, words, endpoint):
    url = {
        "tiles": f"/api/mosaic/tiles/{TILES[0]}.png",
        "tilejson": "/api/mosaic/tilejson.json",
        "point": "/api/mosaic/point",
    }[endpoint]
    if endpoint == "point":
        query = {**query, "lon": IN_ALL[0], "lat": IN_ALL[1]}
        if "band" in query:
            words = "band applies to algorithm= only"
    response = api.get(url, {"collection": "series", **query})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert words in response.json()["detail"]


def test_tilejson_carries_the_expression(api, scene):
    query = {"collection": "series", "expression": "(b1 - 1) / 2", "min": "0", "max": "127"}
    body = api.get("/api/mosaic/tilejson.json", query).json()
    template = body["tiles"][0]
    assert "expression=%28b1+-+1%29+%2F+2" in template and "min=0" in template
    path = template.split("/api/mosaic/tiles/")[1].replace("{z}/{x}/{y}", TILES[0])
    filled = decode(api.get("/api/mosaic/tiles/" + path))
    np.testing.assert_array_equal(filled, mosaic_tile(api, TILES[0], **query))


def pixel_api(api, raster, lon, lat, **query) -> dict:
    response = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": lon, "lat": lat, **query})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("where", [IN_ALL, IN_NEW_HOLE])
@pytest.mark.parametrize("expression", ["(b1 - 100) / 2", "1 / (b1 - b1)", "sqrt(b1) * 3"])
def test_the_point_with_an_expression_is_the_pixel_api_with_it(api, scene, where, expression):
    lon, lat = where
    query = {"lon": lon, "lat": lat, "collection": "series", "expression": expression}
    body = api.get("/api/mosaic/point", query).json()
    assert (
        body["expression"]
        == pixel_api(api, scene.new, lon, lat, expression=expression)["expression"]
    )
    entries = body["values"]
    assert [e["raster"] for e in entries] == [r.pk for r in (scene.mid, scene.new, scene.old)]
    for entry in entries:
        raster = next(r for r in (scene.new, scene.mid, scene.old) if r.pk == entry["raster"])
        own = pixel_api(api, raster, lon, lat, expression=expression)
        assert (entry["values"], entry["value"]) == (own["values"], own["value"])
    values = [entry["value"] for entry in entries]
    if expression == "1 / (b1 - b1)":
        assert values == [None, None, None]  # not finite: no value
    elif where == IN_NEW_HOLE:
        assert values[1] is None and None not in (values[0], values[2])  # new's nodata


def test_the_point_csv_has_the_expressions_value_last(api, scene, two_bands):
    lon, lat = IN_ALL
    query = {"lon": lon, "lat": lat, "collection": "series", "expression": "b1 * 2"}
    body = api.get("/api/mosaic/point", query).json()
    rows = list(
        csv.reader(
            io.StringIO(api.get("/api/mosaic/point", {**query, "format": "csv"}).content.decode())
        )
    )
    assert rows[0] == ["raster", "name", "acquired_at", "b1", "b2", "value"]
    for row, entry in zip(rows[1:], body["values"], strict=True):
        assert row[0] == str(entry["raster"])
        assert row[-1] == ("" if entry["value"] is None else str(entry["value"]))
    # b2: the single-band rasters take no part.
    only = api.get("/api/mosaic/point", {**query, "expression": "b2 - b1"}).json()["values"]
    assert [entry["raster"] for entry in only] == [two_bands.pk]
    assert only[0]["value"] == pixel_api(api, two_bands, lon, lat, expression="b2 - b1")["value"]
