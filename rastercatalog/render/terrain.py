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
from ..geo.webmercator import GRID, MERCATOR_HALF_WORLD, Tile
from ..models import Raster
from .source import tilesource_dataset

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
    heights, ground = _buffered_tile(raster, tile=tile, size=size, band=band)
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
) -> np.ndarray:
    """Slope (degrees), aspect (degrees from north, NaN where flat) or hillshade (0-255).

    `heights`: rows x columns with a 1-pixel border that is not returned; `ground`: the ground size
    of a pixel in metres east-west and north-south, a (rows, 2) array for the returned rows.
    """
    east, north = _gradients(heights.astype(np.float64) * zfactor, ground)
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


def _gradients(z: np.ndarray, ground: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horn's dz/d(east) and dz/d(north) of the inner pixels (rows run from north to south)."""
    a, b, c = z[:-2, :-2], z[:-2, 1:-1], z[:-2, 2:]
    d, f = z[1:-1, :-2], z[1:-1, 2:]
    g, h, i = z[2:, :-2], z[2:, 1:-1], z[2:, 2:]
    east = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * ground[:, 0:1])
    north = ((a + 2 * b + c) - (g + 2 * h + i)) / (8.0 * ground[:, 1:2])
    return east, north


def _buffered_tile(
    raster: Raster, *, tile: Tile, size: int, band: int
) -> tuple[np.ndarray, np.ndarray]:
    """The band warped to the tile's grid widened by BUFFER pixels, and each inner row's ground size."""
    west, south, east, north = GRID.xy_bounds(tile.x, tile.y, tile.z)
    resolution = (east - west) / size
    pad = BUFFER * resolution
    bounds = (west - pad, south - pad, east + pad, north + pad)
    side = size + 2 * BUFFER
    with tilesource_dataset(raster) as dataset:
        try:
            source = dataset
            if dataset.RasterCount > 1:
                # GDAL 3.6's warper has no band selection: a one-band virtual view of the dataset.
                source = gdal.Translate("", dataset, format="VRT", bandList=[band])
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
            heights = warped.GetRasterBand(1).ReadAsArray()
        except RuntimeError as exc:
            raise RasterFileUnavailable(f"tile {tile} cannot be read for terrain: {exc}") from exc
    rows = north - (np.arange(size) + 0.5) * resolution
    latitudes = np.arctan(np.sinh(rows * math.pi / MERCATOR_HALF_WORLD))
    return heights, ground_size(latitudes, resolution)


def ground_size(latitudes: np.ndarray, resolution: float) -> np.ndarray:
    """Ground metres (east-west, north-south) of an EPSG:3857 pixel of `resolution` at `latitudes`."""
    sine2 = np.sin(latitudes) ** 2
    normal = WGS84_A / np.sqrt(1 - WGS84_E2 * sine2)  # N
    meridian = WGS84_A * (1 - WGS84_E2) / (1 - WGS84_E2 * sine2) ** 1.5  # M
    scale = resolution * np.cos(latitudes) / (MERCATOR_HALF_WORLD / math.pi)
    return np.stack([scale * normal, scale * meridian], axis=1)
