"""render/source.py: each thread reads through large-image sources of its own.

large-image holds a source's dataset lock through each whole warp and read; gthread workers
(deploy/gunicorn.conf.py) would otherwise render one raster's tiles one at a time, waits on
remote byte ranges included.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from django.db import connection

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.geo.webmercator import tile_for_lonlat
from rastercatalog.render.source import tilesource_open
from rastercatalog.render.style import style_from_query
from rastercatalog.render.tiles import TileRequest, tile_get

pytestmark = pytest.mark.django_db(transaction=True)

WEST, NORTH, STEP = 10.0, 50.0, 0.001


@pytest.fixture
def gradient(write_raster):
    """A 512 x 512 COG whose value grows to the east: every tile looks different."""
    array = np.tile(np.linspace(1, 250, 512).astype(np.uint8), (512, 1))
    path = write_raster(
        "gradient.tif", array, geotransform=(WEST, STEP, 0.0, NORTH, 0.0, -STEP), cog=True
    )
    return raster_ingest(uri=str(path), trusted=True).raster


def _in_a_thread(function):
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join(30)
    return result[0]


def test_each_thread_opens_its_own_source_and_dataset(gradient):
    here = tilesource_open(gradient)
    assert tilesource_open(gradient) is here  # cached within a thread
    there = _in_a_thread(lambda: tilesource_open(gradient))  # reads no row: no connection to close
    assert there is not here
    assert there.dataset is not here.dataset
    assert there._getDatasetLock is not here._getDatasetLock


def test_threads_render_the_same_tiles_as_one_thread(gradient):
    tiles = [tile_for_lonlat(WEST + 0.05 + 0.1 * i, NORTH - 0.25, 12)[0] for i in range(4)]

    def render(tile, nodata: str) -> bytes:
        # A nodata value no pixel has, new to each pass: a cache miss, the same picture.
        style = style_from_query(
            {"band": "1", "palette": "viridis", "nodata": nodata}, band_count=1
        )
        try:
            return tile_get(gradient, TileRequest(tile, 256, "png", style)).content
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    alone = [render(tile, "255") for tile in tiles]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda tile: render(tile, "254"), tiles))
    assert together == alone
    assert len(set(alone)) == len(tiles)
