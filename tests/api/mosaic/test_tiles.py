"""GET /api/mosaic/tiles/{z}/{x}/{y}.png: a search drawn as one layer, pixel by pixel.

Every expectation is computed from the rasters' own tiles (GET /api/rasters/{id}/tiles/…), decoded,
and combined here with numpy: a byte raster drawn with the default style is its values in grey, so
the grey of a mosaic pixel is the combined value.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from rastercatalog.geo.webmercator import tile_for_lonlat

from .conftest import decode, mosaic_tile, single_tile

pytestmark = pytest.mark.django_db

# Tiles where all three rasters meet, at two zooms.
TILES = [str(tile_for_lonlat(lon, lat, z)[0]) for lon, lat, z in ((11.0, 45.0, 7), (11.3, 45.6, 8))]


def own_tiles(api, scene, tile, **query) -> list[np.ndarray]:
    """The rasters' own tiles, top first (new, mid, old)."""
    return [single_tile(api, raster, tile, **query) for raster in (scene.new, scene.mid, scene.old)]


def combine(tiles: list[np.ndarray], method: str) -> tuple[np.ndarray, np.ndarray]:
    """Grey values and alpha the mosaic must have, from the rasters' own tiles."""
    values = np.stack([t[:, :, 0] for t in tiles]).astype(np.float64)
    valid = np.stack([t[:, :, 3] > 0 for t in tiles])
    have = valid.any(axis=0)
    masked = np.where(valid, values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels: no data there
        if method == "first":
            index = np.argmax(valid, axis=0)
            result = np.take_along_axis(values, index[None], axis=0)[0]
        elif method == "highest":
            result = np.nanmax(masked, axis=0)
        elif method == "lowest":
            result = np.nanmin(masked, axis=0)
        elif method == "mean":
            result = np.floor(np.nanmean(masked, axis=0).astype(np.float32) + np.float32(0.5))
        elif method == "median":
            result = np.floor(np.nanmedian(masked, axis=0).astype(np.float32) + np.float32(0.5))
        else:  # count, drawn with min=0&max=3
            result = np.floor(valid.sum(axis=0) * np.float32(85.0) + np.float32(0.5))
    return np.where(have, np.nan_to_num(result), 0).astype(np.uint8), have


@pytest.mark.parametrize("tile", TILES)
@pytest.mark.parametrize("method", ["first", "highest", "lowest", "mean", "median", "count"])
def test_a_mosaic_tile_is_the_rasters_own_tiles_combined(api, scene, tile, method):
    query = {"collection": "series"}
    if method != "first":
        query["method"] = method
    if method == "count":
        query.update(min="0", max="3")
    mosaic = mosaic_tile(api, tile, **query)
    expected, have = combine(own_tiles(api, scene, tile), method)
    assert have.any() and not have.all()  # the tiles have edges and holes
    np.testing.assert_array_equal(mosaic[:, :, 3] > 0, have)
    np.testing.assert_array_equal(mosaic[:, :, 0][have], expected[have])
    assert (mosaic[:, :, 0] == mosaic[:, :, 2]).all()  # grey


def test_first_fills_the_top_rasters_holes_from_the_next(api, scene):
    lon, lat = 10.75, 45.25  # in new's nodata hole, on mid and old
    tile, fx, fy = tile_for_lonlat(lon, lat, 9)
    col, row = int(fx * 256), int(fy * 256)
    mosaic = mosaic_tile(api, str(tile), collection="series")
    mid = single_tile(api, scene.mid, str(tile))
    old = single_tile(api, scene.old, str(tile))
    below = mid if mid[row, col, 3] else old
    assert single_tile(api, scene.new, str(tile))[row, col, 3] == 0
    assert mosaic[row, col, 3] == 255
    assert tuple(mosaic[row, col]) == tuple(below[row, col])


def test_512_pixel_mosaic_tiles_are_the_four_256_pixel_ones(api, scene):
    tile = TILES[0]
    big = decode(api.get(f"/api/mosaic/tiles/{tile}@2x.png", {"collection": "series"}))
    z, x, y = map(int, tile.split("/"))
    quarters = [
        mosaic_tile(api, f"{z + 1}/{2 * x + dx}/{2 * y + dy}", collection="series")
        for dy in (0, 1)
        for dx in (0, 1)
    ]
    joined = np.concatenate(
        [np.concatenate(quarters[:2], axis=1), np.concatenate(quarters[2:], axis=1)]
    )
    assert big.shape == (512, 512, 4)
    np.testing.assert_array_equal(big, joined)


def test_every_search_filter_applies(api, scene):
    tile = TILES[0]
    only_mid = mosaic_tile(api, tile, ids=str(scene.mid.pk))
    np.testing.assert_array_equal(only_mid, single_tile(api, scene.mid, tile))
    before_march = mosaic_tile(api, tile, datetime="2024-01-01T00:00:00Z/2024-02-15T00:00:00Z")
    np.testing.assert_array_equal(before_march, single_tile(api, scene.mid, tile))
    by_name = mosaic_tile(api, tile, q="ol")
    np.testing.assert_array_equal(by_name, single_tile(api, scene.old, tile))
    # A box east of old: new and mid only.
    east = mosaic_tile(api, tile, bbox="11.6,44.2,11.9,45.9")
    expected, have = combine([single_tile(api, r, tile) for r in (scene.new, scene.mid)], "first")
    np.testing.assert_array_equal(east[:, :, 0][have], expected[have])


def test_a_tile_touching_no_raster_opens_no_file(api, scene):
    for raster in (scene.new, scene.mid, scene.old):
        os.unlink(raster.uri)
    response = api.get("/api/mosaic/tiles/7/0/0.png", {"collection": "series"})
    assert response["X-Mosaic-Source"] == "empty"
    assert (decode(response)[:, :, 3] == 0).all()
    # Where rasters are, their (deleted) files must be read: the answer says they cannot be.
    assert api.get(f"/api/mosaic/tiles/{TILES[0]}.png").status_code == 503


def test_style_parameters_apply_to_the_combined_values(api, scene):
    tile = TILES[0]
    painted = mosaic_tile(api, tile, palette="viridis", min="0", max="255")
    grey = mosaic_tile(api, tile)
    own = single_tile(api, scene.new, tile, palette="viridis", min="0", max="255")
    own_grey = single_tile(api, scene.new, tile)
    top = (own[:, :, 3] > 0) & (grey[:, :, 3] > 0)
    np.testing.assert_array_equal(painted[top], own[top])
    np.testing.assert_array_equal(grey[top], own_grey[top])
    # nodata: a value drawn transparent in every raster, where the next raster fills in.
    value = int(grey[:, :, 0][grey[:, :, 3] > 0][0])
    without = mosaic_tile(api, tile, nodata=str(value))
    assert not ((without[:, :, 3] > 0) & (without[:, :, 0] == value)).any()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"method": "loudest"}, "method"),
        ({"status": "pending"}, "status is not used by mosaics"),
        ({"ordering": "-created"}, "ordering is not used by mosaics"),
        ({"style": '{"band": 1}'}, "style is not used by mosaics"),
        ({"band": "2"}, "band 2 is out of range"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"datetime": "yesterday"}, "datetime"),
    ],
)
def test_bad_parameters_are_400_naming_them(api, scene, query, words):
    response = api.get(f"/api/mosaic/tiles/{TILES[0]}.png", query)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert words in response.content.decode()


def test_outside_the_grid_and_unknown_formats_are_400(api, scene):
    assert api.get("/api/mosaic/tiles/3/8/0.png").status_code == 400
    assert api.get("/api/mosaic/tiles/3/0/0.gif").status_code == 400
