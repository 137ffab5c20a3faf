"""Benchmark: search a million footprints through the HTTP API (catalog search, STAC, MVT tiles).

Not a test. It

1. creates the PostGIS database --database (default rastercatalog_bench) if it is missing and
   migrates it; the test and development databases are never touched;
2. bulk-loads --rows synthetic ready rasters (default 1,000,000) with COPY, unless the database
   already holds exactly that set (--reload forces a new load). Footprints are tilted scenes with
   4 to 32 traced vertices, of realistic sizes (aerial 1-5 km, Sentinel-2-like 110 km,
   Landsat-like 185 km, SAR 50-250 km, 0.5 % continental mosaics), 70 % clustered around 300
   hotspots and 30 % spread over the sphere; those that cross the antimeridian are split there.
   Secondary indexes are built after the load, then the table is clustered on its GiST index
   (--no-cluster leaves the rows in load order, that is in random places);
3. serves the project with gunicorn (2 sync workers, 127.0.0.1 only, DEBUG off, persistent
   database connections) and times sequential requests from this process: --searches bbox
   searches of /api/rasters/ (limit=100, boxes 0.05-5 degrees round a random raster), half as
   many STAC GET and POST searches, MVT tiles (all 64 of z3, --tiles each at z8 and z12), and
   50 pages of a 20-degree box through its next links;
4. prints p50/p95 per kind against the targets, then EXPLAIN ANALYZE of the main query that the
   views ran for a search, a STAC search, a z8 tile and the densest z3 tile, saying whether it
   uses the footprint's GiST index;
5. stops gunicorn. Every loop is bounded in count and by --time-limit.

    .venv/bin/python bench/search.py [--rows 1000000] [--database rastercatalog_bench] [--reload]

The catalog search's own targets (issue 16) are checked by size: p50 <= 5 ms and p95 <= 10 ms over
1,000,000 footprints, p50 <= 10 ms over 10,000,000 (`--rows 10000000 --database
rastercatalog_bench_10m`: ~10 GB, about 10 minutes of COPY plus indexing and CLUSTER).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import psycopg
from latency import percentile
from search_data import SEED, database_create, load, loaded, migrate, sample_centres
from servers import gunicorn_plain, stop

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS_MS = {"search p50": 30, "search p95": 80, "mvt p95": 150}
# The catalog's bbox search (/api/rasters/?bbox=…&limit=100) alone, by catalog size (issue 16).
CATALOG_TARGETS_MS = {1_000_000: {"p50": 5, "p95": 10}, 10_000_000: {"p50": 10}}


def main() -> int:
    args = _parse_args()
    deadline = time.monotonic() + args.time_limit
    url = f"postgis://{args.user}@{args.host}:{args.port}/{args.database}?conn_max_age=600"
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="project.settings")
    os.environ.update(DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_HTTPS="false")
    os.environ.setdefault("DJANGO_SECRET_KEY", "rastercatalog-bench-not-a-secret-" + "x" * 32)
    conninfo = f"host={args.host} port={args.port} user={args.user}"
    database_create(conninfo, args.database)
    migrate()
    conninfo += f" dbname={args.database}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        if args.reload or not loaded(connection, args.rows):
            load(connection, args.rows, cluster=not args.no_cluster)
        else:
            print(f"reusing the {args.rows:,} rasters already in {args.database}")
        centres = sample_centres(connection)
    server = gunicorn_plain(args.http_port)
    try:
        base = f"http://127.0.0.1:{args.http_port}"
        results = _measure(base, centres, args, deadline)
    finally:
        stop(server)
    _report(results, footprints=args.rows)
    _explain(centres)
    return 0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database", default="rastercatalog_bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--http-port", type=int, default=8765)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--tiles", type=int, default=100, help="tiles per zoom level")
    parser.add_argument("--reload", action="store_true", help="load the rows even if present")
    parser.add_argument(
        "--no-cluster", action="store_true", help="leave the rows in load order (random places)"
    )
    parser.add_argument("--time-limit", type=float, default=1500, help="seconds, in all")
    return parser.parse_args()


# --- HTTP --------------------------------------------------------------------------------------


def _request(url: str, body: dict | None = None) -> tuple[float, bytes]:
    """Milliseconds from sending the request to having read the whole response, and the body."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        content = response.read()
        status = response.status
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        raise SystemExit(f"{url} answered {status}")
    return elapsed, content


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _measure(base: str, centres: list, args: argparse.Namespace, deadline: float) -> dict:
    rng = random.Random(SEED)
    results: dict[str, list[tuple[float, int]]] = {}

    def run(
        kind: str,
        url: str,
        body: dict | None = None,
        count=lambda c: len(json.loads(c)["features"]),
    ):
        if time.monotonic() > deadline:
            return
        elapsed, content = _request(url, body)
        results.setdefault(kind, []).append((elapsed, count(content)))

    def bbox() -> str:
        lon, lat = rng.choice(centres)
        half = 10 ** rng.uniform(np.log10(0.05), np.log10(5)) / 2
        south, north = max(lat - half, -90), min(lat + half, 90)
        return f"{max(lon - half, -180):.4f},{south:.4f},{min(lon + half, 180):.4f},{north:.4f}"

    for _ in range(20):  # warm-up: imports, connections, caches of both workers
        _request(f"{base}/api/rasters/?bbox={bbox()}&limit=100")
        _request(f"{base}/stac/search?bbox={bbox()}&limit=100")
    for _ in range(args.searches):
        run("search (catalog, bbox)", f"{base}/api/rasters/?bbox={bbox()}&limit=100")
    for _ in range(args.searches // 2):
        run("search (STAC GET, bbox)", f"{base}/stac/search?bbox={bbox()}&limit=100")
    for _ in range(args.searches // 2):
        west, south, east, north = map(float, bbox().split(","))
        triangle = {
            "type": "Polygon",
            "coordinates": [
                [[west, south], [east, south], [(west + east) / 2, north], [west, south]]
            ],
        }
        body = {
            "intersects": triangle,
            "datetime": "2019-01-01T00:00:00Z/2023-12-31T23:59:59Z",
            "collections": ["sentinel-2", "landsat", "sar"],
            "limit": 100,
        }
        run("search (STAC POST, intersects+datetime)", f"{base}/stac/search", body)
    tile_bytes = len
    for z in (3, 8, 12):
        if z == 3:
            tiles = [(x, y) for x in range(8) for y in range(8)]
        else:
            tiles = [_tile_of(*rng.choice(centres), z) for _ in range(args.tiles)]
        for x, y in tiles:
            run(f"mvt z{z}", f"{base}/api/rasters/tiles/{z}/{x}/{y}.mvt", count=tile_bytes)
    # Deep paging: a 20° box round a hotspot, 50 pages of 100 through the next links.
    lon, lat = centres[0]
    url = f"{base}/api/rasters/?bbox={lon - 10:.3f},{lat - 10:.3f},{lon + 10:.3f},{lat + 10:.3f}&limit=100"
    for page in range(50):
        if time.monotonic() > deadline:
            break
        elapsed, content = _request(url)
        document = json.loads(content)
        kind = (
            "paging: page 1"
            if page == 0
            else ("paging: pages 2-10" if page < 10 else "paging: pages 11-50")
        )
        results.setdefault(kind, []).append((elapsed, len(document["features"])))
        url = next((link["href"] for link in document["links"] if link["rel"] == "next"), None)
        if url is None:
            break
    return results


def _report(results: dict, footprints: int) -> None:
    print()
    print(f"{'kind':42} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  per response")
    for kind, rows in results.items():
        times = [t for t, _ in rows]
        sizes = [c for _, c in rows]
        unit = "bytes" if kind.startswith("mvt") else "features"
        print(
            f"{kind:42} {len(rows):4d} {percentile(times, 50):8.1f} {percentile(times, 95):8.1f} "
            f"{max(times):8.1f}  median {statistics.median(sizes):,.0f} {unit}, max {max(sizes):,}"
        )
    searches = [t for kind, rows in results.items() if kind.startswith("search") for t, _ in rows]
    tiles = [t for kind, rows in results.items() if kind.startswith("mvt") for t, _ in rows]
    figures = {
        "search p50": percentile(searches, 50),
        "search p95": percentile(searches, 95),
        "mvt p95": percentile(tiles, 95),
    }
    print()
    for name, value in figures.items():
        verdict = "PASS" if value <= TARGETS_MS[name] else "FAIL"
        print(f"target {name} <= {TARGETS_MS[name]} ms: {value:.1f} ms  {verdict}")
    catalog = [t for t, _ in results.get("search (catalog, bbox)", [])]
    size = min((n for n in CATALOG_TARGETS_MS if n >= footprints), default=max(CATALOG_TARGETS_MS))
    for name, target in CATALOG_TARGETS_MS[size].items():
        value = percentile(catalog, float(name[1:]))
        verdict = "PASS" if value <= target else "FAIL"
        print(
            f"target catalog bbox search {name} <= {target} ms ({size:,} footprints): "
            f"{value:.1f} ms  {verdict}"
        )


def _explain(centres: list) -> None:
    """EXPLAIN ANALYZE of the SQL the API runs (captured from the views) for a bbox search, a STAC
    search, a z8 tile and the z3 tile with the most rasters."""
    import django

    os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,testserver"
    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    lon, lat = centres[1]
    bbox = f"{lon - 1:.3f},{lat - 1:.3f},{lon + 1:.3f},{lat + 1:.3f}"
    x8, y8 = _tile_of(lon, lat, 8)
    x3, y3 = statistics.mode(_tile_of(*centre, 3) for centre in centres)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'rastercatalog_raster' "
            "AND indexdef LIKE '%USING gist%'"
        )
        gists = [name for (name,) in cursor.fetchall()]  # footprint; (footprint, created)
    client = Client(HTTP_HOST="127.0.0.1")  # ALLOWED_HOSTS is 127.0.0.1 here
    for url in (
        f"/api/rasters/?bbox={bbox}&limit=100",
        f"/stac/search?bbox={bbox}&limit=100",
        f"/api/rasters/tiles/8/{x8}/{y8}.mvt",
        f"/api/rasters/tiles/3/{x3}/{y3}.mvt",
    ):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        sql = max((query["sql"] for query in captured.captured_queries), key=len)
        with connection.cursor() as cursor:
            cursor.execute("SET work_mem = '32MB'")  # as the tile view does for its query
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\nEXPLAIN ANALYZE of the main query of GET {url}\n{plan}")
        used = [name for name in gists if name in plan]
        print(f"uses a GiST index on the footprint: {', '.join(used) if used else 'NO'}")


if __name__ == "__main__":
    raise SystemExit(main())
