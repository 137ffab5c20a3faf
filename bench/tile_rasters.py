"""The rasters and tiles of bench/tiles.py: three realistic COGs, and fixed samples of their tiles."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
from osgeo import gdal, osr

UTM_33N = 32633
WGS84 = 4326
MERCATOR_LAT = 85.0511
ORIGIN = (400000.0, 5200000.0)
gdal.UseExceptions()


# --- tiles -----------------------------------------------------------------------------------------


def bounds_lonlat(path: Path) -> tuple[float, float, float, float]:
    dataset = gdal.Open(str(path))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    x1, y1 = x0 + dx * dataset.RasterXSize, y0 + dy * dataset.RasterYSize
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    wgs84.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_wgs84 = osr.CoordinateTransformation(dataset.GetSpatialRef(), wgs84)
    corners = [to_wgs84.TransformPoint(x, y)[:2] for x in (x0, x1) for y in (y0, y1)]
    # The inner box: tiles inside it are inside the (slightly rotated) raster.
    lons, lats = sorted(c[0] for c in corners), sorted(c[1] for c in corners)
    return lons[1], lats[1], lons[2], lats[2]


def native_zooms(path: Path) -> range:
    dataset = gdal.Open(str(path))
    resolution = dataset.GetGeoTransform()[1]
    if dataset.GetSpatialRef().IsGeographic():
        resolution *= 111319.49  # metres per degree at the equator
    west, south, east, north = bounds_lonlat(path)
    ratio = 40075016.686 * math.cos(math.radians((south + north) / 2)) / (256 * resolution)
    native = math.ceil(math.log2(ratio))
    return range(native - 4, native + 1)


def tile_sample(path: Path, zooms: range, count: int, seed: int) -> list[str]:
    west, south, east, north = bounds_lonlat(path)
    south, north = max(south, -MERCATOR_LAT), min(north, MERCATOR_LAT)
    rng = random.Random(seed)
    tiles = []
    for z in zooms:
        x0, y0 = _tile_xy(west, north, z)
        x1, y1 = _tile_xy(east, south, z)
        inside = [(x, y) for x in range(x0 + 1, x1) for y in range(y0 + 1, y1)]
        tiles += [f"{z}/{x}/{y}" for x, y in rng.sample(inside, min(count, len(inside)))]
    return tiles


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


# --- rasters ----------------------------------------------------------------------------------------


def scene_write(path: Path, size: int = 10980) -> None:
    """Fields, slow gradients and sensor-like texture: compresses about as well as a real scene."""
    rng = np.random.default_rng(20240615)

    def strip(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        y, x = np.meshgrid(rows, cols, indexing="ij")
        parcels = ((x // 257 * 7 + y // 193 * 13) % 11).astype(np.float32) * 9
        slow = 40 * np.sin(x / 700 + 0.3 * np.sin(y / 900)) + 30 * np.cos(y / 530 + x / 1300)
        bands = [
            base + slow * gain + parcels * pgain + rng.normal(0, 5, x.shape)
            for base, gain, pgain in ((70, 0.8, 1.0), (85, 1.0, 0.7), (60, 0.6, 0.5))
        ]
        return np.clip(np.stack(bands), 1, 255).astype(np.uint8)

    _cog_write(path, size, 3, gdal.GDT_Byte, 10.0, strip, ["COMPRESS=DEFLATE"], None)


def world_write(path: Path, width: int = 14400) -> None:
    """A whole-Earth uint8 band in EPSG:4326 (continents of smooth noise, ocean at 0 = nodata)."""
    rng = np.random.default_rng(20240616)
    step = 360.0 / width

    def strip(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        y, x = np.meshgrid(rows * step, cols * step, indexing="ij")
        land = np.sin(x / 23) * np.cos(y / 17) + 0.6 * np.sin((x + 2 * y) / 9) + 0.3 * np.cos(x / 3)
        value = 60 + 90 * land + 40 * np.sin(y / 2) + rng.normal(0, 4, x.shape)
        value[land < -0.2] = 0
        return np.clip(value, 0, 255).astype(np.uint8)[np.newaxis]

    grid = (-180.0, step, 0.0, 90.0, 0.0, -step)
    _cog_write(path, (width, width // 2), 1, gdal.GDT_Byte, grid, strip, ["COMPRESS=DEFLATE"], 0.0)


def dem_write(path: Path, size: int = 5490) -> None:
    """Smooth relief (0-1500 m) with a nodata corner (-9999)."""

    def strip(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        y, x = np.meshgrid(rows, cols, indexing="ij")
        relief = 700 + 500 * np.sin(x / 450) * np.cos(y / 350) + 150 * np.sin((x + y) / 150)
        relief = relief.astype(np.float32) + np.float32(0.25) * np.sin(x * 1.7).astype(np.float32)
        relief[x + y < size * 0.3] = -9999
        return relief[np.newaxis]

    options = ["COMPRESS=DEFLATE", "PREDICTOR=YES"]
    _cog_write(path, size, 1, gdal.GDT_Float32, 20.0, strip, options, -9999.0)


def _cog_write(path, size, bands, dtype, resolution, strip, options, nodata) -> None:
    """`size`: a side or (width, height); `resolution`: metres in UTM 33N, or a geotransform."""
    width, height = size if isinstance(size, tuple) else (size, size)
    source = path.with_name(path.stem + ".source.tif")
    tiled = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "BIGTIFF=YES"]
    dataset = gdal.GetDriverByName("GTiff").Create(str(source), width, height, bands, dtype, tiled)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(WGS84 if isinstance(resolution, tuple) else UTM_33N)
    dataset.SetSpatialRef(srs)
    if isinstance(resolution, tuple):
        dataset.SetGeoTransform(resolution)
    else:
        dataset.SetGeoTransform((ORIGIN[0], resolution, 0.0, ORIGIN[1], 0.0, -resolution))
    cols = np.arange(width)
    for row in range(0, height, 512):
        block = strip(np.arange(row, min(row + 512, height)), cols)
        for index in range(bands):
            dataset.GetRasterBand(index + 1).WriteArray(block[index], 0, row)
    if nodata is not None:
        dataset.GetRasterBand(1).SetNoDataValue(nodata)
    dataset = None
    partial = path.with_name(path.stem + ".partial.tif")
    creation = [*options, "BLOCKSIZE=512", "OVERVIEW_RESAMPLING=AVERAGE", "NUM_THREADS=ALL_CPUS"]
    gdal.Translate(str(partial), str(source), format="COG", creationOptions=creation)
    source.unlink()
    partial.rename(path)  # a killed run never leaves a half-written file under the real name
