"""GET /api/rasters/{id}/tilejson.json: a TileJSON 3.0.0 that a map client can use as it is."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import numpy as np
import PIL.Image
import pytest
from django.core.cache import cache

from rastercatalog.geo.webmercator import tile_for_lonlat, zoom_range

pytestmark = pytest.mark.django_db

GEOTRANSFORM = (10.0, 0.005, 0.0, 46.0, 0.0, -0.005)  # lon 10-12, lat 44-46


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def ramp(write_raster, catalogue_local):
    """400 x 400 float32, value = column (0-399)."""
    values = np.tile(np.arange(400, dtype=np.float32), (400, 1))
    return catalogue_local(write_raster("ramp.tif", values, geotransform=GEOTRANSFORM, cog=True))


def tilejson(api, raster, status=200, **query) -> dict:
    response = api.get(f"/api/rasters/{raster.pk}/tilejson.json", query)
    assert response.status_code == status, response.content
    return response.json()


def test_tilejson_document(api, ramp):
    document = tilejson(api, ramp)
    zooms = zoom_range(ramp)

    assert document["tilejson"] == "3.0.0"
    assert document["name"] == "ramp"
    assert document["scheme"] == "xyz"
    assert document["tiles"] == [
        f"http://testserver/api/rasters/{ramp.pk}/tiles/{{z}}/{{x}}/{{y}}.png"
    ]
    assert document["bounds"] == pytest.approx([10.0, 44.0, 12.0, 46.0], abs=1e-6)
    assert (document["minzoom"], document["maxzoom"]) == (zooms.minzoom, zooms.native)
    lon, lat, zoom = document["center"]
    assert (lon, lat) == pytest.approx((11.0, 45.0), abs=1e-6)
    assert document["minzoom"] <= zoom <= document["maxzoom"]


def test_template_carries_the_style_and_its_tiles_render(api, ramp):
    document = tilejson(api, ramp, palette="Viridis", min="0", max="399", format="webp")
    template = document["tiles"][0]
    parts = urlsplit(template)
    assert parts.path.endswith("/{z}/{x}/{y}.webp")
    assert parse_qs(parts.query) == {"palette": ["viridis"], "min": ["0"], "max": ["399"]}

    # Fill the template as a map client would, at the TileJSON's maxzoom, and read a pixel.
    tile, fx, fy = tile_for_lonlat(11.0, 45.0, document["maxzoom"])
    url = (
        template.replace("{z}", str(tile.z)).replace("{x}", str(tile.x)).replace("{y}", str(tile.y))
    )
    response = api.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    image = PIL.Image.open(io.BytesIO(response.content)).convert("RGBA")
    assert image.getpixel((int(fx * 256), int(fy * 256)))[3] == 255


def test_every_zoom_of_the_tilejson_is_served(api, ramp):
    document = tilejson(api, ramp)
    for z in range(document["minzoom"], document["maxzoom"] + 1):
        tile, _, _ = tile_for_lonlat(11.0, 45.0, z)
        assert api.get(f"/api/rasters/{ramp.pk}/tiles/{tile}.png").status_code == 200, z


def test_512_pixel_tiles_shift_the_zooms(api, ramp):
    plain = tilejson(api, ramp)
    large = tilejson(api, ramp, tilesize=512)
    assert large["maxzoom"] == plain["maxzoom"] - 1
    assert large["minzoom"] == max(0, plain["minzoom"] - 1)
    assert parse_qs(urlsplit(large["tiles"][0]).query) == {"tilesize": ["512"]}


def test_style_object_is_carried_encoded(api, ramp):
    style = '{"band": 1, "palette": "magma", "min": 0, "max": 399}'
    template = tilejson(api, ramp, style=style)["tiles"][0]
    assert template.count("{") == 3  # only {z}, {x}, {y}: the JSON's braces are percent-encoded
    assert parse_qs(urlsplit(template).query)["style"] == [
        '{"band":1,"max":399,"min":0,"palette":"magma"}'
    ]


def test_antimeridian_bounds_keep_west_greater_than_east(api, write_raster, catalogue_local):
    array = np.full((400, 400), 9, np.uint8)
    path = write_raster(
        "fiji.tif", array, epsg=32760, geotransform=(700000, 500, 0, 8050000, 0, -500)
    )
    raster = catalogue_local(path)
    west, south, east, north = tilejson(api, raster)["bounds"]
    assert west > 178 and east < -179
    lon, _, _ = tilejson(api, raster)["center"]
    assert lon > 179.5 or lon < -179.5  # the middle of the raster, across the antimeridian


def test_errors(api, ramp):
    assert "unknown palette 'jet2'" in tilejson(api, ramp, 400, palette="jet2")["detail"]
    assert "band 2 is out of range" in tilejson(api, ramp, 400, band=2)["detail"]
    assert "parameter format='gif'" in tilejson(api, ramp, 400, format="gif")["detail"]
    assert "not valid JSON" in tilejson(api, ramp, 400, style="{")["detail"]
    response = api.get("/api/rasters/424242/tilejson.json")
    assert response.status_code == 404
    assert response.json()["detail"] == "no raster with id 424242"
