"""Tiles from the per-process raster cache (render/rasterinfo.py): no query per tile, and a
re-ingest, a visibility change or a deletion seen once the entry is older than the TTL."""

from __future__ import annotations

import io

import numpy as np
import PIL.Image
import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from rastercatalog.catalog.ingest import raster_reingest
from rastercatalog.geo.webmercator import tile_for_lonlat
from rastercatalog.models import Raster
from rastercatalog.render import rasterinfo
from tests.clock import Clock

pytestmark = pytest.mark.django_db

GEOTRANSFORM = (10.0, 0.005, 0.0, 46.0, 0.0, -0.005)  # 400 x 400 pixels, lon 10-12, lat 44-46
WEST, EAST = (10.5, 45.5), (11.5, 45.5)
TILE, TILE_2 = (str(tile_for_lonlat(*point, 8)[0]) for point in (WEST, EAST))


@pytest.fixture(autouse=True)
def held(settings, monkeypatch) -> Clock:
    """The cache on (TTL 5 s, as in production), empty, on a clock the test moves."""
    settings.RASTERCATALOG_RASTER_INFO_TTL = 5
    clock = Clock()
    monkeypatch.setattr(rasterinfo.time, "monotonic", clock)
    rasterinfo.raster_info_forget()
    cache.clear()
    yield clock
    rasterinfo.raster_info_forget()
    cache.clear()


@pytest.fixture
def grey(write_raster, catalogue_local):
    def make(value: int = 100, name: str = "grey.tif") -> Raster:
        array = np.full((400, 400), value, np.uint8)
        return catalogue_local(write_raster(name, array, geotransform=GEOTRANSFORM))

    return make


def west_pixel(response) -> tuple[int, ...]:
    """The RGBA pixel at WEST in a response for TILE."""
    assert response.status_code == 200, response.content[:200]
    _, fx, fy = tile_for_lonlat(*WEST, 8)
    image = PIL.Image.open(io.BytesIO(response.content)).convert("RGBA")
    return image.getpixel((int(fx * 256), int(fy * 256)))


def url(raster: Raster, tile: str = TILE, **query) -> str:
    extra = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return f"/api/rasters/{raster.pk}/tiles/{tile}.png{extra}"


def test_a_warm_worker_renders_and_serves_tiles_without_a_query(
    api, grey, django_assert_num_queries
):
    raster = grey()
    assert west_pixel(api.get(url(raster))) == (100, 100, 100, 255)
    with django_assert_num_queries(0):
        uncached = api.get(url(raster, TILE_2, palette="viridis"))
        cached = api.get(url(raster))
        revalidated = api.get(url(raster), HTTP_IF_NONE_MATCH=cached["ETag"])
    assert uncached["X-Tile-Cache"] == "miss"
    assert cached["X-Tile-Cache"] == "hit"
    assert revalidated.status_code == 304


def test_a_logged_in_viewer_of_a_public_raster_costs_no_session_query(
    client, grey, django_assert_num_queries
):
    raster = grey()
    client.force_login(User.objects.create_user("viewer"))
    assert client.get(url(raster)).status_code == 200
    with django_assert_num_queries(0):
        assert client.get(url(raster, TILE_2)).status_code == 200


def test_new_bytes_are_served_once_the_entry_is_older_than_the_ttl(
    api, grey, write_raster, held, django_assert_num_queries
):
    raster = grey(100)
    before = api.get(url(raster))
    write_raster("grey.tif", np.full((400, 400), 200, np.uint8), geotransform=GEOTRANSFORM)
    raster_reingest(raster=raster)

    held.now += 4.9  # the worker has not looked again: the old checksum, its cached tile
    still = api.get(url(raster))
    assert (still["ETag"], still["X-Tile-Cache"]) == (before["ETag"], "hit")

    held.now += 0.2
    with django_assert_num_queries(2):  # the row, then the bands (the checksum changed)
        after = api.get(url(raster))
    assert after["ETag"] != before["ETag"]
    assert west_pixel(after) == (200, 200, 200, 255)


def test_looking_again_at_an_unchanged_raster_is_one_query(
    api, grey, held, django_assert_num_queries
):
    raster = grey()
    api.get(url(raster))
    held.now += 6
    with django_assert_num_queries(1):  # the row: same checksum, so the bands are kept
        assert api.get(url(raster, TILE_2))["X-Tile-Cache"] == "miss"


def test_a_raster_made_private_or_deleted_disappears_within_the_ttl(api, grey, held):
    raster, other = grey(100), grey(50, "other.tif")
    assert api.get(url(raster)).status_code == 200
    assert api.get(url(other)).status_code == 200
    Raster.objects.filter(pk=raster.pk).update(visibility=Raster.Visibility.PRIVATE)
    Raster.objects.filter(pk=other.pk).delete()
    held.now += 6
    assert api.get(url(raster)).status_code == 404
    assert api.get(url(other)).status_code == 404


def test_a_raster_not_ready_is_never_held(api, grey, django_assert_num_queries):
    raster = grey()
    Raster.objects.filter(pk=raster.pk).update(status=Raster.Status.PROCESSING)
    assert api.get(url(raster)).status_code == 409
    Raster.objects.filter(pk=raster.pk).update(status=Raster.Status.READY)
    assert api.get(url(raster)).status_code == 200  # at once, not after the TTL


def test_private_rasters_from_the_cache_are_still_for_their_owner_only(api, grey):
    raster = grey()
    owner = User.objects.create_user("owner")
    Raster.objects.filter(pk=raster.pk).update(visibility=Raster.Visibility.PRIVATE, owner=owner)
    assert api.get(url(raster)).status_code == 404
    api.force_authenticate(owner)
    assert api.get(url(raster)).status_code == 200
    api.force_authenticate(User.objects.create_user("someone"))
    assert api.get(url(raster)).status_code == 404
    api.force_authenticate(User.objects.create_user("staff", is_staff=True))
    assert api.get(url(raster)).status_code == 200


def test_an_id_no_row_can_have_is_not_found(api):
    response = api.get("/api/rasters/99999999999999999999999/tiles/8/1/1.png")
    assert response.status_code == 404
    assert response.json()["detail"] == "no raster with id 99999999999999999999999"
