"""Mosaic tiles from the per-process plan memo (api/mosaic/plan.py): no query per tile on a warm
worker, a catalog change seen once the memo is older than the TTL, and scopes kept apart."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from django.core.cache import cache

from rastercatalog.api.mosaic import plan
from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.catalog.overviews import collection_overview_build
from rastercatalog.models import Raster
from rastercatalog.render import rasterinfo
from tests.clock import Clock

from .conftest import PIXEL, decode, mosaic_tile
from .test_access import secret  # noqa: F401 - alice's private raster on top of the scene
from .test_cap import IN_NEW, at, flat  # noqa: F401 - the flat collection above the cap
from .test_tiles import TILES

pytestmark = pytest.mark.django_db

TILE, EMPTY = TILES[0], "7/0/0"
URL = f"/api/mosaic/tiles/{TILE}.png"


@pytest.fixture(autouse=True)
def held(settings, monkeypatch) -> Clock:
    """The memos on (TTL 5 s, as in production), empty, on a clock the test moves."""
    settings.RASTERCATALOG_RASTER_INFO_TTL = 5
    clock = Clock()
    monkeypatch.setattr(plan.time, "monotonic", clock)
    plan.plan_memo_forget()
    rasterinfo.raster_info_forget()
    yield clock
    plan.plan_memo_forget()
    rasterinfo.raster_info_forget()


def newest(scene, write_raster, value: int = 7) -> Raster:
    """One more raster of the scene's collection over the tile, acquired after the others."""
    path = write_raster(
        f"newest{value}.tif",
        np.full((400, 400), value, np.uint8),
        geotransform=(10.0, PIXEL, 0, 46.0, 0, -PIXEL),
        cog=True,
    )
    return raster_ingest(
        uri=str(path),
        collection=scene.collection,
        acquired_at=datetime(2024, 12, 1, tzinfo=UTC),
        trusted=True,
    ).raster


def test_a_warm_worker_serves_and_revalidates_mosaic_tiles_without_a_query(
    api, scene, django_assert_num_queries
):
    first = api.get(URL, {"collection": "series"})
    assert api.get(f"/api/mosaic/tiles/{EMPTY}.png", {"collection": "series"}).status_code == 200
    with django_assert_num_queries(0):
        cached = api.get(URL, {"collection": "series"})
        revalidated = api.get(URL, {"collection": "series"}, HTTP_IF_NONE_MATCH=first["ETag"])
        uncached = api.get(URL, {"collection": "series", "palette": "viridis"})
        empty = api.get(f"/api/mosaic/tiles/{EMPTY}.png", {"collection": "series"})
    assert (cached["X-Tile-Cache"], cached["ETag"]) == ("hit", first["ETag"])
    np.testing.assert_array_equal(decode(cached), decode(first))
    assert revalidated.status_code == 304
    assert (uncached["X-Tile-Cache"], uncached["X-Mosaic-Rasters"]) == ("miss", "3")
    assert empty["X-Mosaic-Source"] == "empty"
    assert (decode(empty)[:, :, 3] == 0).all()


def test_band_math_and_count_tiles_of_a_warm_worker_ask_nothing(
    api, scene, django_assert_num_queries
):
    queries = [
        {"collection": "series", "expression": "255 - b1"},
        {"collection": "series", "method": "count"},
        {"collection": "series", "stretch": "p2p98"},
    ]
    etags = [api.get(URL, query)["ETag"] for query in queries]
    with django_assert_num_queries(0):
        for query, etag in zip(queries, etags, strict=True):
            assert api.get(URL, query, HTTP_IF_NONE_MATCH=etag).status_code == 304
            assert api.get(URL, query)["X-Tile-Cache"] == "hit"


def test_overview_tiles_of_a_warm_worker_ask_nothing(api, flat, django_assert_num_queries):  # noqa: F811
    collection_overview_build(collection_id=flat.collection.pk)
    value, first = at(api, IN_NEW, 6, collection="flat")
    assert first["X-Mosaic-Source"] == "overview"
    with django_assert_num_queries(0):
        again, cached = at(api, IN_NEW, 6, collection="flat")
        url = cached.wsgi_request.get_full_path()
        revalidated = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert (again, cached["X-Tile-Cache"]) == (value, "hit")
    assert revalidated.status_code == 304


def test_a_new_raster_is_drawn_once_the_memo_is_older_than_the_ttl(
    api, scene, write_raster, held, django_assert_num_queries
):
    before = api.get(URL, {"collection": "series"})
    added = newest(scene, write_raster)

    held.now += 4.9  # the worker has not looked again: the old rasters, the old tile
    still = api.get(URL, {"collection": "series"}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert still.status_code == 304

    held.now += 0.2
    with django_assert_num_queries(2):  # the search, then the new raster's row
        after = api.get(URL, {"collection": "series"}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert after["X-Mosaic-Rasters"] == "4"
    assert (decode(after)[:, :, 0][decode(after)[:, :, 3] > 0] == 7).any()
    Raster.objects.filter(pk=added.pk).delete()
    held.now += 5.1
    gone = api.get(URL, {"collection": "series"}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert gone.status_code == 304  # the tile of the three, as before


def test_a_raster_made_private_or_deleted_leaves_the_tiles_within_the_ttl(api, scene, held):
    tile = mosaic_tile(api, TILE, collection="series")
    assert api.get(URL, {"collection": "series"})["X-Mosaic-Rasters"] == "3"
    Raster.objects.filter(pk=scene.new.pk).update(visibility=Raster.Visibility.PRIVATE)
    Raster.objects.filter(pk=scene.mid.pk).delete()
    held.now += 4.9
    np.testing.assert_array_equal(mosaic_tile(api, TILE, collection="series"), tile)
    held.now += 0.2
    response = api.get(URL, {"collection": "series"})
    assert (response["X-Mosaic-Rasters"], response["Cache-Control"][:6]) == ("1", "public")
    np.testing.assert_array_equal(decode(response), mosaic_tile(api, TILE, ids=scene.old.pk))


@pytest.mark.usefixtures("secret")
def test_a_private_raster_in_the_memo_never_reaches_another_scope(
    api, scene, alice, django_user_model
):
    api.force_authenticate(alice)  # her tiles first: the memo holds her private raster
    hers = api.get(URL, {"collection": "series"})
    assert (hers["X-Mosaic-Rasters"], hers["Cache-Control"][:7]) == ("4", "private")
    for who in (None, django_user_model.objects.create_user("bob")):
        api.force_authenticate(who)
        theirs = api.get(URL, {"collection": "series"})
        assert (theirs["X-Mosaic-Rasters"], theirs["Cache-Control"][:6]) == ("3", "public")
        assert not (decode(theirs)[:, :, 0] == 250).all()
        assert theirs["ETag"] != hers["ETag"]
        again = api.get(URL, {"collection": "series"}, HTTP_IF_NONE_MATCH=hers["ETag"])
        assert again.status_code == 200
    staff = django_user_model.objects.create_user("staff", is_staff=True)
    api.force_authenticate(staff)
    assert api.get(URL, {"collection": "series"})["X-Mosaic-Rasters"] == "4"
    # And the other way round: the public tile, remembered, is not hers.
    plan.plan_memo_forget()
    cache.clear()
    api.force_authenticate(None)
    assert api.get(URL, {"collection": "series"})["X-Mosaic-Rasters"] == "3"
    api.force_authenticate(alice)
    assert api.get(URL, {"collection": "series"})["X-Mosaic-Rasters"] == "4"


def test_a_ttl_of_zero_searches_for_every_tile(api, scene, settings, django_assert_num_queries):
    settings.RASTERCATALOG_RASTER_INFO_TTL = 0
    api.get(URL, {"collection": "series"})
    with django_assert_num_queries(1):  # the search (the rows' tile columns stay remembered)
        assert api.get(URL, {"collection": "series"})["X-Tile-Cache"] == "hit"
