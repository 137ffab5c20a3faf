"""The cap on rasters a tile reads, and the per-collection overview that draws low zooms above it.

The rasters here are flat (one value each), so the overview's averaged pixels keep their values:
new 10 (with a nodata hole), mid 20, old 30, with the same footprints as the noise scene.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import pytest

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.catalog.overviews import collection_overview_build
from rastercatalog.geo.webmercator import tile_for_lonlat
from rastercatalog.models import Collection, Raster

from .conftest import PIXEL, decode

pytestmark = pytest.mark.django_db

ONLY_OLD, IN_NEW, IN_NEW_HOLE = (9.7, 45.0), (11.2, 45.3), (10.75, 45.25)


@pytest.fixture
def flat(write_raster, settings) -> SimpleNamespace:
    settings.RASTERCATALOG_MOSAIC_MAX_RASTERS = 2
    collection = Collection.objects.create(name="Flat", slug="flat")
    rows = SimpleNamespace(collection=collection)
    for name, value, west, acquired in (
        ("new", 10, 10.0, datetime(2024, 3, 1, tzinfo=UTC)),
        ("mid", 20, 10.5, datetime(2024, 2, 1, tzinfo=UTC)),
        ("old", 30, 9.5, None),
    ):
        array = np.full((400, 400), value, np.uint8)
        if name == "new":
            array[100:200, 100:200] = 0
        path = write_raster(
            f"{name}.tif", array, geotransform=(west, PIXEL, 0, 46.0, 0, -PIXEL), nodata=0, cog=True
        )
        raster = raster_ingest(
            uri=str(path), name=name, collection=collection, acquired_at=acquired, trusted=True
        ).raster
        setattr(rows, name, raster)
    return rows


def at(api, lonlat, z, **query) -> tuple[int, ...]:
    tile, fx, fy = tile_for_lonlat(*lonlat, z)
    response = api.get(f"/api/mosaic/tiles/{tile}.png", query)
    image = decode(response)
    return tuple(int(v) for v in image[int(fy * 256), int(fx * 256)]), response


def too_many(api, lonlat, z, **query) -> str:
    tile, _, _ = tile_for_lonlat(*lonlat, z)
    response = api.get(f"/api/mosaic/tiles/{tile}.png", query)
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["detail"]


def test_above_the_cap_without_an_overview_a_422_says_what_to_do(api, flat):
    detail = too_many(api, IN_NEW, 7)
    assert "touches 3 rasters, more than the 2 a tile may read" in detail
    assert "zoom in, narrow the search, or ask for one collection" in detail
    assert "is not built yet" in too_many(api, IN_NEW, 7, collection="flat")
    # Under the cap, by narrowing the search: drawn from the rasters.
    value, response = at(api, IN_NEW, 7, collection="flat", datetime="2024-01-01/..")
    assert response["X-Mosaic-Source"] == "rasters" and value == (10, 10, 10, 255)


def test_low_zooms_of_a_collection_above_the_cap_come_from_its_overview(api, flat):
    overview = collection_overview_build(collection_id=flat.collection.pk)
    assert overview.status == "ready" and overview.raster_count == 3
    for z in (3, 6, overview.zoom):
        value, response = at(api, IN_NEW, z, collection="flat")
        assert response["X-Mosaic-Source"] == "overview"
        assert value == (10, 10, 10, 255), z
    # Where the top raster has no data the next fills in, as in the mosaic.
    assert at(api, IN_NEW_HOLE, overview.zoom, collection="flat")[0] == (20, 20, 20, 255)
    assert at(api, ONLY_OLD, overview.zoom, collection="flat")[0] == (30, 30, 30, 255)
    # The style applies as to rasters.
    assert at(api, IN_NEW, 6, collection="flat", min="0", max="20")[0][0] == 128


def test_the_overview_serves_its_zooms_only_and_the_method_first_only(api, flat, settings):
    settings.RASTERCATALOG_MOSAIC_OVERVIEW_MAX_ZOOM = 6
    overview = collection_overview_build(collection_id=flat.collection.pk)
    assert overview.zoom == 6
    assert at(api, IN_NEW, 6, collection="flat")[1]["X-Mosaic-Source"] == "overview"
    assert "draws zooms up to 6: zoom in further" in too_many(api, IN_NEW, 7, collection="flat")
    assert "use method=first" in too_many(api, IN_NEW, 6, collection="flat", method="mean")
    other = too_many(api, IN_NEW, 6, collection="flat", dtype="Byte")
    assert "ask for one collection and nothing else" in other
    # 512-pixel tiles have the next zoom's pixels: tile 5@2x is drawn at zoom 6.
    tile, _, _ = tile_for_lonlat(*IN_NEW, 5)
    assert api.get(f"/api/mosaic/tiles/{tile}@2x.png", {"collection": "flat"}).status_code == 200
    tile, _, _ = tile_for_lonlat(*IN_NEW, 6)
    assert api.get(f"/api/mosaic/tiles/{tile}@2x.png", {"collection": "flat"}).status_code == 422


def test_private_rasters_are_never_drawn_in_an_overview(api, flat, settings, alice):
    Raster.objects.filter(pk=flat.old.pk).update(visibility=Raster.Visibility.PRIVATE, owner=alice)
    settings.RASTERCATALOG_MOSAIC_MAX_RASTERS = 1
    overview = collection_overview_build(collection_id=flat.collection.pk)
    assert overview.raster_count == 2
    api.force_authenticate(alice)
    value, response = at(api, ONLY_OLD, 6, collection="flat")
    assert response["X-Mosaic-Source"] == "overview" and value[3] == 0
