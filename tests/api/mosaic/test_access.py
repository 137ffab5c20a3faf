"""Who sees what in a mosaic, and its HTTP caching: private rasters, ETags, 304s, Cache-Control."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Raster

from .conftest import PIXEL, decode, mosaic_tile, single_tile
from .test_tiles import TILES

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(scene, alice, write_raster) -> Raster:
    """Alice's private raster over the others, the newest of all: 250 everywhere."""
    path = write_raster(
        "secret.tif",
        np.full((400, 400), 250, np.uint8),
        geotransform=(10.0, PIXEL, 0, 46.0, 0, -PIXEL),
        cog=True,
    )
    raster = raster_ingest(
        uri=str(path),
        collection=scene.collection,
        acquired_at=datetime(2025, 1, 1, tzinfo=UTC),
        trusted=True,
    ).raster
    Raster.objects.filter(pk=raster.pk).update(visibility=Raster.Visibility.PRIVATE, owner=alice)
    return raster


def test_a_private_raster_never_shows_in_someone_elses_mosaic(
    api, scene, secret, django_user_model
):
    tile = TILES[0]
    anonymous = mosaic_tile(api, tile, collection="series")
    assert not (anonymous[:, :, 0] == 250).all()
    without = mosaic_tile(api, tile, ids=f"{scene.new.pk},{scene.mid.pk},{scene.old.pk}")
    np.testing.assert_array_equal(anonymous, without)
    bob = django_user_model.objects.create_user("bob", password="bob-password-1")
    api.force_authenticate(bob)
    np.testing.assert_array_equal(mosaic_tile(api, tile, collection="series"), without)
    # Not even asked for by id.
    alone = api.get(f"/api/mosaic/tiles/{tile}.png", {"ids": str(secret.pk)})
    assert alone["X-Mosaic-Source"] == "empty"


def test_the_owner_sees_her_private_raster_on_top(api, scene, secret, alice):
    api.force_authenticate(alice)
    tile = TILES[0]
    response = api.get(f"/api/mosaic/tiles/{tile}.png", {"collection": "series"})
    mosaic = decode(response)
    own = single_tile(api, secret, tile)
    covered = own[:, :, 3] > 0
    assert covered.any()
    assert (mosaic[:, :, 0][covered] == 250).all()
    # A tile with a private raster in it is for her browser only, never a shared cache.
    assert response["Cache-Control"].startswith("private")


def test_etag_revalidates_and_changes_when_the_matching_rasters_change(api, scene, write_raster):
    url = f"/api/mosaic/tiles/{TILES[0]}.png"
    first = api.get(url, {"collection": "series"})
    assert first["Cache-Control"].startswith("public, max-age=")
    etag = first["ETag"]
    again = api.get(url, {"collection": "series"}, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert api.get(url, {"collection": "series"})["X-Tile-Cache"] == "hit"
    assert api.get(url, {"collection": "series", "method": "mean"})["ETag"] != etag
    # One more raster in the collection, under the tile: a new ETag, and new pixels.
    path = write_raster(
        "newest.tif",
        np.full((400, 400), 7, np.uint8),
        geotransform=(10.0, PIXEL, 0, 46.0, 0, -PIXEL),
        cog=True,
    )
    raster_ingest(
        uri=str(path),
        collection=scene.collection,
        acquired_at=datetime(2024, 12, 1, tzinfo=UTC),
        trusted=True,
    )
    changed = api.get(url, {"collection": "series"}, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed["X-Tile-Cache"] == "miss"
    assert (decode(changed)[:, :, 0][decode(changed)[:, :, 3] > 0] == 7).any()
