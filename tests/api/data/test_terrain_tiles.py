"""Terrain algorithms on tiles: GET …/tiles/{z}/{x}/{y}.png?algorithm=hillshade|slope|aspect.

DEMs in UTM 33N (30 m pixels, heights in metres): a plane rising 0.1 m per metre eastwards, whose
slope (5.71 degrees), aspect (270: it faces west) and hillshade are known in closed form; and a
curved surface whose tiles must join without seams.
"""

from __future__ import annotations

import io
import math

import numpy as np
import PIL.Image
import pytest
from django.core.cache import cache
from pyproj import Transformer

from rastercatalog.geo.webmercator import tile_for_lonlat

pytestmark = pytest.mark.django_db

GEOTRANSFORM = (480000.0, 30.0, 0.0, 5000000.0, 0.0, -30.0)  # 400 x 400 pixels: 12 km
TO_LONLAT = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True)
CENTRE = TO_LONLAT.transform(486000.0, 4994000.0)
Z = 12


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    if isinstance(cache._cache, dict):
        cache.clear()


def grid() -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[0:400, 0:400]
    return 480000.0 + (cols + 0.5) * 30.0, 5000000.0 - (rows + 0.5) * 30.0


@pytest.fixture
def plane(write_raster, catalogue_local):
    east, _ = grid()
    heights = (1000.0 + 0.1 * (east - 480000.0)).astype(np.float32)
    path = write_raster("plane.tif", heights, epsg=32633, geotransform=GEOTRANSFORM, cog=True)
    return catalogue_local(path)


@pytest.fixture
def hills(write_raster, catalogue_local):
    east, north = grid()
    heights = 500 + 200 * np.sin(east / 700.0) * np.cos(north / 900.0)
    heights[:40, :40] = -9999  # a corner of nodata
    path = write_raster(
        "hills.tif",
        heights.astype(np.float32),
        epsg=32633,
        geotransform=GEOTRANSFORM,
        nodata=-9999,
        cog=True,
    )
    return catalogue_local(path)


def fetch(api, raster, tile, suffix="", **query) -> np.ndarray | None:
    response = api.get(f"/api/rasters/{raster.pk}/tiles/{tile}{suffix}.png", query)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.content
    return np.asarray(PIL.Image.open(io.BytesIO(response.content)).convert("RGBA"))


def interior(image: np.ndarray) -> np.ndarray:
    """The grey values of opaque pixels away from the raster's edges (bilinear edges differ)."""
    opaque = image[:, :, 3] == 255
    inner = opaque.copy()
    for shift in (-3, 3):
        inner &= np.roll(opaque, shift, axis=0) & np.roll(opaque, shift, axis=1)
    return image[:, :, 0][inner].astype(float)


def test_slope_of_a_plane_is_its_angle_in_degrees(api, plane):
    tile, _, _ = tile_for_lonlat(*CENTRE, Z)
    image = fetch(api, plane, tile, algorithm="slope", min=0, max=10)
    values = interior(image)
    assert values.size > 30000
    expected = math.degrees(math.atan(0.1)) * 25.5  # 5.71 degrees on 0-10 -> grey 145.6
    assert abs(np.median(values) - expected) <= 1
    assert np.abs(values - expected).max() <= 2


def test_algorithm_reads_the_band_asked_for(api, write_raster, catalogue_local):
    east, _ = grid()
    plane = (1000.0 + 0.1 * (east - 480000.0)).astype(np.float32)
    stack = np.stack([np.full_like(plane, 5.0), plane])
    raster = catalogue_local(
        write_raster("two.tif", stack, epsg=32633, geotransform=GEOTRANSFORM, cog=True)
    )
    tile, _, _ = tile_for_lonlat(*CENTRE, Z)
    flat = interior(fetch(api, raster, tile, algorithm="slope", band=1, min=0, max=10))
    tilted = interior(fetch(api, raster, tile, algorithm="slope", band=2, min=0, max=10))
    assert flat.max() == 0
    assert abs(np.median(tilted) - math.degrees(math.atan(0.1)) * 25.5) <= 1
    response = api.get(f"/api/rasters/{raster.pk}/tilejson.json", {"algorithm": "slope"})
    assert response.status_code == 400 and "pass band=N" in response.json()["detail"]


def test_aspect_of_a_plane_rising_east_is_west(api, plane):
    tile, _, _ = tile_for_lonlat(*CENTRE, Z)
    image = fetch(api, plane, tile, algorithm="aspect", min=260, max=280)
    values = interior(image)
    # 270 degrees on 260-280 -> grey 127.5; UTM's grid is turned 0.15 degrees from north here.
    assert abs(np.median(values) - 127.5) <= 4


def test_hillshade_of_a_plane_facing_the_light(api, plane):
    tile, _, _ = tile_for_lonlat(*CENTRE, Z)
    image = fetch(api, plane, tile, algorithm="hillshade", azimuth=270, altitude=45)
    slope = math.atan(0.1)
    light = math.cos(math.radians(45)) * math.cos(slope) + math.sin(math.radians(45)) * math.sin(
        slope
    )
    assert abs(np.median(interior(image)) - 255 * light) <= 2  # 197.4


def test_light_from_the_other_side_is_darker(api, plane):
    tile, _, _ = tile_for_lonlat(*CENTRE, Z)
    east = np.median(interior(fetch(api, plane, tile, algorithm="hillshade", azimuth=90)))
    slope = math.atan(0.1)
    away = math.cos(math.radians(45)) * math.cos(slope) - math.sin(math.radians(45)) * math.sin(
        slope
    )
    assert abs(east - 255 * away) <= 2  # 161.5, against 197.4 facing the light


def test_neighbouring_tiles_join_without_seams(api, hills):
    """Each child tile equals its quarter of the parent's 512-pixel tile, computed in one piece."""
    parent, _, _ = tile_for_lonlat(*CENTRE, Z - 1)
    query = {"algorithm": "hillshade"}
    whole = fetch(api, hills, parent, suffix="@2x", **query)
    compared = 0
    for (row, col), child in zip(((0, 0), (0, 1), (1, 0), (1, 1)), parent.children(), strict=True):
        quarter = whole[row * 256 : (row + 1) * 256, col * 256 : (col + 1) * 256]
        part = fetch(api, hills, child, **query)
        if part is None:
            assert (quarter[:, :, 3] == 0).all()
            continue
        assert (part[:, :, 3] == quarter[:, :, 3]).all()
        opaque = part[:, :, 3] == 255
        assert np.abs(part[:, :, 0].astype(int) - quarter[:, :, 0])[opaque].max() <= 1
        compared += int(opaque.sum())
    assert compared > 50000


def test_the_shared_edge_of_two_neighbouring_tiles_is_continuous(api, hills):
    tile, _, _ = tile_for_lonlat(*CENTRE, Z)
    right = type(tile)(tile.z, tile.x + 1, tile.y)
    left_image = fetch(api, hills, tile, algorithm="slope", min=0, max=30)
    right_image = fetch(api, hills, right, algorithm="slope", min=0, max=30)
    across = np.abs(left_image[:, -1, 0].astype(int) - right_image[:, 0, 0])
    inside = np.abs(left_image[:, -2, 0].astype(int) - left_image[:, -1, 0])
    both = (left_image[:, -1, 3] == 255) & (right_image[:, 0, 3] == 255)
    assert both.sum() > 100
    # The step across the edge is no larger than the step between two columns of one tile.
    assert across[both].mean() <= inside[both].mean() + 1


def test_nodata_and_its_neighbours_are_transparent(api, hills):
    corner = TO_LONLAT.transform(480300.0, 4999700.0)  # inside the nodata corner
    tile, fx, fy = tile_for_lonlat(*corner, Z)
    image = fetch(api, hills, tile, algorithm="hillshade")
    assert image[int(fy * 256), int(fx * 256), 3] == 0
