"""Benchmark: the catalog search of two or more checkouts, side by side on one database (A/B).

Not a test. Each checkout (a directory, e.g. a `git worktree add --detach ../before <commit>`
next to this one) is served by its own gunicorn (2 sync workers, 127.0.0.1, DEBUG off,
persistent connections) on the same PostGIS database, loaded by bench/search.py (the same
--database and --rows). Every search (`GET /api/rasters/?bbox=…&limit=100`, boxes 0.05-5 degrees
round random rasters, as bench/search.py sends) goes to each server in turn, the order rotating,
so that all see the same machine load and the same caches. It prints, per checkout, p50 and p95
over HTTP and the CPU milliseconds per search of its gunicorn and of its PostgreSQL backends
(found by application_name), which other work on the machine does not inflate as much; and how
many responses were byte-identical to the first checkout's (links name each server's port).

    .venv/bin/python bench/search_ab.py ../before . [--database rastercatalog_bench] [--searches 300]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import time
import urllib.request
from pathlib import Path

import numpy as np
import psycopg
from latency import percentile
from search_data import SEED, sample_centres
from servers import GUNICORN, free_port, stop


def main() -> int:
    args = _parse_args()
    conninfo = f"host={args.host} port={args.port} user={args.user} dbname={args.database}"
    with psycopg.connect(conninfo, autocommit=True) as database:
        rng = random.Random(args.seed)
        centres = sample_centres(database)
        urls = [f"/api/rasters/?bbox={_bbox(rng, centres)}&limit=100" for _ in range(args.searches)]
        labels = [f"{chr(ord('A') + i)}" for i in range(len(args.checkouts))]
        servers = {}
        try:
            for label, checkout in zip(labels, args.checkouts, strict=True):
                servers[label] = _serve(Path(checkout).resolve(), label, args)
            _compare(database, servers, urls, args.checkouts)
        finally:
            for server, _ in servers.values():
                stop(server)
    return 0


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="+", help="directories of the checkouts to compare")
    parser.add_argument("--database", default="rastercatalog_bench")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5432)
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--seed", type=int, default=SEED, help="another seed: other boxes")
    return parser.parse_args()


def _bbox(rng: random.Random, centres: list[tuple[float, float]]) -> str:
    """A box of 0.05-5 degrees (log-uniform) round a random raster, as bench/search.py draws them."""
    lon, lat = rng.choice(centres)
    half = 10 ** rng.uniform(np.log10(0.05), np.log10(5)) / 2
    south, north = max(lat - half, -90), min(lat + half, 90)
    return f"{max(lon - half, -180):.4f},{south:.4f},{min(lon + half, 180):.4f},{north:.4f}"


def _serve(checkout: Path, label: str, args: argparse.Namespace) -> tuple[subprocess.Popen, int]:
    """gunicorn of `checkout` (its own code: gunicorn puts its directory first on sys.path)."""
    port = free_port()
    url = f"postgis://{args.user}@{args.host}:{args.port}/{args.database}"
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DATABASE_URL=f"{url}?conn_max_age=600&application_name=search_ab_{label}",
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
        RASTERCATALOG_LOG_REQUESTS="false",  # a JSON line per request otherwise
        DJANGO_SECRET_KEY="rastercatalog-bench-not-a-secret-" + "x" * 32,
    )
    command = [str(GUNICORN), "project.wsgi:application", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=checkout, env=env, start_new_session=True)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/colormaps/", timeout=30):
                return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn of {checkout} exited") from None
            time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn of {checkout} did not answer within 60 s")


def _get(port: int, url: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=60) as response:
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
    return (time.perf_counter() - started) * 1000, body.replace(f":{port}/".encode(), b":PORT/")


def _cpu_ms(pids: list[int]) -> float:
    """CPU time so far of these processes (/proc/<pid>/schedstat: nanoseconds on a CPU)."""
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except OSError:  # gone meanwhile
            continue
    return total / 1e6


def _group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    pids.append(int(entry.name))
            except ProcessLookupError:
                continue
    return pids


def _backends(database: psycopg.Connection, label: str) -> list[int]:
    rows = database.execute(
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (f"search_ab_{label}",)
    )
    return [pid for (pid,) in rows.fetchall()]


def _compare(database: psycopg.Connection, servers: dict, urls: list[str], names: list[str]):
    labels = list(servers)
    for url in urls[:40]:  # warm-up: imports, connections, prepared statements, caches
        for label in labels:
            _get(servers[label][1], url)
    processes = {label: _group(server.pid) for label, (server, _) in servers.items()}
    backends = {label: _backends(database, label) for label in labels}
    before = {label: (_cpu_ms(processes[label]), _cpu_ms(backends[label])) for label in labels}
    latencies: dict[str, list[float]] = {label: [] for label in labels}
    identical = 0
    for i, url in enumerate(urls):
        order = labels[i % len(labels) :] + labels[: i % len(labels)]
        bodies = {}
        for label in order:
            milliseconds, bodies[label] = _get(servers[label][1], url)
            latencies[label].append(milliseconds)
        identical += all(bodies[label] == bodies[labels[0]] for label in labels)
    n = len(urls)
    print(
        f"{'':3} {'checkout':40} {'p50 ms':>7} {'p95 ms':>7}   CPU ms a search: gunicorn + postgres"
    )
    for label, name in zip(labels, names, strict=True):
        app = (_cpu_ms(processes[label]) - before[label][0]) / n
        db = (_cpu_ms(backends[label]) - before[label][1]) / n
        times = latencies[label]
        print(
            f"{label:3} {name[-40:]:40} {percentile(times, 50):7.2f} {percentile(times, 95):7.2f}"
            f"   {app:.2f} + {db:.2f} = {app + db:.2f}"
        )
    print(f"byte-identical responses: {identical}/{n}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
