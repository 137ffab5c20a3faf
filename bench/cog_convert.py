"""Benchmark: convert a ~1 GB striped GeoTIFF to a COG; conversion time, peak RSS, tiles before/after.

Not a test. It writes a deterministic striped (not tiled, no overviews, uncompressed) 3-band uint8
GeoTIFF of --size x --size pixels into --dir (18900 -> 1.07 GB), reusing it when present. Then,
each step in its own subprocess so its wall time and peak resident memory are its own (wait4):

1. `manage.py ingest FILE` into a fresh SpatiaLite database under --dir (not the development one);
2. tile throughput before: --tiles-per-zoom tiles at each of the raster's native-3 .. native zooms,
   rendered in-process through the API view with Django's test client, every one a cache miss (a
   never-seen `nodata` value per pass), after a warm-up pass (not measured): once "cold" (the
   file's pages dropped from the page cache first, posix_fadvise DONTNEED) and once "warm";
3. `manage.py cog_convert ID` (rio-cogeo, DEFLATE + predictor, beside the original);
4. the same tiles again, now read from the COG.

    .venv/bin/python bench/cog_convert.py [--dir /tmp/rastercatalog-bench-cog] [--size 18900]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
MANAGE = [str(PYTHON), str(ROOT / "manage.py")]


def main() -> int:
    args = _parse_args()
    if args.generate:
        _generate(Path(args.generate), args.size)
        return 0
    if args.tiles:
        return _tiles(int(args.tiles), Path(args.original), args.tiles_per_zoom, args.label)
    directory = Path(args.dir).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    original = directory / f"striped_{args.size}_rgb_u8.tif"
    if not original.exists():
        print(f"writing {original} …", flush=True)
        step = _measured(
            [str(PYTHON), __file__, "--generate", str(original), "--size", str(args.size)]
        )
        print(f"  {original.stat().st_size / 1e9:.2f} GB in {step['wall']:.0f} s", flush=True)
    for old in directory.glob("*.cog.tif"):
        old.unlink()  # every run converts again
    var = Path(tempfile.mkdtemp(prefix="var-", dir=directory))
    (var / "static").mkdir()
    env = {
        key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "DATABASE_URL")
    }
    env.update(
        RASTERCATALOG_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",  # the test client speaks plain HTTP
        DJANGO_SECRET_KEY="rastercatalog-bench-not-a-secret-" + "x" * 32,
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        RASTERCATALOG_LOG_REQUESTS="false",
        GDAL_CACHEMAX="64",
    )
    subprocess.run([*MANAGE, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    ingest = _measured([*MANAGE, "ingest", str(original)], env=env)
    match = re.search(r"as raster (\d+)", ingest["stdout"])
    if not match:
        raise SystemExit(f"ingest said: {ingest['stdout']} {ingest['stderr'][-2000:]}")
    raster_id = match.group(1)
    tiles = [str(PYTHON), __file__, "--tiles", raster_id, "--original", str(original)]
    tiles += ["--tiles-per-zoom", str(args.tiles_per_zoom)]
    before = _measured([*tiles, "--label", "before"], env=env)
    if before["code"] != 0:
        raise SystemExit(f"tiles failed: {before['stdout']} {before['stderr'][-3000:]}")
    convert = _measured([*MANAGE, "cog_convert", raster_id], env=env)
    if convert["code"] != 0:
        raise SystemExit(f"cog_convert failed: {convert['stdout']} {convert['stderr'][-2000:]}")
    after = _measured([*tiles, "--label", "after"], env=env)
    if after["code"] != 0:
        raise SystemExit(f"tiles failed: {after['stdout']} {after['stderr'][-3000:]}")
    cog = next(directory.glob("*.cog.tif"))
    rate_before, rate_after = (
        json.loads(s["stdout"].strip().splitlines()[-1]) for s in (before, after)
    )
    size = original.stat().st_size
    print(f"\noriginal: {original.name}, {size / 1e9:.2f} GB striped, no overviews")
    print(
        f"COG:      {cog.name[:16]}…, {cog.stat().st_size / 1e9:.2f} GB (DEFLATE + predictor, overviews)"
    )
    print(f"ingest:      {ingest['wall']:7.1f} s, peak RSS {ingest['rss_mb']:6.0f} MB")
    print(
        f"cog_convert: {convert['wall']:7.1f} s, peak RSS {convert['rss_mb']:6.0f} MB "
        f"({size / 1e6 / convert['wall']:.0f} MB/s of original)"
    )
    print(f"tiles: {rate_before['count']} uncached tiles at z{rate_before['zooms']}, one process")
    for label, rate, step in (("before", rate_before, before), ("after", rate_after, after)):
        for cache in ("cold", "warm"):
            figures = rate[cache]
            print(
                f"  {label:<6} {cache}: {figures['tiles_per_s']:6.1f} tiles/s, "
                f"p50 {figures['p50_ms']:6.1f} ms, p95 {figures['p95_ms']:6.1f} ms "
                f"(peak RSS {step['rss_mb']:.0f} MB)"
            )
    ratios = ", ".join(
        f"{cache} x{rate_after[cache]['tiles_per_s'] / rate_before[cache]['tiles_per_s']:.1f}"
        for cache in ("cold", "warm")
    )
    print(
        f"tile throughput after / before: {ratios}; "
        f"{os.cpu_count()} CPUs, {platform.machine()}, GDAL_CACHEMAX=64"
    )
    return 0


def _measured(command: list[str], env: dict | None = None) -> dict:
    """Run `command`; its wall time and its own peak RSS (wait4, not RUSAGE_CHILDREN)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return {
            "code": os.waitstatus_to_exitcode(status),
            "wall": wall,
            "rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def _generate(path: Path, size: int) -> None:
    """A striped (ROWSPERSTRIP=16), uncompressed, overview-less 3 x uint8 scene in UTM 33N."""
    import numpy as np
    from osgeo import gdal, osr

    gdal.UseExceptions()
    partial = path.with_name(path.stem + ".partial.tif")
    options = ["TILED=NO", "BLOCKYSIZE=16", "INTERLEAVE=PIXEL", "BIGTIFF=IF_SAFER"]
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(partial), size, size, 3, gdal.GDT_Byte, options
    )
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    dataset.SetSpatialRef(srs)
    dataset.SetGeoTransform((400000.0, 10.0, 0.0, 5200000.0, 0.0, -10.0))
    rng = np.random.default_rng(20240615)
    cols = np.arange(size)
    for row in range(0, size, 512):
        y, x = np.meshgrid(np.arange(row, min(row + 512, size)), cols, indexing="ij")
        parcels = ((x // 257 * 7 + y // 193 * 13) % 11).astype(np.float32) * 9
        slow = 40 * np.sin(x / 700 + 0.3 * np.sin(y / 900)) + 30 * np.cos(y / 530 + x / 1300)
        for index, (base, gain) in enumerate(((70, 0.8), (85, 1.0), (60, 0.6)), start=1):
            band = base + slow * gain + parcels + rng.normal(0, 5, x.shape)
            dataset.GetRasterBand(index).WriteArray(np.clip(band, 1, 255).astype(np.uint8), 0, row)
    for index in (1, 2, 3):
        dataset.GetRasterBand(index).SetColorInterpretation(gdal.GCI_RedBand + index - 1)
    dataset = None
    partial.rename(path)


def _tiles(raster_id: int, original: Path, per_zoom: int, label: str) -> int:
    """Render a fixed sample of tiles in-process (the whole view), every one uncached."""
    import statistics

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.test import Client
    from tile_rasters import native_zooms, tile_sample

    # Native-3 .. native: without overviews the original is served from native-3
    # (RASTERCATALOG_TILE_UNDERZOOM), and the COG's coarser zooms have no "before" to compare.
    native = native_zooms(original)
    zooms = range(native.start + 1, native.stop)
    client = Client()
    url = f"/api/rasters/{raster_id}/tiles/{{}}.png?band=1,2,3&nodata={{}}"

    def run(tiles: list[str], nodata: int) -> list[float]:
        latencies = []
        for tile in tiles:
            started = time.perf_counter()
            response = client.get(url.format(tile, nodata))
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(
                    f"{label} {tile}: {response.status_code} {response.content[:300]!r}"
                )
        return latencies

    from rastercatalog.models import Raster

    run(tile_sample(original, zooms, per_zoom, 1), -1)  # warm-up: sources opened, imports done
    tiles = tile_sample(original, zooms, per_zoom, 2)
    result = {"count": len(tiles), "zooms": f"{zooms.start}-{zooms.stop - 1}"}
    # Cold: the file's pages dropped from the page cache first (so read from the disk, or on a VM
    # perhaps from the host's cache); warm: the same tiles again, a new cache key each.
    _drop_page_cache(Path(Raster.objects.get(pk=raster_id).uri))
    for name, nodata in (("cold", -1000), ("warm", -2000)):
        started = time.perf_counter()
        latencies = sorted(run(tiles, nodata))
        wall = time.perf_counter() - started
        result[name] = {
            "tiles_per_s": len(tiles) / wall,
            "p50_ms": statistics.median(latencies),
            "p95_ms": latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))],
        }
    print(json.dumps(result))
    return 0


def _drop_page_cache(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/rastercatalog-bench-cog")
    parser.add_argument(
        "--size", type=int, default=18900, help="pixels a side (18900: 1.07 GB; 6000: 108 MB)"
    )
    parser.add_argument("--tiles-per-zoom", type=int, default=16)
    # Internal: the helper subprocesses.
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--tiles", help=argparse.SUPPRESS)
    parser.add_argument("--original", help=argparse.SUPPRESS)
    parser.add_argument("--label", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
