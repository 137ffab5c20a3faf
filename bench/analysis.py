"""Benchmark: analysis on the fly (band math tiles, terrain tiles, zonal statistics). Not a test.

It writes (or reuses, in --dir) the COGs of bench/tiles.py: a Sentinel-2-like scene (10980 x 10980,
3 x uint8 at 10 m in UTM 33N: 12,056 km²) and a DEM (5490 x 5490 float32 at 20 m), catalogues them
in the database of DATABASE_URL (default: postgis://postgres@127.0.0.1:5432/rc_analysis_bench,
created and migrated when absent), and measures in this process, through Django's test client
with the tile cache off (every request renders, as a miss does; no HTTP):

- tiles: ms per 256-pixel tile at native zoom and 2 zooms coarser, plain (band=1,2,3) against a
  normalized difference (expression=(b3-b2)/(b3+b2)&min=-1&max=1&palette=RdYlGn), and the DEM
  plain (palette) against algorithm=hillshade;
- statistics: POST /api/rasters/{id}/statistics of a 100 x 100 km square (10,000 km²) over the
  scene, with the default pixel limit (an overview is read; the response names it), and of a
  10 x 10 km square (exact, full resolution);
- hostile expressions: the time to refuse each (parse and check only).

    .venv/bin/python bench/analysis.py [--dir /tmp/rastercatalog-bench-analysis] [--tiles 24]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

from pyproj import Transformer
from tile_rasters import ORIGIN, dem_write, native_zooms, scene_write, tile_sample

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HOSTILE = {
    "__import__('os')": "__import__('os')",
    "attribute": "b1.__class__",
    "9**9**9": "9**9**9",
    "10,000-deep brackets": "(" * 10000 + "b1" + ")" * 10000,
    "100 kB": "b1+" * 33333 + "b1",
    "unknown band": "b9",
}


def main() -> int:
    args = _parse_args()
    directory = Path(args.dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    # The names of bench/tiles.py: a directory it filled serves both.
    scene = directory / "scene_10980_rgb_u8_deflate.tif"
    dem = directory / "dem_5490_f32_deflate.tif"
    if not scene.exists():
        print("writing the scene (10980 x 10980 x 3)...", flush=True)
        scene_write(scene)
    if not dem.exists():
        print("writing the DEM (5490 x 5490)...", flush=True)
        dem_write(dem)
    _django(args.database_url)
    from django.test import Client
    from django.test.utils import override_settings

    from rastercatalog.catalog.ingest import raster_ingest

    rasters = {}
    for name, path in (("scene", scene), ("dem", dem)):
        started = time.perf_counter()
        rasters[name] = raster_ingest(uri=str(path), trusted=True).raster
        print(
            f"catalogued {name} as raster {rasters[name].pk} ({time.perf_counter() - started:.1f} s)"
        )
    no_cache = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=no_cache, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        _tiles(client, rasters, {"scene": scene, "dem": dem}, args.tiles)
        _statistics(client, rasters["scene"])
    _hostile()
    return 0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/rastercatalog-bench-analysis")
    parser.add_argument("--tiles", type=int, default=24, help="tiles per zoom")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "DATABASE_URL", "postgis://postgres@127.0.0.1:5432/rc_analysis_bench"
        ),
    )
    return parser.parse_args()


def _django(url: str) -> None:
    from search_data import database_create, migrate

    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="project.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "rastercatalog-bench-not-a-secret-" + "x" * 32)
    os.environ.setdefault("RASTERCATALOG_LOG_REQUESTS", "false")
    os.environ.update(DJANGO_DEBUG="false", DJANGO_HTTPS="false")
    rest, name = url.split("://", 1)[1].rsplit("/", 1)
    user, host = rest.split("@")
    host, _, port = host.partition(":")
    database_create(f"host={host} port={port or 5432} user={user}", name.split("?")[0])
    migrate()
    import django

    warnings.filterwarnings("ignore", message="No directory at")  # static files: not served here
    django.setup()


def _get_ms(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 404):
        raise SystemExit(f"GET {url}: {response.status_code} {response.content[:300]!r}")
    return elapsed


def _tiles(client, rasters: dict, paths: dict, count: int) -> None:
    cases = [
        ("scene", "plain band=1,2,3", "band=1,2,3"),
        (
            "scene",
            "NDVI-like expression",
            "expression=(b3-b2)/(b3%2Bb2)&min=-1&max=1&palette=RdYlGn",
        ),
        ("dem", "plain palette", "palette=terrain&min=0&max=1500"),
        ("dem", "algorithm=hillshade", "algorithm=hillshade"),
    ]
    print("\ntiles (ms per uncached 256-pixel tile, in process: median / p95)")
    for case, (name, label, query) in enumerate(cases):
        raster, path = rasters[name], paths[name]
        native = native_zooms(path)[-1]
        for zoom in (native - 2, native):
            # Tiles of their own for each case: none finds its blocks in GDAL's cache from another.
            tiles = tile_sample(path, range(zoom, zoom + 1), count, seed=100 * case + zoom)
            url = f"/api/rasters/{raster.pk}/tiles/{{}}.png?{query}"
            _get_ms(client, url.format(tiles[0]))  # opens the source
            times = [_get_ms(client, url.format(tile)) for tile in tiles]
            p95 = sorted(times)[int(0.95 * (len(times) - 1))]
            print(f"  {name:5} z{zoom:<2} {label:24} {statistics.median(times):6.1f} / {p95:6.1f}")


def _square(centre_m: tuple[float, float], side_m: float) -> dict:
    to_lonlat = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True)
    x, y, half = centre_m[0], centre_m[1], side_m / 2
    corners = [
        (x - half, y - half),
        (x + half, y - half),
        (x + half, y + half),
        (x - half, y + half),
    ]
    ring = [list(to_lonlat.transform(*corner)) for corner in corners]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def _statistics(client, raster) -> None:
    centre = (ORIGIN[0] + 54900.0, ORIGIN[1] - 54900.0)  # the scene's middle
    print("\nzonal statistics (POST /api/rasters/{id}/statistics, 3 bands)")
    for label, side in (
        ("10,000 km² (100 x 100 km)", 100_000.0),
        ("100 km² (10 x 10 km)", 10_000.0),
    ):
        body = json.dumps(_square(centre, side))
        times = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.post(
                f"/api/rasters/{raster.pk}/statistics", body, content_type="application/json"
            )
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"statistics: {response.status_code} {response.content[:300]!r}")
        properties = response.json()["features"][0]["properties"]
        level, b1 = properties["level"], properties["statistics"]["b1"]
        where = "full resolution" if level["overview"] is None else f"overview {level['overview']}"
        print(
            f"  {label:26} {min(times):6.2f} s (best of 3)  {where}: {level['width']} x "
            f"{level['height']} pixels of {level['pixel_size'][0]:g} m; b1 mean {b1['mean']:.2f}"
        )


def _hostile() -> None:
    from rastercatalog.errors import ExpressionInvalid
    from rastercatalog.render.expression import expression_parse

    print("\nhostile expressions (time to refuse, parse and check only)")
    for label, text in HOSTILE.items():
        started = time.perf_counter()
        for _ in range(100):
            with contextlib.suppress(ExpressionInvalid):
                expression_parse(text, band_count=3)
        print(f"  {label:22} {(time.perf_counter() - started) * 10:8.3f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
