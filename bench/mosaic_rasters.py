"""The rasters of bench/mosaic.py: stacks of overlapping scenes, a 1,000-raster grid, tile samples.

stack   N scenes of one area (a time series): 512 x 512 uint8 COGs in EPSG:4326 at 0.0005
        degrees (~40 m), each shifted by up to a tenth of its width, each with nodata "clouds"
        (a third of its pixels), acquired one day apart (the newest has the highest index).
grid    1,000 tiles of a survey: 40 x 25 COGs of 512 x 512 at 0.001 degrees (~90 m), edge to
        edge over lon 0-20.48, lat 35-47.8.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
SIZE = 512
STACK_PIXEL = 0.0005
STACK_ORIGIN = (10.0, 45.5)  # west, north
GRID_PIXEL = 0.001
GRID_COLUMNS, GRID_ROWS = 40, 25
GRID_ORIGIN = (0.0, 47.8)  # west, north
FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)


def stack_write(directory: Path, count: int, *, seed: int = 7) -> list[Path]:
    """Write (or reuse) the stack of `count` scenes, oldest first (the time is in the TIFF tags)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    scenes = []
    for index in range(count):
        path = directory / f"scene{index:04d}.tif"
        dx, dy = (rng.uniform(0, 0.1) * SIZE * STACK_PIXEL for _ in range(2))
        if not path.exists():
            west, north = STACK_ORIGIN[0] + dx, STACK_ORIGIN[1] - dy
            values = _scene(count * 10_000 + index, clouds=True)  # no two stacks share bytes
            acquired = FIRST_DAY + timedelta(days=index)
            _cog_write(path, values, west, north, STACK_PIXEL, acquired=acquired)
        scenes.append(path)
    return scenes


def stack_bounds(count: int) -> tuple[float, float, float, float]:
    """West, south, east, north of the stack's union (whatever the shifts)."""
    span = SIZE * STACK_PIXEL * 1.1
    west, north = STACK_ORIGIN
    return west, north - span, west + span, north


def grid_write(directory: Path) -> list[Path]:
    """Write (or reuse) the 1,000 COGs of the grid, row by row."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    span = SIZE * GRID_PIXEL
    for row in range(GRID_ROWS):
        for column in range(GRID_COLUMNS):
            path = directory / f"cell_r{row:02d}_c{column:02d}.tif"
            if not path.exists():
                west = GRID_ORIGIN[0] + column * span
                north = GRID_ORIGIN[1] - row * span
                _cog_write(path, _scene(row * GRID_COLUMNS + column), west, north, GRID_PIXEL)
            paths.append(path)
    return paths


def grid_bounds() -> tuple[float, float, float, float]:
    span = SIZE * GRID_PIXEL
    west, north = GRID_ORIGIN
    return west, north - GRID_ROWS * span, west + GRID_COLUMNS * span, north


def _scene(index: int, *, clouds: bool = False) -> np.ndarray:
    """Smooth fields plus a little texture, 1-255; clouds are nodata (0)."""
    rng = np.random.default_rng(index)
    y, x = np.mgrid[0:SIZE, 0:SIZE] / SIZE
    phase = rng.uniform(0, 2 * math.pi, 2)
    field = 128 + 80 * np.sin(6 * x + phase[0]) * np.cos(5 * y + phase[1])
    values = np.clip(field + rng.normal(0, 8, (SIZE, SIZE)), 1, 255).astype(np.uint8)
    if clouds:
        covered = np.zeros((SIZE, SIZE), bool)
        while covered.mean() < 1 / 3:
            cx, cy, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.2)
            covered |= (x - cx) ** 2 + (y - cy) ** 2 < r**2
        values[covered] = 0
    return values


def _cog_write(
    path: Path,
    values: np.ndarray,
    west: float,
    north: float,
    pixel: float,
    *,
    acquired: datetime | None = None,
) -> None:
    memory = gdal.GetDriverByName("MEM").Create("", SIZE, SIZE, 1, gdal.GDT_Byte)
    if acquired is not None:
        memory.SetMetadataItem("TIFFTAG_DATETIME", acquired.strftime("%Y:%m:%d %H:%M:%S"))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    memory.SetSpatialRef(srs)
    memory.SetGeoTransform((west, pixel, 0, north, 0, -pixel))
    band = memory.GetRasterBand(1)
    band.WriteArray(values)
    band.SetNoDataValue(0)
    options = ["COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKSIZE=256", "OVERVIEWS=AUTO"]
    gdal.Translate(str(path), memory, format="COG", creationOptions=options)


def tiles_over(
    bounds: tuple[float, float, float, float], zooms: range, count: int, seed: int
) -> list[str]:
    """`count` tiles per zoom meeting `bounds`, drawn at random (all of them when fewer)."""
    rng = random.Random(seed)
    west, south, east, north = bounds
    chosen = []
    for z in zooms:
        x0, y0 = tile_xy(west, north, z)
        x1, y1 = tile_xy(east, south, z)
        every = [f"{z}/{x}/{y}" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        chosen += every if len(every) <= count else rng.sample(every, count)
    return chosen


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def native_zoom(pixel_degrees: float, latitude: float) -> int:
    metres = pixel_degrees * 111319.49 * math.cos(math.radians(latitude))
    return math.ceil(math.log2(40075016.69 * math.cos(math.radians(latitude)) / (256 * metres)))
