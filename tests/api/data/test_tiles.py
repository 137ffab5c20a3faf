"""GET /api/rasters/{id}/tiles/{z}/{x}/{y}.{png|jpg|webp}: pixels where the map puts them.

The "quadrants" raster is 2 x 2 degrees in EPSG:4326 (lon 10-12, lat 44-46), one byte band: 10 in
the north-west quarter, 20 north-east, 30 south-west, 40 south-east, and a nodata (0) strip along
lon 10.9-11.1. A tile pixel is located with Web Mercator arithmetic (tilegrid.tile_for_lonlat),
independently of large-image, so a misplaced or mis-coloured tile fails here.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
import threading
import time

import matplotlib
import numpy as np
import PIL.Image
import pytest
from django.core.cache import cache
from django.db import connection
from osgeo import gdal
from rest_framework.test import APIClient

from rastercatalog.catalog.ingest import raster_reingest
from rastercatalog.geo.webmercator import EARTH_CIRCUMFERENCE_M, tile_for_lonlat, zoom_range
from rastercatalog.models import Raster
from rastercatalog.render.cache import cache_get_or_render

pytestmark = pytest.mark.django_db

QUADRANT_GEOTRANSFORM = (10.0, 0.005, 0.0, 46.0, 0.0, -0.005)  # 400 x 400 pixels
NW, NE, SW, SE = (10.5, 45.5), (11.5, 45.5), (10.5, 44.5), (11.5, 44.5)
IN_NODATA_STRIP = (11.0, 45.5)
EAST_OF_RASTER = (12.3, 45.0)
Z = 8


def quadrants(values=(10, 20, 30, 40)) -> np.ndarray:
    array = np.zeros((400, 400), np.uint8)
    array[:200, :200], array[:200, 200:], array[200:, :200], array[200:, 200:] = values
    array[:, 180:220] = 0
    return array


@pytest.fixture(autouse=True)
def empty_cache():
    """Tiles are cached by checksum: identical test rasters must not find each other's tiles."""
    cache.clear()
    yield
    if isinstance(cache._cache, dict):  # local memory only: never flush a shared Redis
        cache.clear()


@pytest.fixture
def quad_path(write_raster):
    return write_raster(
        "quad.tif", quadrants(), geotransform=QUADRANT_GEOTRANSFORM, nodata=0, cog=True
    )


@pytest.fixture
def quad(catalogue_local, quad_path) -> Raster:
    return catalogue_local(quad_path)


def tile_url(raster: Raster, lonlat, z=Z, fmt="png", suffix="") -> str:
    tile, _, _ = tile_for_lonlat(*lonlat, z)
    return f"/api/rasters/{raster.pk}/tiles/{tile}{suffix}.{fmt}"


def tile_pixel(api, raster, lonlat, z=Z, size=256, **query) -> tuple[int, ...]:
    """Fetch the tile that holds lonlat and return the RGBA pixel at lonlat."""
    image = fetch(api, tile_url(raster, lonlat, z), **query)
    assert image.size == (size, size)
    _, fx, fy = tile_for_lonlat(*lonlat, z)
    return image.convert("RGBA").getpixel((int(fx * size), int(fy * size)))


def fetch(api, url, **query) -> PIL.Image.Image:
    response = api.get(url, query)
    assert response.status_code == 200, response.content
    return PIL.Image.open(io.BytesIO(response.content))


def error(api, url, status, **query) -> str:
    response = api.get(url, query)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["detail"]


def cmap_rgba(name: str, fraction: float) -> tuple[int, ...]:
    return tuple(int(v) for v in matplotlib.colormaps[name](fraction, bytes=True))


def close(actual, expected, tolerance=1) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


# --- Pixels in the right places -----------------------------------------------------------------


def test_quadrant_values_land_where_the_map_puts_them(api, quad):
    for lonlat, value in ((NW, 10), (NE, 20), (SW, 30), (SE, 40)):
        assert tile_pixel(api, quad, lonlat) == (value, value, value, 255), lonlat


def test_nodata_and_outside_the_raster_are_transparent(api, quad):
    assert tile_pixel(api, quad, IN_NODATA_STRIP)[3] == 0
    assert tile_pixel(api, quad, EAST_OF_RASTER)[3] == 0
    image = fetch(api, tile_url(quad, EAST_OF_RASTER))
    assert image.mode == "RGBA"


def test_tile_over_the_raster_interior_is_opaque_rgb(api, write_raster, catalogue_local):
    path = write_raster(
        "flat.tif", np.full((400, 400), 77, np.uint8), geotransform=QUADRANT_GEOTRANSFORM
    )
    raster = catalogue_local(path)
    image = fetch(api, tile_url(raster, (11.0, 45.0), z=10))
    assert image.mode == "RGB"  # no alpha channel when every pixel is opaque
    assert image.getpixel((128, 128)) == (77, 77, 77)


def test_512_pixel_tiles_by_suffix_or_parameter(api, quad):
    tile, fx, fy = tile_for_lonlat(*SE, Z)
    at2x = fetch(api, f"/api/rasters/{quad.pk}/tiles/{tile}@2x.png")
    by_parameter = fetch(api, f"/api/rasters/{quad.pk}/tiles/{tile}.png", tilesize=512)
    assert at2x.size == by_parameter.size == (512, 512)
    assert at2x.tobytes() == by_parameter.tobytes()
    assert at2x.convert("RGBA").getpixel((int(fx * 512), int(fy * 512))) == (40, 40, 40, 255)
    _, fx, fy = tile_for_lonlat(*EAST_OF_RASTER, Z)
    assert at2x.convert("RGBA").getpixel((int(fx * 512), int(fy * 512)))[3] == 0


@pytest.mark.parametrize(("fmt", "mime"), [("jpg", "image/jpeg"), ("webp", "image/webp")])
def test_jpeg_and_webp(api, quad, fmt, mime):
    response = api.get(tile_url(quad, SE, fmt=fmt))
    assert response.status_code == 200
    assert response["Content-Type"] == mime
    image = PIL.Image.open(io.BytesIO(response.content))
    _, fx, fy = tile_for_lonlat(*SE, Z)
    assert close(image.convert("RGB").getpixel((int(fx * 256), int(fy * 256))), (40, 40, 40), 3)


# --- Styles ---------------------------------------------------------------------------------------


@pytest.fixture
def rgb(write_raster, catalogue_local) -> Raster:
    """Three constant bands: red 50, green 100, blue 150."""
    bands = np.stack([np.full((400, 400), v, np.uint8) for v in (50, 100, 150)])
    return catalogue_local(write_raster("rgb.tif", bands, geotransform=QUADRANT_GEOTRANSFORM))


def test_rgb_composite_follows_band_order(api, rgb):
    assert tile_pixel(api, rgb, NW) == (50, 100, 150, 255)
    assert tile_pixel(api, rgb, NW, band="3,2,1") == (150, 100, 50, 255)
    assert tile_pixel(api, rgb, NW, band="2") == (100, 100, 100, 255)


def test_min_max_per_band_stretch_each_channel(api, rgb):
    pixel = tile_pixel(api, rgb, NW, band="1,2,3", min="0,100,100", max="100,200,150")
    assert pixel == (128, 0, 255, 255)


def test_palette_colours_pixels(api, quad):
    pixel = tile_pixel(api, quad, NW, palette="viridis", min=0, max=40)
    assert close(pixel, cmap_rgba("viridis", 10 / 40))
    reversed_pixel = tile_pixel(api, quad, NW, palette="viridis_r", min=0, max=40)
    assert close(reversed_pixel, cmap_rgba("viridis_r", 10 / 40))
    assert close(reversed_pixel, cmap_rgba("viridis", 30 / 40), 8)
    assert pixel != reversed_pixel
    assert tile_pixel(api, quad, IN_NODATA_STRIP, palette="viridis")[3] == 0


def test_discrete_scheme_uses_the_palettes_own_colours(api, quad):
    tab10 = matplotlib.colormaps["tab10"].colors
    for lonlat, value in ((NW, 10), (SE, 40)):
        pixel = tile_pixel(api, quad, lonlat, palette="tab10", scheme="discrete", min=0, max=50)
        expected = tab10[int(value / 50 * 10)]
        assert close(pixel[:3], tuple(round(c * 255) for c in expected)), (lonlat, pixel)


def test_stretch_uses_the_percentiles_stored_at_ingest(api, quad):
    band = quad.bands.get(index=1)
    assert (band.p2, band.p98) == (10, 40)
    assert tile_pixel(api, quad, NE, stretch="p2p98") == (85, 85, 85, 255)  # (20-10)/30

    # The stored values decide, not the file: change them and the tile follows.
    band.p2, band.p98, band.min, band.max = 0, 20, 10, 30
    band.save()
    assert tile_pixel(api, quad, NW, stretch="p2p98") == (128, 128, 128, 255)  # 10/20
    assert tile_pixel(api, quad, NE, stretch="minmax") == (128, 128, 128, 255)  # (20-10)/20


def test_nodata_parameter_makes_a_value_transparent(api, quad):
    assert tile_pixel(api, quad, NW, nodata=10)[3] == 0
    assert tile_pixel(api, quad, NE, nodata=10)[3] == 255


def test_float_dem_with_nan_nodata_and_palette(api, write_raster, catalogue_local):
    dem = np.linspace(0, 1000, 400, dtype=np.float32)[np.newaxis, :].repeat(400, axis=0)
    dem[:, :100] = np.nan
    raster = catalogue_local(
        write_raster("dem.tif", dem, geotransform=QUADRANT_GEOTRANSFORM, nodata=float("nan"))
    )
    assert tile_pixel(api, raster, (10.2, 45.0))[3] == 0
    lon = 11.5  # column 300 of 400: value 300 * 1000 / 399
    pixel = tile_pixel(api, raster, (lon, 45.0), palette="terrain", min=0, max=1000)
    column = int((lon - 10.0) / 0.005)
    assert close(pixel, cmap_rgba("terrain", dem[0, column] / 1000), 3)


def test_large_image_style_object(api, quad):
    style = '{"bands": [{"band": 1, "palette": ["#000000", "#ff0000"], "min": 0, "max": 40}]}'
    pixel = tile_pixel(api, quad, SE, style=style)
    assert pixel == (255, 0, 0, 255)
    assert tile_pixel(api, quad, EAST_OF_RASTER, style=style)[3] == 0


# --- Caching ---------------------------------------------------------------------------------------


def test_etag_cache_control_and_304(api, quad):
    url = tile_url(quad, SE)
    first = api.get(url, {"palette": "magma"})
    assert first.status_code == 200
    assert first["X-Tile-Cache"] == "miss"
    assert first["Cache-Control"] == "public, max-age=3600"
    etag = first["ETag"]
    assert etag.startswith('"') and len(etag) > 10

    second = api.get(url, {"palette": "magma"})
    assert second["X-Tile-Cache"] == "hit"
    assert second["ETag"] == etag
    assert second.content == first.content

    again = api.get(url, {"palette": "magma"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    other_style = api.get(url, {"palette": "viridis"}, HTTP_IF_NONE_MATCH=etag)
    assert other_style.status_code == 200
    assert other_style["ETag"] != etag


def test_equivalent_parameters_share_a_cache_entry(api, quad):
    url = tile_url(quad, SE)
    assert api.get(url, {"palette": "Viridis", "scheme": "linear"})["X-Tile-Cache"] == "miss"
    assert api.get(url, {"palette": "viridis"})["X-Tile-Cache"] == "hit"


def test_new_bytes_after_reingest_never_serve_old_tiles(api, write_raster, catalogue_local):
    path = write_raster("scene.tif", quadrants(), geotransform=QUADRANT_GEOTRANSFORM, nodata=0)
    raster = catalogue_local(path)
    url = tile_url(raster, NW)
    before = api.get(url)
    assert tile_pixel(api, raster, NW) == (10, 10, 10, 255)

    write_raster(
        "scene.tif", quadrants((90, 20, 30, 40)), geotransform=QUADRANT_GEOTRANSFORM, nodata=0
    )
    raster_reingest(raster=raster)

    after = api.get(url)
    assert after["X-Tile-Cache"] == "miss"
    assert after["ETag"] != before["ETag"]
    assert tile_pixel(api, raster, NW) == (90, 90, 90, 255)
    assert api.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_misses_render_once(write_raster, catalogue_local):
    raster = catalogue_local(write_raster("q.tif", quadrants(), geotransform=QUADRANT_GEOTRANSFORM))
    url = tile_url(raster, SE) + "?palette=plasma"
    start = threading.Barrier(6)
    outcomes: list = []

    def request() -> None:
        try:
            start.wait()
            response = APIClient().get(url)
            outcomes.append((response.status_code, response["X-Tile-Cache"], response.content))
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert [status for status, _, _ in outcomes] == [200] * 6
    assert sorted(state for _, state, _ in outcomes) == ["hit"] * 5 + ["miss"]
    assert len({content for _, _, content in outcomes}) == 1


def test_a_render_in_another_process_is_awaited_not_repeated():
    """The cache.add marker: while another process renders a key, this one waits for its bytes."""
    renders = []
    cache.add("tile:test:rendering", "another process", timeout=10)
    threading.Timer(0.2, lambda: cache.set("tile:test", b"theirs")).start()

    content, cached = cache_get_or_render(
        "tile:test", lambda: renders.append(1) or b"ours", timeout=60
    )

    assert (content, cached, renders) == (b"theirs", True, [])


def test_a_vanished_renderer_is_taken_over():
    """If the other process's marker goes without a result (it crashed), this one renders."""
    cache.add("tile:gone:rendering", "a crashed process", timeout=10)
    threading.Timer(0.1, lambda: cache.delete("tile:gone:rendering")).start()

    content, cached = cache_get_or_render("tile:gone", lambda: b"ours", timeout=60)

    assert (content, cached) == (b"ours", False)
    assert cache.get("tile:gone") == b"ours"


def test_render_lock_works_across_processes_with_redis(settings):
    """With Redis (REDIS_URL), the marker is shared: a second process waits for the first."""
    import uuid

    from django.core.cache import caches

    prefix = f"rc-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    redis = caches["default"]
    try:
        redis.get("probe")
    except Exception as exc:  # a machine without Redis: the locmem tests above still ran
        pytest.skip(f"no Redis on 127.0.0.1:6379: {exc}")
    script = (
        "import django, os, sys, time;"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'tests.settings'; django.setup();"
        "from django.conf import settings;"
        f"settings.CACHES = {settings.CACHES!r};"
        "from rastercatalog.render.cache import cache_get_or_render;"
        "render = lambda: (time.sleep(1.0), b'first')[1];"
        "print(cache_get_or_render('tile:x', render, timeout=60))"
    )
    first = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while redis.get("tile:x:rendering") is None:  # wait until the first process renders
            assert first.poll() is None and time.monotonic() < deadline, "no render started"
            time.sleep(0.02)
        content, cached = cache_get_or_render("tile:x", lambda: b"second", timeout=60)
        assert (content, cached) == (b"first", True)
        assert "(b'first', False)" in first.communicate(timeout=30)[0]
    finally:
        first.kill()
        redis.delete_many(["tile:x", "tile:x:rendering"])


# --- Errors -----------------------------------------------------------------------------------------


def test_unknown_palette_lists_the_valid_ones(api, quad):
    message = error(api, tile_url(quad, SE), 400, palette="nope")
    assert "unknown palette 'nope'" in message
    assert "viridis" in message and "terrain" in message and "_r" in message


def test_band_out_of_range(api, quad):
    message = error(api, tile_url(quad, SE), 400, band=4)
    assert message == "parameter band: band 4 is out of range: this raster has bands 1 to 1"
    assert "one band, or three" in error(api, tile_url(quad, SE), 400, band="1,1")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("3/8/0.png", "tile 3/8/0 does not exist: x=8 is out of range at zoom 3: 0 to 7"),
        ("3/0/-1.png", "tile 3/0/-1 does not exist: y=-1 is out of range at zoom 3: 0 to 7"),
        ("31/0/0.png", "tile 31/0/0 does not exist: zoom 31 is out of range: zooms are 0 to 30"),
        ("8/0/0.gif", "format .gif is not supported: use png, jpg or webp"),
    ],
)
def test_tiles_outside_the_grid(api, quad, path, expected):
    assert error(api, f"/api/rasters/{quad.pk}/tiles/{path}", 400) == expected


def test_bad_parameter_values_name_the_parameter(api, quad):
    url = tile_url(quad, SE)
    assert "parameter min='low' is invalid" in error(api, url, 400, min="low")
    assert "parameter stretch='p5p95' is invalid" in error(api, url, 400, stretch="p5p95")
    assert "parameter scheme='log' is invalid" in error(api, url, 400, scheme="log")
    assert "parameter tilesize='300' is invalid" in error(api, url, 400, tilesize=300)
    assert "palette colours one band" in error(api, url, 400, band="1,1,1", palette="viridis")
    assert "cannot be combined with palette" in error(
        api, url, 400, style='{"band": 1}', palette="gray"
    )


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("{band: 1}", "parameter style is not valid JSON"),
        ("[1]", "parameter style must be a JSON object"),
        ('{"band": 2}', "band 2 is out of range: this raster has bands 1 to 1"),
        ('{"function": {"name": "os.system"}}', "key 'function' is not supported"),
        ('{"bands": [{"band": 1, "palette": "nosuchmap"}]}', "palette 'nosuchmap' is neither"),
        ('{"bands": []}', "bands must be a list of 1 to 16 objects"),
        ('{"band": 1, "min": "lowest"}', "min must be a number or one of auto, min, max, full"),
    ],
)
def test_malformed_style_is_400(api, quad, style, expected):
    assert expected in error(api, tile_url(quad, SE), 400, style=style)


def test_tile_outside_the_raster_is_404_without_reading_the_file(api, quad, quad_path):
    quad_path.unlink()  # any attempt to read would now fail with 503
    message = error(api, tile_url(quad, (0.0, 0.0)), 404)
    assert message.startswith(f"tile 8/128/128 is outside raster {quad.pk}, whose bounds are")
    assert "503" not in message
    unreadable = api.get(tile_url(quad, SE))
    assert unreadable.status_code == 503
    assert "no such file" in unreadable.json()["detail"]


def test_zoom_range_follows_native_resolution(api, quad):
    zooms = zoom_range(quad)
    # Native: the first zoom whose pixels are at least as fine as the raster's.
    pixel_m = [EARTH_CIRCUMFERENCE_M * math.cos(math.radians(45.0)) / 256 / 2**z for z in (0, 1)]
    assert (
        pixel_m[0] / 2**zooms.native
        <= quad.ground_resolution_m
        < pixel_m[0] / 2 ** (zooms.native - 1)
    )
    assert zooms.maxzoom == zooms.native + 4
    for z in (zooms.minzoom, zooms.native, zooms.maxzoom):
        assert tile_pixel(api, quad, SE, z=z) == (40, 40, 40, 255), z

    expected = (
        f"is outside the zooms served for raster {quad.pk}: {zooms.minzoom} to {zooms.maxzoom} "
        f"(native zoom {zooms.native})"
    )
    assert (
        error(api, tile_url(quad, SE, z=zooms.maxzoom + 1), 404)
        == f"zoom {zooms.maxzoom + 1} {expected}"
    )
    assert (
        error(api, tile_url(quad, SE, z=zooms.minzoom - 1), 404)
        == f"zoom {zooms.minzoom - 1} {expected}"
    )


def test_unknown_pending_and_failed_rasters(api, quad):
    assert error(api, "/api/rasters/999999/tiles/8/0/0.png", 404) == "no raster with id 999999"
    pending = Raster.objects.create(name="p", uri="/nowhere.tif", status=Raster.Status.PENDING)
    assert "is still being ingested" in error(
        api, f"/api/rasters/{pending.pk}/tiles/8/0/0.png", 409
    )
    failed = Raster.objects.create(
        name="f", uri="/x.tif", status=Raster.Status.FAILED, error="not a raster: nope"
    )
    message = error(api, f"/api/rasters/{failed.pk}/tiles/8/0/0.png", 409)
    assert message == f"raster {failed.pk} is failed: not a raster: nope"


def test_private_raster_tiles_are_for_its_owner_and_kept_out_of_shared_caches(api, quad):
    from django.contrib.auth.models import User

    owner = User.objects.create_user("owner")
    quad.visibility, quad.owner = Raster.Visibility.PRIVATE, owner
    quad.save()
    url = tile_url(quad, SE)

    assert error(api, url, 404) == f"no raster with id {quad.pk}"
    api.force_authenticate(owner)
    response = api.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=3600"


def test_errors_are_json_even_for_image_clients(api, quad):
    response = api.get(tile_url(quad, SE), {"palette": "nope"}, HTTP_ACCEPT="image/png")
    assert response.status_code == 400
    assert "unknown palette" in response.json()["detail"]


# --- Antimeridian, remote reads, serving configuration ------------------------------------------


def test_antimeridian_raster_draws_on_both_sides(api, write_raster, catalogue_local):
    # UTM 60S, 400 x 400 pixels of 1 km from easting 700 km: about 178.9 E to 177.3 W near Fiji.
    array = np.full((400, 400), 200, np.uint8)
    path = write_raster(
        "fiji.tif", array, epsg=32760, geotransform=(700000, 1000, 0, 8150000, 0, -1000)
    )
    raster = catalogue_local(path)
    assert raster.bbox_west > raster.bbox_east
    for z in (6, 8):
        for lonlat in ((179.5, -18.5), (-179.9, -18.5), (-178.0, -18.5)):
            assert tile_pixel(api, raster, lonlat, z=z) == (200, 200, 200, 255), (z, lonlat)
        for lonlat in ((0.0, -18.5), (170.0, -18.5), (-170.0, -18.5)):
            assert "is outside raster" in error(api, tile_url(raster, lonlat, z=z), 404)
    tile, fx, fy = tile_for_lonlat(-179.9, -18.5, 7)
    at2x = fetch(api, f"/api/rasters/{raster.pk}/tiles/{tile}@2x.png")
    assert at2x.convert("RGBA").getpixel((int(fx * 512), int(fy * 512))) == (200, 200, 200, 255)


def test_tiles_over_every_read_path(api, catalogue, quad_path):
    """The same tile read from a local path, over HTTP (/vsicurl/) and from S3 (/vsis3/)."""
    raster = catalogue(quad_path)
    assert tile_pixel(api, raster, SE, palette="gray", min=0, max=40) == (255, 255, 255, 255)
    assert tile_pixel(api, raster, NE) == (20, 20, 20, 255)


def test_a_tile_large_image_finds_outside_reads_as_transparent(quad):
    """Tiles within the bbox's slack but past the raster's edge come back blank, not as an error."""
    from rastercatalog.render.source import tilesource_tile

    tile, _, _ = tile_for_lonlat(*EAST_OF_RASTER, 12)
    assert tile.bounds[0] > 12.0  # wholly east of the raster
    raw = tilesource_tile(quad, z=tile.z, x=tile.x, y=tile.y)
    assert raw.shape == (256, 256, 4)
    assert not raw[:, :, -1].any()


def test_pillow_decompression_bomb_limit_is_restored():
    import rastercatalog.render.source  # noqa: F401  (imports large_image, which lifts the limit)

    assert PIL.Image.MAX_IMAGE_PIXELS == 1024 * 1024 * 1024 // 4 // 3


def test_paletted_raster_uses_its_colour_table(api, write_raster, catalogue_local):
    classes = np.zeros((400, 400), np.uint8)
    classes[:, 200:] = 1
    path = write_raster(
        "classes.tif",
        classes,
        geotransform=QUADRANT_GEOTRANSFORM,
        color_table={0: (0, 128, 0, 255), 1: (0, 0, 255, 255)},
        interpretations=[gdal.GCI_PaletteIndex],
    )
    raster = catalogue_local(path)
    assert tile_pixel(api, raster, NW) == (0, 128, 0, 255)
    assert tile_pixel(api, raster, NE) == (0, 0, 255, 255)


def test_openapi_documents_the_tile_parameters(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    tile_path = next(p for p in schema["paths"] if p.startswith("/api/rasters/{raster_id}/tiles/"))
    names = {p["name"] for p in schema["paths"][tile_path]["get"]["parameters"]}
    assert {"band", "min", "max", "stretch", "palette", "nodata", "scheme", "style"} <= names
    assert "/api/rasters/{raster_id}/tilejson.json" in schema["paths"]
    assert "/api/colormaps/" in schema["paths"]
