"""Band math and terrain algorithms on tiles: GET …/tiles/{z}/{x}/{y}.png?expression=… / ?algorithm=….

An expression tile is checked against the expression computed (in numpy) on the single-band tiles of
the same raster, decoded; a terrain tile against the slope and aspect of a plane known in advance,
and its edges against its neighbours'.
"""

from __future__ import annotations

import io

import numpy as np
import PIL.Image
import pytest
from django.core.cache import cache

from rastercatalog.geo.webmercator import tile_for_lonlat

pytestmark = pytest.mark.django_db

GEOTRANSFORM = (10.0, 0.005, 0.0, 46.0, 0.0, -0.005)  # 400 x 400 pixels, lon 10-12, lat 44-46
CENTRE = (11.0, 45.0)
Z = 8


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    if isinstance(cache._cache, dict):
        cache.clear()


def four_bands() -> np.ndarray:
    """Blue, green, red, near-infrared ramps (1-250); red is nodata (0) on a strip of columns."""
    rows, cols = np.mgrid[0:400, 0:400]
    blue = 1 + (rows * 249 // 399)
    green = 1 + (cols * 249 // 399)
    red = 1 + ((rows + cols) * 249 // 798)
    nir = 250 - ((rows + 2 * cols) * 249 // 1197)
    red[:, 300:320] = 0
    return np.stack([blue, green, red, nir]).astype(np.uint8)


@pytest.fixture
def multiband(write_raster, catalogue_local):
    path = write_raster("bgrn.tif", four_bands(), geotransform=GEOTRANSFORM, nodata=0, cog=True)
    return catalogue_local(path)


def fetch(api, url, **query) -> np.ndarray:
    response = api.get(url, query)
    assert response.status_code == 200, response.content
    return np.asarray(PIL.Image.open(io.BytesIO(response.content)).convert("RGBA"))


def tile_path(raster, lonlat=CENTRE, z=Z) -> str:
    tile, _, _ = tile_for_lonlat(*lonlat, z)
    return f"/api/rasters/{raster.pk}/tiles/{tile}.png"


def test_ndvi_tile_matches_numpy_on_the_single_band_tiles(api, multiband):
    url = tile_path(multiband)
    red = fetch(api, url, band=3, min=0, max=255)
    nir = fetch(api, url, band=4, min=0, max=255)
    ndvi = fetch(api, url, expression="(b4-b3)/(b4+b3)", min=-1, max=1)

    r, n = red[:, :, 0].astype(float), nir[:, :, 0].astype(float)
    valid = (red[:, :, 3] == 255) & (nir[:, :, 3] == 255) & (r > 0) & (n > 0)
    with np.errstate(invalid="ignore"):
        expected = np.floor(((n - r) / (n + r) + 1) * 127.5 + 0.5)
    assert valid.sum() > 20000  # most of the tile is over the raster
    difference = np.abs(ndvi[:, :, 0].astype(float) - expected)[valid]
    assert difference.max() <= 1
    # Nodata in red (the strip) or outside the raster: transparent, whatever the other band says.
    assert (ndvi[:, :, 3][~valid] == 0).all()
    assert (ndvi[:, :, 3][valid] == 255).all()


def test_expression_with_a_palette_colours_the_float_result(api, multiband):
    url = tile_path(multiband)
    gray = fetch(api, url, expression="b2 / 250", min=0, max=1)
    coloured = fetch(api, url, expression="b2 / 250", min=0, max=1, palette="viridis")
    assert (coloured[:, :, 3] == gray[:, :, 3]).all()
    opaque = gray[:, :, 3] == 255
    # viridis is never grey: the palette was applied where the grey tile has values.
    assert (coloured[:, :, 0] != coloured[:, :, 1])[opaque].mean() > 0.9


def test_expression_without_min_max_stretches_over_its_own_extremes(api, multiband):
    url = tile_path(multiband, z=6)
    default = fetch(api, url, expression="b2 * 10")
    explicit = fetch(api, url, expression="b2 * 10", min=10, max=2500)
    opaque = default[:, :, 3] == 255
    assert opaque.any()
    assert np.abs(default[:, :, 0].astype(int) - explicit[:, :, 0])[opaque].max() <= 1


def test_expression_is_part_of_the_cache_key_and_etag(api, multiband):
    url = tile_path(multiband)
    first = api.get(url, {"expression": "b1", "min": 0, "max": 255})
    second = api.get(url, {"expression": "b2", "min": 0, "max": 255})
    again = api.get(url, {"expression": " b1 ", "min": 0, "max": 255})
    assert first["ETag"] != second["ETag"]
    assert first.content != second.content
    assert again["ETag"] == first["ETag"] and again["X-Tile-Cache"] == "hit"


def test_512_pixel_expression_tile_is_its_four_children(api, multiband):
    tile, _, _ = tile_for_lonlat(*CENTRE, Z - 1)
    query = {"expression": "b4 - b3", "min": -100, "max": 250}
    big = fetch(api, f"/api/rasters/{multiband.pk}/tiles/{tile}@2x.png", **query)
    for (row, col), child in zip(((0, 0), (0, 1), (1, 0), (1, 1)), tile.children(), strict=True):
        quarter = big[row * 256 : (row + 1) * 256, col * 256 : (col + 1) * 256]
        response = api.get(f"/api/rasters/{multiband.pk}/tiles/{child}.png", query)
        if response.status_code == 404:  # a child outside the raster
            assert (quarter[:, :, 3] == 0).all()
            continue
        small = np.asarray(PIL.Image.open(io.BytesIO(response.content)).convert("RGBA"))
        assert (quarter == small).all()


def test_tilejson_carries_the_expression_in_its_tile_url(api, multiband):
    response = api.get(
        f"/api/rasters/{multiband.pk}/tilejson.json",
        {"expression": "(b4-b3)/(b4+b3)", "min": -1, "max": 1, "palette": "rdylgn"},
    )
    assert response.status_code == 200, response.content
    template = response.json()["tiles"][0]
    assert "expression=%28b4+-+b3%29+%2F+%28b4+%2B+b3%29" in template
    assert "palette=" in template and "min=-1" in template


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (
            {"expression": "b5 + 1"},
            "band b5 at character 1 does not exist: this raster has b1 to b4",
        ),
        ({"expression": "__import__('os')"}, "function __import__"),
        ({"expression": "b1.real"}, "attribute access"),
        ({"expression": "9**9**9"}, "exponent"),
        ({"expression": "(" * 10000 + "b1" + ")" * 10000}, "characters long"),
        ({"expression": "(" * 40 + "b1" + ")" * 40}, "nest deeper than 32"),
        ({"expression": "b1", "band": "1"}, "band cannot be combined with expression"),
        ({"expression": "b1", "algorithm": "slope"}, "not both"),
        ({"expression": "b1", "style": '{"band": 1}'}, "cannot be combined"),
        ({"algorithm": "slope"}, "reads one band and this raster has 4: pass band=N"),
        ({"algorithm": "glow", "band": "1"}, "algorithm='glow' is invalid"),
        ({"azimuth": "30"}, "applies to algorithm="),
        ({"algorithm": "slope", "band": "1", "azimuth": "30"}, "hillshade only"),
        ({"algorithm": "hillshade", "band": "1", "altitude": "100"}, "0 to 90"),
        ({"algorithm": "slope", "band": "1", "stretch": "p2p98"}, "give min and max"),
    ],
)
def test_bad_analysis_parameters_are_400s_that_say_why(api, multiband, query, words):
    response = api.get(tile_path(multiband), query)
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
