"""Fixtures of the mosaic tests: three overlapping byte rasters of one collection, real files.

    new   lon 10.0-12.0, lat 44-46, acquired 2024-03-01, noise 1-255 with a nodata (0) hole at
          lon 10.5-11.0, lat 45.0-45.5
    mid   lon 10.5-12.5, lat 44-46, acquired 2024-02-01, noise 1-255 with nodata stripes
    old   lon  9.5-11.5, lat 44-46, no acquisition time, noise 1-255

All 0.005 degrees a pixel (400 x 400), EPSG:4326, COGs. `first` draws new, then mid, then old.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import PIL.Image
import pytest
from django.core.cache import cache

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Collection, Raster

PIXEL = 0.005


@pytest.fixture(autouse=True)
def empty_cache(settings, tmp_path):
    """Tiles are cached by checksum: tests must not find each other's tiles."""
    settings.RASTERCATALOG_MOSAIC_OVERVIEW_DIR = tmp_path / "overviews"
    cache.clear()
    yield
    if isinstance(cache._cache, dict):  # local memory only: never flush a shared Redis
        cache.clear()


def noise(seed: int, shape=(400, 400)) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, 256, shape, dtype=np.uint8)


@pytest.fixture
def scene(write_raster, db) -> SimpleNamespace:
    collection = Collection.objects.create(name="Series", slug="series")
    new = noise(1)
    new[100:200, 100:200] = 0  # lat 45.5-45.0, lon 10.5-11.0
    mid = noise(2)
    mid[:, ::7] = 0
    old = noise(3)

    def ingest(name, array, west, acquired_at):
        path = write_raster(
            f"{name}.tif", array, geotransform=(west, PIXEL, 0, 46.0, 0, -PIXEL), nodata=0, cog=True
        )
        raster = raster_ingest(
            uri=str(path), name=name, collection=collection, acquired_at=acquired_at, trusted=True
        ).raster
        return raster

    return SimpleNamespace(
        collection=collection,
        new=ingest("new", new, 10.0, datetime(2024, 3, 1, tzinfo=UTC)),
        mid=ingest("mid", mid, 10.5, datetime(2024, 2, 1, tzinfo=UTC)),
        old=ingest("old", old, 9.5, None),
    )


def decode(response) -> np.ndarray:
    """A PNG tile as an RGBA array."""
    assert response.status_code == 200, response.content
    return np.asarray(PIL.Image.open(io.BytesIO(response.content)).convert("RGBA"))


def single_tile(api, raster: Raster, tile: str, **query) -> np.ndarray:
    """The raster's own tile as RGBA; a tile outside it (404) as fully transparent."""
    response = api.get(f"/api/rasters/{raster.pk}/tiles/{tile}.png", query)
    if response.status_code == 404:
        return np.zeros((256, 256, 4), np.uint8)
    return decode(response)


def mosaic_tile(api, tile: str, **query) -> np.ndarray:
    return decode(api.get(f"/api/mosaic/tiles/{tile}.png", query))
