"""render/overview_reads.py: tiles drawn from an overview read the level GDAL picks, kept open.

GDAL's warp wraps the overview it reads in a dataset that flushes the overview's decoded blocks
when the tile's warped VRT is closed; tiles are warped from a kept dataset of that level instead.
The pixels must stay GDAL's own: the level is held to the one GDAL picks, tile by tile, and the
tiles to GDAL's own warp from the whole file.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from osgeo import gdal

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.geo.webmercator import tile_for_lonlat, zoom_range
from rastercatalog.render.source import RAW_STYLE, tilesource_open, tilesource_tile

pytestmark = pytest.mark.django_db(transaction=True)

UTM_33N = 32633
SIZE = 2048  # 256-pixel blocks: overviews of 1024, 512 and 256 pixels
COG = ["COMPRESS=DEFLATE", "PREDICTOR=YES", "BLOCKSIZE=256", "OVERVIEW_RESAMPLING=AVERAGE"]


@pytest.fixture
def dem(write_raster):
    """A float32 DEM in UTM 33N at 20 m, with a nodata corner, as a COG with three overviews."""
    rows, columns = np.mgrid[0:SIZE, 0:SIZE]
    relief = (700 + 500 * np.sin(columns / 90) * np.cos(rows / 70)).astype(np.float32)
    relief[rows + columns < SIZE // 3] = -9999
    geotransform = (400000.0, 20.0, 0.0, 5200000.0, 0.0, -20.0)
    path = write_raster(
        "dem.tif",
        relief,
        epsg=UTM_33N,
        geotransform=geotransform,
        nodata=-9999,
        cog=True,
        options=COG,
    )
    return raster_ingest(uri=str(path), trusted=True).raster


@pytest.fixture
def world(write_raster):
    """A uint8 band in EPSG:4326 over 40 x 20 degrees, as a COG with three overviews."""
    rows, columns = np.mgrid[0 : SIZE // 2, 0:SIZE]
    values = ((rows * 7 + columns * 3) % 251).astype(np.uint8)
    geotransform = (-20.0, 40.0 / SIZE, 0.0, 50.0, 0.0, -40.0 / SIZE)
    path = write_raster("world.tif", values, geotransform=geotransform, cog=True)
    return raster_ingest(uri=str(path), trusted=True).raster


def _odd_cog(write_raster, name: str, *, crs: str, geotransform: tuple, width: int = 1024):
    """A uint8 COG with overviews in an odd CRS: values vary per pixel, so any other level shows."""
    rows, columns = np.mgrid[0 : width // 2, 0:width]
    values = ((rows * 7 + columns * 3) % 251 + 1).astype(np.uint8)
    path = write_raster(f"{name}.tif", values, crs=crs, geotransform=geotransform, cog=True)
    return raster_ingest(uri=str(path), trusted=True).raster


@pytest.fixture
def polar(write_raster):
    """Antarctic polar stereographic over the pole (the tiles cross the antimeridian)."""
    return _odd_cog(
        write_raster, "polar", crs="EPSG:3031", geotransform=(-2e6, 4000.0, 0, 1e6, 0, -4000.0)
    )


@pytest.fixture
def rotated(write_raster):
    """UTM 33N with a rotated grid (geotransform terms b and d)."""
    return _odd_cog(
        write_raster,
        "rotated",
        crs="EPSG:32633",
        geotransform=(400000.0, 17.3, 10.0, 5200000.0, 10.0, -17.3),
    )


@pytest.fixture
def geostationary(write_raster):
    """A geostationary disk (corners past the Earth's limb: infinite in any other CRS)."""
    return _odd_cog(
        write_raster,
        "geos",
        crs="+proj=geos +h=35785831 +lon_0=0 +sweep=y +ellps=WGS84 +units=m +no_defs",
        geotransform=(-5568748.0, 10877.0, 0, 5568748.0, 0, -10877.0 * 2),
    )


def _tiles(raster, zooms: range) -> list[tuple[int, int, int]]:
    """Every tile of each zoom over the raster's bounding box, at most 40 per zoom."""
    west, south, east, north = raster.bbox
    south, north = max(south, -85.0), min(north, 85.0)  # Web Mercator stops short of the poles
    tiles = []
    for z in (z for z in zooms if z >= 0):
        first, last = tile_for_lonlat(west, north, z)[0], tile_for_lonlat(east, south, z)[0]
        columns, rows = range(first.x, last.x + 1), range(first.y, last.y + 1)
        tiles += [(z, x, y) for x in columns for y in rows][:40]
    return tiles


def _gdal_warp(source, z: int, x: int, y: int) -> tuple[np.ndarray, int]:
    """The tile as large-image warps it from the whole file, and the overview level GDAL picked."""
    west, south, east, north = source.getTileCorners(z, x, y)
    resolution = (source.unitsAcrossLevel0 / source.tileSize) * (2**-z)
    messages = []
    gdal.SetThreadLocalConfigOption("CPL_DEBUG", "WARP")
    gdal.PushErrorHandler(lambda _class, _number, message: messages.append(message))
    try:
        warped = gdal.Warp(
            "",
            source.dataset,
            format="VRT",
            srcSRS=source._warpSRS[0],
            dstSRS=source._warpSRS[1],
            dstAlpha=True,
            resampleAlg=gdal.GRA_NearestNeighbour,
            multithread=True,
            polynomialOrder=1,
            xRes=resolution,
            yRes=resolution,
            outputBounds=[west, south, east, north],
        )
    finally:
        gdal.PopErrorHandler()
        gdal.SetThreadLocalConfigOption("CPL_DEBUG", None)
    picked = [re.search(r"Selecting overview level (\d+)", text) for text in messages]
    level = next((int(match.group(1)) for match in picked if match), -1)
    return np.moveaxis(warped.ReadAsArray(), 0, 2), level


@pytest.mark.parametrize("name", ["dem", "world", "polar", "rotated", "geostationary"])
def test_tiles_have_the_pixels_and_level_of_gdals_own_warp(name, request):
    raster = request.getfixturevalue(name)
    source = tilesource_open(raster, style=RAW_STYLE)
    native = zoom_range(raster).native
    levels = set()
    for z, x, y in _tiles(raster, range(native - 4, native + 1)):
        expected, level = _gdal_warp(source, z, x, y)
        corners = source.getTileCorners(z, x, y)
        resolution = (source.unitsAcrossLevel0 / source.tileSize) * (2**-z)
        # None: too close to call (or a grid GDAL places its own way), and GDAL picks as before.
        chosen = source._overview_choice.level(corners, resolution)
        assert chosen in (level, None), (z, x, y)
        tile = tilesource_tile(raster, z=z, x=x, y=y)
        if tile.shape != expected.shape:
            # large-image answers a blank RGBA tile where its own bounds say the raster is not
            # (before any warp, so whatever level would be read), as it did before.
            assert not tile.any(), (z, x, y)
            continue
        if expected[:, :, -1].any():  # large-image answers a blank tile outside the raster
            np.testing.assert_array_equal(tile, expected.astype(tile.dtype), err_msg=f"{z}/{x}/{y}")
        levels.add(level)
    if name in ("dem", "world"):
        assert levels == {-1, 0, 1, 2}  # full resolution and every overview were read
    else:
        assert len(levels) >= 2, levels  # overviews were read, not only the full resolution


def test_an_overview_tile_leaves_its_blocks_in_gdals_cache(dem):
    z = zoom_range(dem).native - 2  # drawn from the first overview
    west, south, east, north = dem.bbox
    tile = tile_for_lonlat((west + east) / 2, (south + north) / 2, z)[0]
    x, y = tile.x, tile.y
    source = tilesource_open(dem, style=RAW_STYLE)
    corners = source.getTileCorners(z, x, y)
    assert source._overview_choice.level(corners, source.unitsAcrossLevel0 / 256 / 2**z) == 0
    before = gdal.GetCacheUsed()
    tilesource_tile(dem, z=z, x=x, y=y)
    # A 256 x 256 float32 block is 256 KB; GDAL's own wrapper would have flushed them all.
    assert gdal.GetCacheUsed() - before >= 256 * 256 * 4
