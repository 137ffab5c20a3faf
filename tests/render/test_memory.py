"""Memory stays bounded: every cache within its configured limit, and no growth on a second pass.

The soak benchmark (bench/soak.py) measures a server for minutes; these tests catch the same kind
of regression in seconds: an unbounded cache keyed by something a client chooses (a style, a
nodata value) fills with every new request.
"""

from __future__ import annotations

import gc
import json
import os

import numpy as np
import pytest
from django.conf import settings
from django.core.cache import caches
from large_image.cache_util.cache import LruCacheMetaclass, getTileCache

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.geo.webmercator import Tile, tile_for_lonlat
from rastercatalog.render.localcache import ByteBoundedLocMemCache
from rastercatalog.render.memo import BoundedMemo
from rastercatalog.render.style import style_from_query
from rastercatalog.render.tiles import TileRequest, tile_get

pytestmark = pytest.mark.django_db

WEST, NORTH, STEP = 10.0, 50.0, 0.0005  # 1024 pixels: half a degree a side


@pytest.fixture
def noisy_rgb(write_raster):
    """A 1024 x 1024 RGB COG of noise: tiles that compress badly, like real imagery."""
    noise = np.random.default_rng(7).integers(1, 255, (3, 1024, 1024), dtype=np.uint8)
    path = write_raster(
        "noise.tif", noise, geotransform=(WEST, STEP, 0.0, NORTH, 0.0, -STEP), cog=True
    )
    return raster_ingest(uri=str(path), trusted=True).raster


def _tiles(count: int) -> list[Tile]:
    """`count` distinct tiles inside the raster, over zooms 11 to 13."""
    rng = np.random.default_rng(11)
    tiles: set[str] = set()
    found = []
    while len(found) < count:
        z = int(rng.integers(11, 14))
        lon, lat = WEST + rng.uniform(0.01, 0.49), NORTH - rng.uniform(0.01, 0.49)
        tile, _, _ = tile_for_lonlat(lon, lat, z)
        if str(tile) not in tiles:
            tiles.add(str(tile))
            found.append(tile)
    return found


def _render_all(raster, tiles: list[Tile], first_nodata: int) -> None:
    """Render each tile uncached, every one with a style never seen before."""
    for number, tile in enumerate(tiles):
        nodata = first_nodata + number
        if number % 2:
            query = {"style": json.dumps({"band": 1, "palette": "viridis", "nodata": nodata})}
        else:
            query = {"band": "1", "palette": "magma", "nodata": str(nodata)}
        style = style_from_query(query, band_count=3)
        rendered = tile_get(raster, TileRequest(tile, 256, "png", style))
        assert not rendered.cached and rendered.content.startswith(b"\x89PNG")


def _rss_bytes() -> int:
    gc.collect()
    with open(f"/proc/{os.getpid()}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def test_large_image_caches_stay_within_their_settings(noisy_rgb):
    _render_all(noisy_rgb, _tiles(60), first_nodata=-100_000)
    sources, _ = LruCacheMetaclass.namedCaches["catalog_tilesource"]
    assert sources.maxsize == settings.RASTERCATALOG_TILESOURCE_CACHE_SIZE
    # 30 large-image styles, each a cached source of its own, plus the unstyled ones.
    assert 0 < len(sources) <= settings.RASTERCATALOG_TILESOURCE_CACHE_SIZE
    tiles, _ = getTileCache()
    assert len(tiles) <= max(3, settings.RASTERCATALOG_TILESOURCE_TILE_CACHE_SIZE)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads RSS from /proc")
def test_a_second_pass_of_uncached_tiles_does_not_grow_memory(noisy_rgb, settings):
    # The server's local cache (settings.py), at 8 MB: the 400 tiles below weigh about 50 MB.
    options = {"MAX_BYTES": 8 * 2**20, "MAX_ENTRIES": 100_000}
    backend = "rastercatalog.render.localcache.ByteBoundedLocMemCache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "soak", "OPTIONS": options}}
    tiles = _tiles(200)
    _render_all(noisy_rgb, tiles, first_nodata=-200_000)  # warm-up: caches fill to their bounds
    warm = _rss_bytes()
    _render_all(noisy_rgb, tiles, first_nodata=-300_000)  # same tiles, all-new styles
    growth = _rss_bytes() - warm
    assert caches["default"].size_bytes <= options["MAX_BYTES"]
    assert growth < 12 * 2**20, f"RSS grew by {growth / 2**20:.1f} MB on the second pass"


def test_the_local_tile_cache_is_bounded_in_bytes():
    cache = ByteBoundedLocMemCache("test-bytes", {"OPTIONS": {"MAX_BYTES": 1_000_000}})
    cache.clear()
    for number in range(200):
        cache.set(f"tile:{number}", os.urandom(20_000), timeout=60)
        assert cache.size_bytes <= 1_000_000
    assert cache.get("tile:199") is not None  # the most recent stay…
    assert cache.get("tile:0") is None  # …the oldest went first
    cache.set("huge", os.urandom(400_000))  # over a quarter of the limit: never stored
    assert cache.get("huge") is None
    cache.delete("tile:199")
    cache.clear()
    assert cache.size_bytes == 0


def test_the_vetted_paths_memo_forgets_the_least_recently_used():
    memo = BoundedMemo(3)
    for key in ("a", "b", "c"):
        memo.put(key, key)
    assert memo.get("a") == "a"  # now the most recent
    memo.put("d", "d")
    assert "b" not in memo and "a" in memo and len(memo) == 3
