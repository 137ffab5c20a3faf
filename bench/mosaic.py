"""Benchmark: mosaic tiles served by rastercatalog against TiTiler's mosaic, on the same COGs.

Not a test. It writes, under --dir (reusing what is there, see bench/mosaic_rasters.py):

- two stacks of overlapping scenes (10 and 100 COGs of 512 x 512, a third of each under nodata
  "clouds", acquired a day apart), each catalogued as a collection, and described for TiTiler by a
  MosaicJSON made with cogeo-mosaic (newest scene first, as our `first` draws them);
- a grid of 1,000 COGs catalogued as one collection (the ingest command builds its overview).

It serves the app with gunicorn (2 sync workers) and TiTiler's mosaic (`titiler.mosaic` with
cogeo-mosaic's MosaicJSON backend, installed in a throwaway venv outside the project,
--titiler-venv) with uvicorn (2 workers), both on 127.0.0.1, and asks both for the same tiles of
each stack (zooms native-1 .. native+1, tiles meeting the stack) at concurrency 1 and 8: ours
uncached (a never-seen `nodata` value makes every request a cache miss), TiTiler (no cache); the
method is `first` for both. RASTERCATALOG_MOSAIC_MAX_RASTERS is raised to 100 here so that we read
every scene under a tile, as TiTiler does. Then it requests every tile of zooms 3 to 6 over the
1,000-raster grid from us (uncached, one at a time, on freshly started workers), and TiTiler's
zoom-3 tiles of the same grid for comparison.

Lines of ours only: band math on the 10-COG stack (EXPRESSION, evaluated on each scene's raw tile
before `first` combines them), uncached, at concurrency 1 and 8; and "rc cached", the concurrency-1
tiles asked again (tile-cache hits). `--expression-only` measures those lines (and the plain tiles
beside them) without TiTiler and the grid.

    .venv/bin/python bench/mosaic.py [--dir /tmp/rastercatalog-bench-mosaic] \\
        [--database-url postgis://postgres@127.0.0.1:5432/rc_bench_mosaic] [--expression-only]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from latency import Pass, run
from mosaic_rasters import (
    STACK_ORIGIN,
    STACK_PIXEL,
    grid_bounds,
    grid_write,
    native_zoom,
    stack_bounds,
    stack_write,
    tiles_over,
)
from servers import manage, out_of_time, serve_ours, server_env
from titiler_server import mosaicjson, serve_titiler, titiler_mosaic_python

STACKS = (10, 100)
EXPRESSION = "(b1 - 60) / (b1 + 60)"  # a normalized difference against a constant
APP = re.compile(r"app;dur=([0-9.]+)")  # the server's own time for the request, in ms
EXPRESSION_STYLE = "&expression=%28b1+-+60%29+%2F+%28b1+%2B+60%29&min=-1&max=1&palette=RdYlGn"


def main() -> int:
    args = _parse_args()
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(args.timeout)
    directory = Path(args.dir).resolve()
    (directory / "var" / "static").mkdir(parents=True, exist_ok=True)
    titiler = titiler_mosaic_python(Path(args.titiler_venv))
    env = server_env(directory, args)
    env["RASTERCATALOG_MOSAIC_MAX_RASTERS"] = "100"
    manage(env, "migrate", "--noinput", "-v0")
    if args.expression_only:
        return _expression_only(directory, env, args.tiles_per_zoom)
    mosaics = {}
    for count in STACKS:
        print(f"stack of {count}: writing, cataloguing, MosaicJSON …", flush=True)
        paths = stack_write(directory / f"stack{count}", count)
        manage(env, "ingest", "--collection", f"stack{count}", *map(str, paths))
        mosaics[count] = mosaicjson(
            titiler, list(reversed(paths)), directory / f"stack{count}.json"
        )
    rows = []
    with ExitStack() as stack:
        ours = stack.enter_context(serve_ours(env))
        theirs = stack.enter_context(serve_titiler(titiler, directory, mosaic=True))
        for count in STACKS:
            rows += _measure_stack(count, ours, theirs, mosaics[count], args.tiles_per_zoom)
        rows += _measure_expression(10, ours, args.tiles_per_zoom)
    grid = None if args.skip_grid else _grid(directory, env, titiler)
    return _report(rows, grid)


# --- stacks ---------------------------------------------------------------------------------------


def _measure_stack(count: int, ours: int, theirs: int, mosaic: Path, per_zoom: int) -> list:
    native = native_zoom(STACK_PIXEL, STACK_ORIGIN[1])
    zooms = range(native - 1, native + 2)
    samples = [tiles_over(stack_bounds(count), zooms, per_zoom, seed) for seed in (1, 2, 3)]
    our_url = f"/api/mosaic/tiles/{{}}.png?collection=stack{count}"
    their_url = f"/mosaicjson/tiles/WebMercatorQuad/{{}}.png?url={mosaic}&bidx=1"
    _run(ours, [our_url.format(t) + "&nodata=-1" for t in samples[0]], 8)  # warm-up
    _run(theirs, [their_url.format(t) for t in samples[0]], 8)
    rows = []
    for concurrency, tiles in ((1, samples[1]), (8, samples[2])):
        urls = [our_url.format(t) + f"&nodata={-1000 - concurrency}" for t in tiles]
        rows.append((f"stack{count}", "rastercatalog", concurrency, _run(ours, urls, concurrency)))
        if concurrency == 1:
            rows.append(_cached(count, ours, urls))
        urls = [their_url.format(t) for t in tiles]
        rows.append(
            (f"stack{count}", "titiler.mosaic", concurrency, _run(theirs, urls, concurrency))
        )
    return rows


def _measure_expression(count: int, ours: int, per_zoom: int, *, plain: bool = False) -> list:
    """Our uncached band-math tiles of the stack (and, with `plain`, the plain ones)."""
    native = native_zoom(STACK_PIXEL, STACK_ORIGIN[1])
    zooms = range(native - 1, native + 2)
    samples = [tiles_over(stack_bounds(count), zooms, per_zoom, seed) for seed in (1, 2, 3)]
    url = f"/api/mosaic/tiles/{{}}.png?collection=stack{count}"
    kinds = [("rc expression", EXPRESSION_STYLE)] + ([("rastercatalog", "")] if plain else [])
    rows = []
    for name, style in kinds:
        # A never-seen `nodata` value (of the expression's result) makes every tile a miss.
        _run(ours, [url.format(t) + style + "&nodata=-2" for t in samples[0]], 8)  # warm-up
        for concurrency, tiles in ((1, samples[1]), (8, samples[2])):
            urls = [url.format(t) + style + f"&nodata={-2000 - concurrency}" for t in tiles]
            rows.append((f"stack{count}", name, concurrency, _run(ours, urls, concurrency)))
            if plain and not style and concurrency == 1:
                rows.append(_cached(count, ours, urls))
    return rows


def _cached(count: int, ours: int, urls: list[str]) -> tuple:
    """The tiles just rendered, asked again: tile-cache hits (shared with --redis-url) on workers
    that have planned them (a warm-up pass first, within RASTERCATALOG_RASTER_INFO_TTL)."""
    _run(ours, urls * 2, 1)
    return (f"stack{count}", "rc cached", 1, _run(ours, urls * 3, 1))


def _expression_only(directory: Path, env: dict, per_zoom: int) -> int:
    paths = stack_write(directory / "stack10", 10)
    manage(env, "ingest", "--collection", "stack10", *map(str, paths))
    with serve_ours(env) as ours:
        rows = _measure_expression(10, ours, per_zoom, plain=True)
    _print_rows(rows)
    print(f"\nexpression: {EXPRESSION} (min=-1, max=1, RdYlGn), `first`, uncached")
    return 0


def _run(port: int, urls: list[str], concurrency: int) -> Pass:
    return run(port, urls, concurrency, _get)


def _get(port: int, url: str, timeout: float = 120) -> tuple:
    """(latency s, status, X-Mosaic-Source, X-Mosaic-Rasters, Server-Timing's app ms or None);
    an empty tile may be a 204."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", url)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    latency = time.perf_counter() - started
    if response.status not in (200, 204) or (response.status == 200 and body[:4] != b"\x89PNG"):
        raise RuntimeError(f"GET {url}: {response.status} {body[:300]!r}")
    return (
        latency,
        response.status,
        response.getheader("X-Mosaic-Source"),
        response.getheader("X-Mosaic-Rasters"),
        float(app.group(1))
        if (app := APP.search(response.getheader("Server-Timing") or ""))
        else None,
    )


# --- the 1,000-raster grid ----------------------------------------------------------------------


def _grid(directory: Path, env: dict, titiler: Path) -> dict:
    print("grid of 1,000: writing, cataloguing (the overview is built at the end) …", flush=True)
    paths = grid_write(directory / "grid1000")
    started = time.perf_counter()
    listing = directory / "grid1000.txt"
    listing.write_text("\n".join(map(str, paths)))
    done = manage(env, "ingest", "--collection", "grid1000", "--from-file", str(listing))
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    built = manage(env, "mosaic_overviews", "--force", "grid1000")
    overview_s = time.perf_counter() - started
    mosaic = mosaicjson(titiler, [str(p) for p in paths], directory / "grid1000.json")
    result = {
        "ingest": re.search(r"summary: (.*)", done).group(1),
        "ingest_s": ingest_s,
        "overview": built.strip(),
        "overview_s": overview_s,
        "zooms": {},
    }
    with serve_ours(env) as ours:  # fresh workers: nothing opened, nothing cached
        for z in range(3, 7):
            tiles = tiles_over(grid_bounds(), range(z, z + 1), 10_000, 0)
            urls = [f"/api/mosaic/tiles/{t}.png?collection=grid1000" for t in tiles]
            result["zooms"][z] = _run(ours, urls, 1)
    with serve_titiler(titiler, directory, mosaic=True) as theirs:
        tiles = tiles_over(grid_bounds(), range(3, 4), 10_000, 0)
        url = f"/mosaicjson/tiles/WebMercatorQuad/{{}}.png?url={mosaic}&bidx=1"
        result["titiler_z3"] = _run(theirs, [url.format(t) for t in tiles], 1)
    return result


# --- report ---------------------------------------------------------------------------------------


def _print_rows(rows: list) -> None:
    print(
        f"\n{'set':<9} {'server':<15} {'conc':>4} {'tiles/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'rasters/tile':>12} {'CPU ms/tile':>11} {'app p50 ms':>10}"
    )
    for name, server, concurrency, result in rows:
        counts = [int(r[3]) for r in result.responses if r[3] is not None]
        read = f"{statistics.mean(counts):.1f}" if counts else "-"
        apps = [r[4] for r in result.responses if r[4] is not None]
        app = f"{statistics.median(apps):.2f}" if apps else "-"
        print(
            f"{name:<9} {server:<15} {concurrency:>4} {result.tiles_per_s:>8.1f} "
            f"{result.p50:>7.1f} {result.p95:>7.1f} {read:>12} {result.cpu_ms:>11.2f} {app:>10}"
        )


def _report(rows: list, grid: dict | None) -> int:
    _print_rows(rows)
    rate = {(name, server, c): result.tiles_per_s for name, server, c, result in rows}
    ratios = {
        (name, c): rate[(name, "rastercatalog", c)] / rate[(name, "titiler.mosaic", c)]
        for name, server, c, _ in rows
        if server == "rastercatalog"
    }
    listed = ", ".join(f"{name} c{c} x{ratio:.2f}" for (name, c), ratio in ratios.items())
    print(f"\nmosaic throughput, rastercatalog / titiler.mosaic: {listed}")
    print(
        f"{os.cpu_count()} CPUs, 2 workers each, GDAL_CACHEMAX=64, a new connection per request; "
        "ours uncached, `first` for both, RASTERCATALOG_MOSAIC_MAX_RASTERS=100"
    )
    throughput_ok = min(ratios.values()) >= 1.5
    z3_ok = True
    if grid is not None:
        print(
            f"\ngrid1000: ingest {grid['ingest']} in {grid['ingest_s']:.0f} s; overview rebuilt in "
            f"{grid['overview_s']:.1f} s: {grid['overview']}"
        )
        print(f"{'zoom':>4} {'tiles':>5} {'source':<9} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
        for z, result in grid["zooms"].items():
            sources = sorted({r[2] for r in result.responses})
            latencies = [r[0] * 1000 for r in result.responses]
            print(
                f"{z:>4} {len(latencies):>5} {','.join(sources):<9} {result.p50:>7.1f} "
                f"{result.p95:>7.1f} {max(latencies):>7.1f}"
            )
        z3_ok = grid["zooms"][3].p95 < 1000
        theirs = grid["titiler_z3"]
        print(
            f"titiler.mosaic, same grid, zoom 3: {len(theirs.responses)} tiles, p50 "
            f"{theirs.p50:.0f} ms, p95 {theirs.p95:.0f} ms"
        )
    print(
        f"target >= 1.5x titiler.mosaic: {'PASS' if throughput_ok else 'FAIL'} (lowest "
        f"x{min(ratios.values()):.2f}); z3 p95 < 1 s on 1,000 rasters: "
        f"{'PASS' if z3_ok else 'FAIL' if grid else 'not measured'}"
    )
    return 0 if throughput_ok and z3_ok else 1


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--dir", default="/tmp/rastercatalog-bench-mosaic", help="rasters and the SpatiaLite DB")
    add("--tiles-per-zoom", type=int, default=12, help="stack tiles per zoom and pass")
    add("--database-url", default="", help="catalogue there instead of SpatiaLite under --dir")
    add("--redis-url", default="", help="serve with this Redis cache (default: local memory)")
    add("--titiler-venv", default="/tmp/titiler-venv", help="throwaway venv with titiler.mosaic")
    add("--skip-grid", action="store_true", help="stacks only, no 1,000-raster grid")
    add("--expression-only", action="store_true", help="our band-math line only (no TiTiler)")
    add("--timeout", type=int, default=3600, help="seconds before everything is stopped")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
