"""Soak test: many keep-alive clients for minutes, and the gunicorn workers' memory over time.

Not a test. It writes five varied rasters into --dir (bench/soak_rasters.py, reused when present),
catalogues them into a fresh SpatiaLite database under --dir (or --database-url, e.g. a PostGIS
database `rc_soak`), serves the app with gunicorn in its production configuration
(deploy/gunicorn.conf.py, --workers 2, the allocator variables of deploy/gunicorn.env) on
127.0.0.1 only, and runs --clients threads, each with its own keep-alive connection, for
--duration seconds. Each request is one of:

- an uncached tile (60 %): a random zoom 2-10 within the raster's zooms, a random tile within its
  bounds, one of three palettes, and a `nodata` value never used before, so every tile is a cache
  miss (as in bench/tiles.py); one in ten uses a large-image `style` instead of the parameters;
- a search (10 %), a pixel value (10 %), a histogram (10 %, random bins) or metadata (10 %).

Every --interval seconds it prints the elapsed time, requests and errors so far, the latency
percentiles of the interval and the summed RSS of the gunicorn workers (from /proc); at the end
the RSS after warm-up (--warmup s), the final RSS and their ratio. gunicorn is stopped whatever
happens; --timeout (default: duration + 10 min) stops the whole run.

    .venv/bin/python bench/soak.py [--clients 50] [--duration 180] [--database-url postgis://…]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from latency import percentiles
from soak_rasters import rasters_write
from soak_server import gunicorn_serve, server_env, workers_rss

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
PALETTES = ("viridis", "terrain", "magma")
MIX = "tile=60,search=10,pixel=10,histogram=10,metadata=10"


def main() -> int:
    args = _parse_args()
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.signal(signal.SIGTERM, _out_of_time)  # `kill` stops gunicorn too, through `finally`
    signal.alarm(args.timeout or args.duration + 600)
    directory = Path(args.dir).resolve()
    (directory / "var" / "static").mkdir(parents=True, exist_ok=True)
    paths = rasters_write(directory)
    env = server_env(directory, database_url=args.database_url, redis_url=args.redis_url)
    # Off by default: a worker replaced after N requests would hide growth instead of showing it.
    env["GUNICORN_MAX_REQUESTS"] = str(args.max_requests)
    _catalogue(list(paths.values()), env, fresh=not args.database_url, directory=directory)
    with ExitStack() as stack:
        port, master = stack.enter_context(gunicorn_serve(env, workers=args.workers))
        rasters = _describe(port, {path.stem.removeprefix("soak_") for path in paths.values()})
        return _soak(port, master, rasters, args)


def _catalogue(paths: list[Path], env: dict, *, fresh: bool, directory: Path) -> None:
    if fresh:
        (directory / "var" / "db.sqlite3").unlink(missing_ok=True)
    manage = [str(PYTHON), str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [*manage, "ingest", *map(str, paths)], cwd=ROOT, env=env, check=True, capture_output=True
    )


def _describe(port: int, names: set[str]) -> list[dict]:
    """Id, bounds, zooms and band count of each soak raster, from the API."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    listing = _json(connection, "/api/rasters/?limit=1000")
    rasters = []
    for feature in listing["features"]:
        properties = feature["properties"]
        if properties["name"].removeprefix("soak_") not in names:
            continue
        raster_id = feature.get("id") or properties["id"]
        tilejson = _json(connection, f"/api/rasters/{raster_id}/tilejson.json")
        low, high = tilejson["minzoom"], tilejson["maxzoom"]
        zooms = range(max(2, low), min(10, high) + 1) or range(low, high + 1)
        bands = properties.get("band_count") or 1
        rasters.append(
            {"id": raster_id, "bounds": tilejson["bounds"], "zooms": zooms, "bands": bands}
        )
    if len(rasters) != len(names):
        raise RuntimeError(
            f"expected {len(names)} soak rasters in the catalog, found {len(rasters)}"
        )
    return rasters


def _json(connection: http.client.HTTPConnection, url: str) -> dict:
    connection.request("GET", url)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {url}: {response.status} {body[:300]!r}")
    return json.loads(body)


class Load:
    """The clients' shared tally: latencies and errors since the last report, and in all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.window: list[float] = []
        self.latencies: list[float] = []  # every request's, for the summary
        self.requests = self.errors = 0
        self.kinds: dict[str, int] = {}
        self.failures: dict[str, int] = {}
        self.stop = threading.Event()
        self.unique = itertools.count(1)

    def record(self, kind: str, seconds: float, failure: str | None) -> None:
        with self.lock:
            self.window.append(seconds)
            self.requests += 1
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
            if failure:
                self.errors += 1
                self.failures[failure] = self.failures.get(failure, 0) + 1

    def drain(self) -> list[float]:
        with self.lock:
            window, self.window = self.window, []
            self.latencies += window
        return window


def _client(port: int, rasters: list[dict], load: Load, seed: int, mix: dict) -> None:
    rng = random.Random(seed)
    names, weights = list(mix), list(mix.values())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not load.stop.is_set():
        kind = rng.choices(names, weights)[0]
        url = _url(kind, rng.choice(rasters), rng, next(load.unique))
        started, failure = time.perf_counter(), None
        try:
            connection.request("GET", url)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failure = f"{kind} {response.status}"
        except (OSError, http.client.HTTPException) as exc:
            failure = f"{kind} {exc.__class__.__name__}"
            connection.close()  # reconnects on the next request
        load.record(kind, time.perf_counter() - started, failure)
    connection.close()


def _url(kind: str, raster: dict, rng: random.Random, unique: int) -> str:
    base = f"/api/rasters/{raster['id']}"
    west, south, east, north = raster["bounds"]
    # The middle half of the box: a rotated grid leaves corners of its bbox without pixels.
    lon = rng.uniform(west + (east - west) / 4, east - (east - west) / 4)
    lat = rng.uniform(south + (north - south) / 4, north - (north - south) / 4)
    if kind == "tile":
        z = rng.choice(raster["zooms"])
        x0, y1 = _tile_xy(west, south, z)
        x1, y0 = _tile_xy(east, north, z)
        x, y = rng.randint(x0, max(x0, x1)), rng.randint(y0, max(y0, y1))
        nodata = -1_000_000 - unique - 0.5  # never seen before: a cache miss
        if rng.random() < 0.1:
            style = {"band": 1, "palette": rng.choice(PALETTES), "nodata": nodata}
            return f"{base}/tiles/{z}/{x}/{y}.png?style={json.dumps(style, separators=(',', ':'))}"
        band = "band=1&" if raster["bands"] > 1 else ""
        return f"{base}/tiles/{z}/{x}/{y}.png?{band}palette={rng.choice(PALETTES)}&nodata={nodata}"
    if kind == "search":
        size = rng.uniform(0.05, 5)
        return f"/api/rasters/?bbox={lon - size},{lat - size},{lon + size},{lat + size}&limit=50"
    if kind == "pixel":
        return f"{base}/pixel?lon={lon}&lat={lat}"
    if kind == "histogram":
        return f"{base}/histogram?band=1&bins={rng.randint(8, 256)}"
    return f"{base}/metadata" + ("/internal" if rng.random() < 0.3 else "")


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 2**z
    lat = max(-85.05, min(85.05, lat))
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return min(n - 1, int((lon + 180) / 360 * n)), min(n - 1, int(y))


def _soak(port: int, master: int, rasters: list[dict], args) -> int:
    load = Load()
    clients = [
        threading.Thread(
            target=_client, args=(port, rasters, load, args.seed + i, _mix(args.mix)), daemon=True
        )
        for i in range(args.clients)
    ]
    for client in clients:
        client.start()
    started = time.monotonic()
    samples: list[tuple[float, float]] = []
    print(
        f"{'elapsed':>7} {'requests':>9} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'RSS MB':>7}",
        flush=True,
    )
    try:
        while (elapsed := time.monotonic() - started) < args.duration:
            time.sleep(min(args.interval, args.duration - elapsed))
            elapsed, rss = time.monotonic() - started, workers_rss(master) / 2**20
            samples.append((elapsed, rss))
            p50, p95, p99 = percentiles(load.drain())
            print(
                f"{elapsed:>7.0f} {load.requests:>9} {load.errors:>6} {p50:>7.0f} {p95:>7.0f} "
                f"{p99:>7.0f} {rss:>7.0f}",
                flush=True,
            )
    finally:
        load.stop.set()
        for client in clients:
            client.join(timeout=130)
    return _summary(load, samples, args)


def _mix(text: str) -> dict[str, float]:
    weights = {
        name: float(weight) for name, _, weight in (p.partition("=") for p in text.split(","))
    }
    unknown = set(weights) - {"tile", "search", "pixel", "histogram", "metadata"}
    if unknown:
        raise SystemExit(f"--mix: unknown kinds {sorted(unknown)}")
    return weights


CACHES_FULL_S = 60


def _summary(load: Load, samples: list[tuple[float, float]], args) -> int:
    warm = next((rss for elapsed, rss in samples if elapsed >= args.warmup), samples[0][1])
    final, peak = samples[-1][1], max(rss for _, rss in samples)
    ratio = final / warm
    load.drain()
    p50, p95, p99 = percentiles(load.latencies)
    print(
        f"\n{load.requests} requests ({', '.join(f'{k} {n}' for k, n in load.kinds.items())}), "
        f"{load.errors} errors {load.failures or ''}"
    )
    print(f"latency over the run: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms")
    print(
        f"{args.clients} keep-alive clients, {args.workers} gunicorn workers, {os.cpu_count()} CPUs"
    )
    print(
        f"workers' RSS: {warm:.0f} MB after warm-up ({args.warmup} s), {final:.0f} MB at the end "
        f"(peak {peak:.0f} MB): x{ratio:.2f}"
    )
    # The bounded caches (tiles, GDAL blocks, large-image sources) fill in about a minute at 50
    # clients: growth after that is what a leak or fragmentation would look like.
    full = next((rss for elapsed, rss in samples if elapsed >= CACHES_FULL_S), None)
    if full is not None and samples[-1][0] > CACHES_FULL_S:
        print(f"against the RSS once the caches are full ({CACHES_FULL_S} s): x{final / full:.2f}")
    return 0 if load.errors == 0 else 1


def _out_of_time(signum, frame):
    reason = "ran out of time (--timeout)" if signum == signal.SIGALRM else "was stopped"
    raise TimeoutError(f"the soak {reason}")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--dir", default="/tmp/rastercatalog-soak", help="rasters and the SpatiaLite database")
    add("--database-url", default="", help="catalogue there instead (e.g. postgis://…/rc_soak)")
    add("--redis-url", default="", help="serve with this Redis cache (default: local memory)")
    add("--clients", type=int, default=50, help="concurrent keep-alive clients")
    add("--duration", type=int, default=180, help="seconds of load (600 for the 10-minute check)")
    add("--workers", type=int, default=2, help="gunicorn workers")
    add("--max-requests", type=int, default=0, help="gunicorn max_requests (default 0: off)")
    add("--interval", type=float, default=10, help="seconds between reports")
    add("--warmup", type=float, default=25, help="the RSS after this many seconds is the baseline")
    add("--mix", default=MIX, help=f"request kinds and their weights (default {MIX})")
    add("--seed", type=int, default=1)
    add("--timeout", type=int, default=0, help="hard stop, seconds (default: duration + 600)")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
