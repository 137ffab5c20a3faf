"""GDAL's floor for a tile of bench/tiles.py, taken apart: blocks, decoding, warping, PNG. Not a test.

For each raster of bench/tiles.py (in --dir, written there by bench/tiles.py), over the same tiles
as its in-process pass, it prints CPU milliseconds (time.process_time) of:

- a block: GDAL decoding one block of the full-resolution level (every block once, through
  Debian's GDAL, which large-image uses), and libdeflate inflating the same compressed bytes
  alone; the difference is what libtiff does after the inflate (the predictor, copies). Then the
  same blocks through rasterio's GDAL (the GDAL of rasterio's wheel, which TiTiler uses);
- the blocks a tile decodes: alone (an empty block cache: what every tile drawn from an overview
  decodes when warped from the whole file, as GDAL flushes that overview's blocks after each
  warp), and in the benchmark's order with the overviews kept open as render/overview_reads.py
  keeps them (blocks the tiles before it decoded are reused; the block cache never full);
- a tile (GDAL_CACHEMAX 64 MB, or --cache-mb), as bench/tiles_inprocess.py's floor makes it
  (warped from the whole file), then warped from the kept overview: creating the warped VRT (the
  warp options, the coordinate transformations, the overview choice), reading it (decoding,
  warping, nodata and alpha), then the plainest PNG.

    PYTHONPATH=. .venv/bin/python bench/tile_floor.py [--dir /tmp/rastercatalog-bench-tiles]
"""

from __future__ import annotations

import argparse
import ctypes
import time
from pathlib import Path

import numpy as np
import rasterio
from osgeo import gdal
from rasterio.windows import Window
from tile_rasters import native_zooms, tile_sample
from tiles_inprocess import png_plain, tile_bounds_m, tile_warp

from rastercatalog.render.overview_reads import OverviewChoice

gdal.UseExceptions()
RASTERS = {  # name: (file name in --dir, the float range scaled to bytes, as bench/tiles.py)
    "world": ("world_14400_4326_u8_deflate.tif", None),
    "rgb": ("scene_10980_rgb_u8_deflate.tif", None),
    "dem": ("dem_5490_f32_deflate.tif", (0, 1500)),
}
UNBOUNDED = 4096 * 2**20  # a block cache larger than any of the files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/rastercatalog-bench-tiles")
    parser.add_argument("--tiles-per-zoom", type=int, default=24)
    parser.add_argument("--cache-mb", type=int, default=64, help="GDAL_CACHEMAX of the tile steps")
    args = parser.parse_args()
    print(
        f"GDAL {gdal.__version__} ({_libtiff_version()}); rasterio's GDAL {rasterio.__gdal_version__}"
    )
    for name, (file_name, scale) in RASTERS.items():
        path = Path(args.dir) / file_name
        if not path.exists():
            print(f"{name}: {path} is missing (bench/tiles.py writes it)")
            continue
        zooms = native_zooms(path)
        tiles = [t for seed in (2, 3) for t in tile_sample(path, zooms, args.tiles_per_zoom, seed)]
        _report(name, path, tiles, scale, args.cache_mb)
    return 0


def _report(name: str, path: Path, tiles: list[str], scale, cache_mb: int) -> None:
    block_ms, inflate_ms, rasterio_ms, block_mb = _block_costs(path)
    alone, in_order = _blocks_per_tile(path, tiles)
    print(
        f"\n{name}: {path.name}, blocks of {block_mb:.2f} MB decoded\n"
        f"  a block: {block_ms:.2f} ms (inflate alone {inflate_ms:.2f}, the rest of libtiff "
        f"{block_ms - inflate_ms:.2f}); through rasterio's GDAL {rasterio_ms:.2f} ms\n"
        f"  blocks decoded a tile: {alone:.2f} alone, {in_order:.2f} in the benchmark's order"
    )
    for keep in (False, True):
        gdal.SetCacheMax(0)  # empties the cache
        gdal.SetCacheMax(cache_mb * 2**20)
        setup_ms, read_ms, png_ms = _tile_costs(path, tiles, scale, keep=keep)
        print(
            f"  a tile warped from {'the kept overview' if keep else 'the whole file'}: "
            f"{setup_ms + read_ms + png_ms:.2f} ms = warped VRT {setup_ms:.2f} + read "
            f"{read_ms:.2f} + PNG {png_ms:.2f}"
        )


def _block_costs(path: Path) -> tuple[float, float, float, float]:
    """CPU ms per full-resolution block: GDAL's decode, libdeflate alone, rasterio's GDAL."""
    previous = gdal.GetCacheMax()
    gdal.SetCacheMax(UNBOUNDED)
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    width, height = band.GetBlockSize()
    blocks = [
        (column, row)
        for row in range((band.YSize + height - 1) // height)
        for column in range((band.XSize + width - 1) // width)
    ]
    started = time.process_time()
    for column, row in blocks:
        for index in range(dataset.RasterCount):  # pixel-interleaved: one decode for all bands
            dataset.GetRasterBand(index + 1).ReadBlock(column, row)
    block_ms = (time.process_time() - started) * 1000 / len(blocks)
    item_bytes = gdal.GetDataTypeSize(band.DataType) // 8 * dataset.RasterCount
    inflate_ms = _inflate_ms(path, band, blocks, width * height * item_bytes)
    dataset = None
    gdal.SetCacheMax(previous)
    with rasterio.Env(GDAL_CACHEMAX=UNBOUNDED // 2**20), rasterio.open(path) as source:
        started = time.process_time()
        for column, row in blocks:
            source.read(window=Window(column * width, row * height, width, height))
        rasterio_ms = (time.process_time() - started) * 1000 / len(blocks)
    return block_ms, inflate_ms, rasterio_ms, width * height * item_bytes / 2**20


def _inflate_ms(path: Path, band: gdal.Band, blocks: list, raw_bytes: int) -> float:
    """CPU ms to inflate one block's DEFLATE stream with libdeflate, as libtiff does first."""
    library = ctypes.CDLL("libdeflate.so.0")
    library.libdeflate_alloc_decompressor.restype = ctypes.c_void_p
    inflate = library.libdeflate_zlib_decompress
    inflate.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    inflate.argtypes += [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    decompressor = library.libdeflate_alloc_decompressor()
    streams = []
    with open(path, "rb") as file:
        for column, row in blocks:
            file.seek(int(band.GetMetadataItem(f"BLOCK_OFFSET_{column}_{row}", "TIFF")))
            streams.append(
                file.read(int(band.GetMetadataItem(f"BLOCK_SIZE_{column}_{row}", "TIFF")))
            )
    output = ctypes.create_string_buffer(raw_bytes)
    started = time.process_time()
    for stream in streams:
        if inflate(decompressor, stream, len(stream), output, raw_bytes, None) != 0:
            raise RuntimeError(f"libdeflate cannot inflate a block of {path}")
    elapsed = time.process_time() - started
    library.libdeflate_free_decompressor.argtypes = [ctypes.c_void_p]
    library.libdeflate_free_decompressor(decompressor)
    return elapsed * 1000 / len(streams)


def _blocks_per_tile(path: Path, tiles: list[str]) -> tuple[float, float]:
    """Source blocks decoded per tile: each alone, then one after the other (blocks kept)."""
    previous = gdal.GetCacheMax()
    band = gdal.Open(str(path)).GetRasterBand(1)
    width, height = band.GetBlockSize()
    block_bytes = width * height * gdal.GetDataTypeSize(band.DataType) // 8
    counts = []
    for keep in (False, True):
        gdal.SetCacheMax(UNBOUNDED)
        source, decoded = _Source(path), 0
        for tile in tiles:
            if not keep:
                source = _Source(path)  # new handles: no block of their own in the cache
            used = gdal.GetCacheUsed()
            tile_warp(
                source.dataset(tile, keep=True), tile
            ).ReadAsArray()  # the VRT's blocks go with it
            decoded += gdal.GetCacheUsed() - used
        source = None
        gdal.SetCacheMax(0)  # empties the cache
        counts.append(decoded / block_bytes / len(tiles) / gdal.Open(str(path)).RasterCount)
    gdal.SetCacheMax(previous)
    return counts[0], counts[1]


def _tile_costs(path: Path, tiles: list[str], scale, *, keep: bool) -> tuple[float, float, float]:
    """CPU ms per tile of the floor's three steps, in the benchmark's order."""
    source = _Source(path)
    for tile in tiles[:3]:  # opened and warm, as after the benchmark's warm-up
        tile_warp(source.dataset(tile, keep=keep), tile).ReadAsArray()
    spent = [0.0, 0.0, 0.0]
    for tile in tiles:
        started = time.process_time()
        warped = tile_warp(source.dataset(tile, keep=keep), tile)
        created = time.process_time()
        pixels = warped.ReadAsArray()
        read = time.process_time()
        if scale is not None:
            low, high = scale
            pixels = np.clip((pixels - low) * (255.0 / (high - low)), 0, 255).astype(np.uint8)
        png_plain(np.ascontiguousarray(np.moveaxis(pixels, 0, 2)))
        done = time.process_time()
        for index, step in enumerate((created - started, read - created, done - read)):
            spent[index] += step
    return tuple(step * 1000 / len(tiles) for step in spent)


class _Source:
    """A file opened once, and its overviews opened on their own as render/overview_reads.py does."""

    def __init__(self, path: Path) -> None:
        self.whole = gdal.Open(str(path))
        self.choice = OverviewChoice(
            self.whole,
            source_srs=self.whole.GetProjection(),
            tile_srs="EPSG:3857",
            open_level=lambda level: gdal.OpenEx(
                str(path), open_options=[f"OVERVIEW_LEVEL={level}"]
            ),
        )

    def dataset(self, tile: str, *, keep: bool) -> gdal.Dataset:
        """The whole file, or (`keep`) the overview GDAL's warp picks for the tile, kept open."""
        if not keep:
            return self.whole
        *bounds, span = tile_bounds_m(tile)
        level = self.choice.level(tuple(bounds), span / 256)
        return self.whole if level is None or level < 0 else self.choice.dataset(level)


def _libtiff_version() -> str:
    library = ctypes.CDLL("libtiff.so.6")
    library.TIFFGetVersion.restype = ctypes.c_char_p
    return library.TIFFGetVersion().decode().splitlines()[0]


if __name__ == "__main__":
    raise SystemExit(main())
