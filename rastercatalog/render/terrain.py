"""Terrain algorithms on a DEM band: hillshade, slope and aspect, as Web Mercator tiles.

They need each pixel's neighbours, so a tile is read with a BUFFER of pixels around it: the band is
warped (bilinear, GDAL picking the overview) into the tile's own EPSG:3857 grid widened by BUFFER
pixels each side, the gradients are computed, and the buffer is cut away. Neighbouring tiles read
the same pixels at the same positions of the same grid, so their shared edges agree (no seams).

Gradients use Horn's 3 x 3 weights, as `gdaldem` does, over the true ground size of a pixel, per
row: an EPSG:3857 pixel of `res` metres covers `res * cos(lat) * N / R` metres of WGS84 ground
east-west and `res * cos(lat) * M / R` north-south (R the sphere's radius EPSG:3857 projects on, N
and M the ellipsoid's radii of curvature: the two differ by up to 0.7 %, since EPSG:3857 applies the
sphere's formulas to ellipsoidal latitudes). Heights are assumed to be in metres; `zfactor` scales
them (e.g. 0.3048 for feet).
"""

from __future__ import annotations

import math

import numpy as np
from osgeo import gdal

from ..errors import RasterFileUnavailable
from ..geo.pixelgrid import Grid, Window
from ..geo.webmercator import GRID, MERCATOR_HALF_WORLD, Tile
from ..models import Raster
from .source import tilesource_dataset
from .windows import bands_read, read_errors

BUFFER = 1
WGS84_A = 6378137.0
WGS84_E2 = 6.69437999014e-3  # first eccentricity squared


def terrain_tile(
    raster: Raster,
    *,
    tile: Tile,
    size: int,
    band: int,
    algorithm: str,
    azimuth: float,
    altitude: float,
    zfactor: float,
) -> np.ndarray:
    """The algorithm's float32 values over one tile of `size` pixels (NaN where there is no data)."""
    heights = terrain_heights(raster, tile=tile, size=size, band=band)
    ground = tile_ground(tile, size)
    return terrain_compute(
        heights, ground, algorithm=algorithm, azimuth=azimuth, altitude=altitude, zfactor=zfactor
    )


def terrain_compute(
    heights: np.ndarray,
    ground: np.ndarray,
    *,
    algorithm: str,
    azimuth: float = 315.0,
    altitude: float = 45.0,
    zfactor: float = 1.0,
    grid_north: float = 0.0,
) -> np.ndarray:
    """Slope (degrees), aspect (degrees from north, NaN where flat) or hillshade (0-255).

    `heights`: rows x columns with a 1-pixel border that is not returned; `ground`: the ground size
    of a pixel in metres east-west and north-south, a (rows, 2) array for the returned rows;
    `grid_north`: the bearing (degrees clockwise from true north) of the grid's columns upwards,
    0 for Web Mercator tiles, which turns the gradients to true north.
    """
    east, north = _gradients(heights.astype(np.float64) * zfactor, ground)
    if grid_north:
        turn = math.radians(grid_north)
        east, north = (
            east * math.cos(turn) + north * math.sin(turn),
            north * math.cos(turn) - east * math.sin(turn),
        )
    with np.errstate(invalid="ignore"):
        slope = np.arctan(np.hypot(east, north))
        # Aspect is the compass bearing the slope faces: the direction of steepest descent.
        aspect = np.arctan2(-east, -north)
        if algorithm == "slope":
            result = np.degrees(slope)
        elif algorithm == "aspect":
            result = np.where((east == 0) & (north == 0), np.nan, np.degrees(aspect) % 360.0)
        else:
            zenith = math.radians(90.0 - altitude)
            light = math.radians(azimuth)
            shade = math.cos(zenith) * np.cos(slope) + math.sin(zenith) * np.sin(slope) * np.cos(
                light - aspect
            )
            result = 255.0 * np.clip(shade, 0.0, 1.0)
    return result.astype(np.float32)


def terrain_pixel(
    raster: Raster,
    *,
    col: int,
    row: int,
    band: int,
    algorithm: str,
    azimuth: float,
    altitude: float,
    zfactor: float,
) -> float | None:
    """The algorithm at one pixel of the raster's own grid, from its 3 x 3 neighbours at full
    resolution (None: no data there or at a neighbour, or flat for aspect)."""
    heights = np.full((3, 3), np.nan, np.float64)
    col0, row0 = max(col - 1, 0), max(row - 1, 0)
    col1, row1 = min(col + 2, raster.width), min(row + 2, raster.height)
    window = Window(col0, row0, col1 - col0, row1 - row0)
    with tilesource_dataset(raster) as dataset, read_errors():
        stack, valid = bands_read(dataset, bands=[band], window=window)
    block = np.where(valid, stack[:, :, 0].astype(np.float64), np.nan)
    heights[row0 - row + 1 : row1 - row + 1, col0 - col + 1 : col1 - col + 1] = block
    across, along, grid_north = Grid.of(raster).ground_axes(col, row)
    value = terrain_compute(
        heights,
        np.array([[across, along]]),
        algorithm=algorithm,
        azimuth=azimuth,
        altitude=altitude,
        zfactor=zfactor,
        grid_north=grid_north,
    )[0, 0]
    return float(value) if np.isfinite(value) else None


def _gradients(z: np.ndarray, ground: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horn's dz/d(east) and dz/d(north) of the inner pixels (rows run from north to south)."""
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    east = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * ground[:, 0:1])
    north = ((a + 2 * b + c) - (g + 2 * h + i)) / (8.0 * ground[:, 1:2])
    return east, north


def terrain_heights(raster: Raster, *, tile: Tile, size: int, band: int) -> np.ndarray:
    """The band warped (bilinear, float32, NaN: no data) to the tile's grid widened by BUFFER pixels.

    A mosaic combines these grids of its rasters before the algorithm runs (mosaic_analysis.py).
    """
    west, south, east, north = GRID.xy_bounds(tile.x, tile.y, tile.z)
    resolution = (east - west) / size
    pad = BUFFER * resolution
    bounds = (west - pad, south - pad, east + pad, north + pad)
    side = size + 2 * BUFFER
    with tilesource_dataset(raster) as dataset:
        try:
            source = dataset
            if dataset.RasterCount > 1:
                # GDAL 3.6's warper has no band selection: a one-band virtual view of the dataset,
                # keeping the band's mask ("mask": an alpha band too, which "auto" would drop, so
                # a collection overview's empty pixels would otherwise be heights of 0).
                source = gdal.Translate("", dataset, format="VRT", bandList=[band], maskBand="mask")
            heights = heights_warp(source, bounds, side)
        except RuntimeError as exc:
            raise RasterFileUnavailable(f"tile {tile} cannot be read for terrain: {exc}") from exc
    return heights


def tile_ground(tile: Tile, size: int) -> np.ndarray:
    """The ground size (metres east-west, north-south) of each row's pixels of a tile of `size`."""
    west, _, east, north = GRID.xy_bounds(tile.x, tile.y, tile.z)
    resolution = (east - west) / size
    rows = north - (np.arange(size) + 0.5) * resolution
    latitudes = np.arctan(np.sinh(rows * math.pi / MERCATOR_HALF_WORLD))
    return ground_size(latitudes, resolution)


def ground_size(latitudes: np.ndarray, resolution: float) -> np.ndarray:
    """Ground metres (east-west, north-south) of an EPSG:3857 pixel of `resolution` at `latitudes`."""
    sine2 = np.sin(latitudes) ** 2
    normal = WGS84_A / np.sqrt(1 - WGS84_E2 * sine2)  # N
    meridian = WGS84_A * (1 - WGS84_E2) / (1 - WGS84_E2 * sine2) ** 1.5  # M
    scale = resolution * np.cos(latitudes) / (MERCATOR_HALF_WORLD / math.pi)
    return np.stack([scale * normal, scale * meridian], axis=1)


def heights_warp(source: gdal.Dataset, bounds: tuple, side: int) -> np.ndarray:
    """Warp one band of heights bilinearly into a square EPSG:3857 grid; NaN where none fall."""
    warped = gdal.Warp(
        "",
        source,
        format="MEM",
        outputBounds=bounds,
        width=side,
        height=side,
        dstSRS="EPSG:3857",
        resampleAlg="bilinear",
        outputType=gdal.GDT_Float32,
        dstNodata=float("nan"),
        multithread=False,
    )
    return warped.GetRasterBand(1).ReadAsArray()
