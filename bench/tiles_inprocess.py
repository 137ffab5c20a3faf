"""In-process CPU per uncached tile: GDAL's own floor against our whole Django path. Not a test.

Run by bench/tiles.py in a process of its own (the servers' environment, a fresh GDAL block
cache), with a JSON job on stdin: [{"name", "path", "id", "query", "scale", "warmup", "tiles"}].
For each raster it prints one JSON line with CPU milliseconds per tile (time.process_time, so
GDAL's warping threads count too):

- floor: what GDAL itself needs for the same tile: the warp large-image asks GDAL for (a VRT to
  Web Mercator, nearest neighbour, first-order polynomial, with an alpha band), reading it, and
  the plainest PNG of the pixels (no row filter, zlib level 1; float bands scaled to bytes first).
  (GDAL's PNG driver at ZLEVEL=1 is slower: libpng tries every row filter; 13.9 ms a scene tile);
- ours: GET /api/rasters/<id>/tiles/z/x/y.png?<query> through Django's test client with the tile
  cache disabled (Django's dummy cache): URL routing, middleware, the view, the catalog lookup,
  large-image, colouring, the PNG and the response, as a server runs them, without HTTP.

Both read from a source opened during the warm-up (other tiles), as a warm server does.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
import zlib

import numpy as np
from osgeo import gdal

gdal.UseExceptions()
HALF_WORLD = 20037508.342789244


def main() -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    django.setup()
    from django.test import Client
    from django.test.utils import override_settings

    jobs = json.load(sys.stdin)
    no_cache = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    with override_settings(CACHES=no_cache, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        for job in jobs:
            print(json.dumps(_measure(client, job)), flush=True)
    return 0


def _measure(client, job: dict) -> dict:
    dataset, scale = gdal.Open(job["path"]), job.get("scale")
    url = f"/api/rasters/{job['id']}/tiles/{{}}.png?{job['query']}"
    floor_tile(dataset, job["warmup"][0], scale)
    for tile in job["warmup"]:
        _get(client, url.format(tile))
    floor = _cpu_ms(lambda tile: floor_tile(dataset, tile, scale), job["tiles"])
    ours = _cpu_ms(lambda tile: _get(client, url.format(tile)), job["tiles"])
    return {"name": job["name"], "floor_ms": floor, "ours_ms": ours}


def _cpu_ms(work, tiles: list[str]) -> float:
    started = time.process_time()
    for tile in tiles:
        work(tile)
    return (time.process_time() - started) * 1000 / len(tiles)


def _get(client, url: str) -> bytes:
    response = client.get(url)
    if response.status_code != 200 or not response.content.startswith(b"\x89PNG"):
        raise RuntimeError(f"GET {url}: {response.status_code} {response.content[:200]!r}")
    return response.content


def tile_bounds_m(tile: str) -> tuple[float, float, float, float, float]:
    """West, south, east and north of a Web Mercator tile in metres, and its side."""
    z, x, y = (int(part) for part in tile.split("/"))
    span = 2 * HALF_WORLD / 2**z
    west, north = -HALF_WORLD + x * span, HALF_WORLD - y * span
    return west, north - span, west + span, north, span


def tile_warp(dataset: gdal.Dataset, tile: str) -> gdal.Dataset:
    """The warped VRT large-image asks GDAL for: nearest neighbour, first-order polynomial, alpha."""
    west, south, east, north, span = tile_bounds_m(tile)
    return gdal.Warp(
        "",
        dataset,
        format="VRT",
        srcSRS=dataset.GetProjection(),
        dstSRS="EPSG:3857",
        dstAlpha=True,
        resampleAlg=gdal.GRA_NearestNeighbour,
        multithread=True,
        polynomialOrder=1,
        xRes=span / 256,
        yRes=span / 256,
        outputBounds=[west, south, east, north],
    )


def floor_tile(dataset: gdal.Dataset, tile: str, scale: list | None = None) -> bytes:
    """Warp, read and PNG-encode one 256-pixel Web Mercator tile with GDAL alone."""
    warped = tile_warp(dataset, tile)
    pixels = warped.ReadAsArray()  # bands x rows x columns, alpha last
    if scale is not None:  # float bands: to bytes, as a PNG needs
        low, high = scale
        pixels = np.clip((pixels - low) * (255.0 / (high - low)), 0, 255).astype(np.uint8)
    return png_plain(np.ascontiguousarray(np.moveaxis(pixels, 0, 2)))


def png_plain(pixels: np.ndarray) -> bytes:
    """The least a PNG needs: no row filter, zlib level 1 (gray + alpha, or RGBA)."""
    rows, columns, channels = pixels.shape
    scanlines = np.zeros((rows, columns * channels + 1), np.uint8)
    scanlines[:, 1:] = pixels.reshape(rows, -1)
    colour_type = {2: 4, 4: 6}[channels]
    header = struct.pack(">IIBBBBB", columns, rows, 8, colour_type, 0, 0, 0)
    chunks = [(b"IHDR", header), (b"IDAT", zlib.compress(scanlines.tobytes(), 1)), (b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )


if __name__ == "__main__":
    sys.exit(main())
