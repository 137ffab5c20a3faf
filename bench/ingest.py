"""Benchmark: ingest a ~1 GB COG and report wall time, checksum throughput and peak memory.

Not a test. It writes a deterministic 3-band uint8 COG (16384 x 16384 pixels of noise inside a
tilted scene outline, uncompressed, so the file is as large as its pixels: about 1.07 GB with its
overviews) into --dir, reusing it when it is already there. Then it

1. times `rastercatalog.catalog.sources.source_checksum` on the file (-> MB/s, from disk and from cache);
2. runs `manage.py ingest FILE` in a subprocess and measures that subprocess's wall time and peak
   resident memory (wait4's rusage), once for a 1024 x 1024 raster (the fixed cost of Django, GDAL
   and rasterio) and once for the large one.

This process imports nothing heavy and does the generation and the checksum in helper
subprocesses: a child started with vfork/exec inherits its parent's peak RSS in ru_maxrss, so a
large parent would inflate the figure being measured.

The ingestion goes to a fresh SpatiaLite database in a temporary RASTERCATALOG_VAR_DIR, so the
development database is not touched. --database-url points it elsewhere; rows that a previous run
made there for the benchmark files (found by URI) are deleted first: every run is a full ingestion.
"Cold" figures are taken after dropping the file's pages from the page cache (posix_fadvise
DONTNEED), so they include reading from the disk (on a VM, perhaps from the host's cache); --warm
keeps the pages cached.

    .venv/bin/python bench/ingest.py [--dir /tmp/rastercatalog-bench] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ingest_data import cog_generate

ROOT = Path(__file__).resolve().parent.parent
SMALL_SIZE = 1024
PEAK_RSS_TARGET_MB = 300


@dataclass
class Run:
    """One `manage.py ingest` subprocess: its outcome and what it cost."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str

    @property
    def ingested(self) -> bool:
        return self.returncode == 0 and "ingested as raster" in self.stdout


def main() -> int:
    args = _parse_args()
    if args.step:
        return _step(args)
    directory = Path(args.dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    python = Path(args.python) if args.python else _project_python()
    compress = args.compress.upper()

    big = directory / f"noise_{args.size}x{args.size}x3_uint8_{compress.lower()}.tif"
    small = directory / f"noise_{SMALL_SIZE}x{SMALL_SIZE}x3_uint8_{compress.lower()}.tif"
    for path, size in ((small, SMALL_SIZE), (big, args.size)):
        if path.exists():
            print(f"reusing {path}")
            continue
        print(f"writing {path} …", flush=True)
        step = [f"--size={size}", f"--compress={compress}"]
        result = _helper(python, "generate", path, step, env=dict(os.environ))
        print(f"wrote {path} in {result['seconds']:.1f} s")

    with tempfile.TemporaryDirectory(prefix="rastercatalog-bench-") as var_dir:
        env = _ingest_env(var_dir, args.database_url)
        checksum = _helper(python, "checksum", big, ["--warm"] if args.warm else [], env=env)
        _prepare_database(python, env, [big, small])
        baseline = ingest_run(python, env, small, cold=not args.warm)
        run = ingest_run(python, env, big, cold=not args.warm)

    for label, result in (("small raster", baseline), ("large raster", run)):
        if not result.ingested:
            print(f"\n{label}: ingestion failed (exit {result.returncode})", file=sys.stderr)
            print(result.stdout + result.stderr, file=sys.stderr)

    passed = run.ingested and run.peak_rss_mb < PEAK_RSS_TARGET_MB
    size_mb = big.stat().st_size / 1e6
    first_pass = "warm" if args.warm else "cold"
    rows = [
        ("file", f"{big.name} ({args.size}x{args.size}, 3 x uint8, {compress}, COG)"),
        ("file size", f"{size_mb:,.0f} MB"),
        ("sha256", checksum["sha256"][:16] + "…"),
        (f"checksum ({first_pass})", f"{checksum['first_mb_s']:,.0f} MB/s"),
        ("checksum (page cache)", f"{checksum['cached_mb_s']:,.0f} MB/s"),
        (f"ingest wall time ({first_pass})", f"{run.wall_s:.1f} s"),
        ("ingest peak RSS", f"{run.peak_rss_mb:.0f} MB"),
        (
            f"  {SMALL_SIZE}x{SMALL_SIZE} raster",
            f"{baseline.peak_rss_mb:.0f} MB, {baseline.wall_s:.1f} s",
        ),
        ("database", _database_label(env["DATABASE_URL"])),
        ("GDAL_CACHEMAX", f"{env.get('GDAL_CACHEMAX', '64')} MB"),
        (
            "machine",
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {checksum['gdal']}",
        ),
        (f"target: peak RSS < {PEAK_RSS_TARGET_MB} MB", "PASS" if passed else "FAIL"),
    ]
    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return 0 if passed else 1


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--dir", default="/tmp/rastercatalog-bench", help="where the rasters are kept")
    add("--size", type=int, default=16384, help="pixels a side of the large raster")
    add("--compress", default="NONE", help="COG compression: NONE, DEFLATE, LZW, ZSTD…")
    add("--database-url", default="", help="ingest there instead of a temporary SpatiaLite")
    add("--warm", action="store_true", help="leave the files in the page cache")
    add("--python", default="", help="interpreter for manage.py (default: the project's .venv)")
    # Internal: the helper subprocesses.
    add("--step", choices=["generate", "checksum"], help=argparse.SUPPRESS)
    add("--path", help=argparse.SUPPRESS)
    return parser.parse_args()


def _project_python() -> Path:
    venv = ROOT / ".venv" / "bin" / "python"
    return venv if venv.exists() else Path(sys.executable)


def _helper(python: Path, step: str, path: Path, extra: list[str], *, env: dict) -> dict:
    """Run one step of this script in a subprocess and return the JSON it prints."""
    command = [str(python), __file__, f"--step={step}", f"--path={path}", *extra]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _step(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if args.step == "generate":
        result = {"seconds": cog_generate(path, size=args.size, compress=args.compress)}
    else:
        result = checksum_throughput(path, cold=not args.warm)
    print(json.dumps(result))
    return 0


# --- measurements -----------------------------------------------------------------------------


def _page_cache_drop(path: Path) -> None:
    """Ask the kernel to forget the file's cached pages, so the next read comes from disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def checksum_throughput(path: Path, *, cold: bool) -> dict:
    """Time the catalog's own checksum pass over `path`, first (cold) then from the page cache."""
    sys.path.insert(0, str(ROOT))
    import django
    from osgeo import gdal

    django.setup()
    from rastercatalog.catalog.sources import source_checksum, source_resolve

    source = source_resolve(str(path), trusted=True)
    speeds = []
    for attempt in range(2):
        if cold and attempt == 0:
            _page_cache_drop(path)
        started = time.perf_counter()
        digest, size = source_checksum(source)
        speeds.append(size / 1e6 / (time.perf_counter() - started))
    return {
        "sha256": digest,
        "first_mb_s": speeds[0],
        "cached_mb_s": speeds[1],
        "gdal": f"GDAL {gdal.__version__}",
    }


def ingest_run(python: Path, env: dict[str, str], path: Path, *, cold: bool) -> Run:
    """Run `manage.py ingest path` and measure that one subprocess (wall time, peak RSS)."""
    if cold:
        _page_cache_drop(path)
    command = [str(python), "manage.py", "ingest", str(path)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        # wait4 gives this child's own rusage; RUSAGE_CHILDREN would mix in every earlier child.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            returncode=process.returncode,
            wall_s=wall,
            peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


# --- environment ------------------------------------------------------------------------------


def _ingest_env(var_dir: str, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["RASTERCATALOG_VAR_DIR"] = var_dir
    # Explicit, so that a DATABASE_URL in the caller's environment or in .env is not used.
    env["DATABASE_URL"] = database_url or f"spatialite:///{var_dir}/db.sqlite3"
    env["DJANGO_SETTINGS_MODULE"] = "project.settings"
    env.setdefault("DJANGO_SECRET_KEY", "rastercatalog-bench-not-a-secret-" + "x" * 32)
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    env["CELERY_BROKER_URL"] = ""  # ingest inline, in the measured process
    env["REDIS_URL"] = ""
    return env


def _prepare_database(python: Path, env: dict[str, str], paths: list[Path]) -> None:
    """Migrate the database and remove rows a previous run made for the benchmark files."""
    manage = [str(python), "manage.py"]
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True}
    subprocess.run([*manage, "migrate", "--noinput"], **run)
    uris = [str(p) for p in paths]
    code = (
        f"from rastercatalog.models import Raster; Raster.objects.filter(uri__in={uris!r}).delete()"
    )
    subprocess.run([*manage, "shell", "-c", code], **run)


def _database_label(url: str) -> str:
    if url.startswith("spatialite:"):
        return "SpatiaLite (temporary)"
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…@{rest.rpartition('@')[2]}" if "@" in rest else url


if __name__ == "__main__":
    sys.exit(main())
