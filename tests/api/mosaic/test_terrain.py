"""algorithm= on mosaics: terrain on the rasters' heights combined, without seams between rasters.

One curved DEM (UTM 33N, 30 m pixels) is catalogued whole and cut in two halves that meet edge to
edge at easting 486,000 m. The mosaic of the halves must shade like the whole DEM, across the line
where they meet: computed raster by raster, each half would lose its border pixels there.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import pytest

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.catalog.overviews import collection_overview_build
from rastercatalog.geo.webmercator import Tile, tile_for_lonlat
from rastercatalog.models import Collection

from ..data.test_terrain_tiles import GEOTRANSFORM, TO_LONLAT, grid
from .conftest import decode, mosaic_tile, single_tile
from .test_cap import IN_NEW, ONLY_OLD, flat  # noqa: F401 - the flat collection's fixture

pytestmark = pytest.mark.django_db

BOUNDARY = TO_LONLAT.transform(486000.0, 4994000.0)  # where the halves meet
Z = 12


@pytest.fixture
def dems(write_raster) -> SimpleNamespace:
    east, north = grid()
    heights = (500 + 200 * np.sin(east / 700.0) * np.cos(north / 900.0)).astype(np.float32)
    collection = Collection.objects.create(name="DEM", slug="dem")

    def ingest(name, array, west, **kwargs):
        transform = (west, *GEOTRANSFORM[1:])
        path = write_raster(
            f"{name}.tif", array, epsg=32633, geotransform=transform, nodata=-9999, cog=True
        )
        return raster_ingest(uri=str(path), name=name, trusted=True, **kwargs).raster

    return SimpleNamespace(
        whole=ingest("whole", heights, 480000.0),
        west=ingest("west", heights[:, :200], 480000.0, collection=collection),
        east=ingest(
            "east",
            heights[:, 200:],
            486000.0,
            collection=collection,
            acquired_at=datetime(2024, 1, 1, tzinfo=UTC),
        ),
    )


def boundary_column(tile: Tile) -> int:
    """The tile's pixel column the halves meet in."""
    _, fx, _ = tile_for_lonlat(*BOUNDARY, tile.z)
    return int(fx * 256)


@pytest.mark.parametrize(
    ("method", "z", "tolerance"),
    [
        ("first", 14, 1),  # overzoomed: 4 tile pixels a source pixel
        ("highest", 14, 1),
        ("mean", 14, 1),
        ("median", 14, 1),
        ("first", 12, 1),
        # Pixels over 2 source pixels wide: each half's overview is warped on its own, and the
        # edge effect stays within a tile pixel of the line.
        ("first", 10, 3),
    ],
)
def test_hillshade_across_two_adjacent_dems_has_no_seam(api, dems, method, z, tolerance):
    tile, _, _ = tile_for_lonlat(*BOUNDARY, z)
    column = boundary_column(tile)
    assert 20 < column < 236
    query = {"algorithm": "hillshade"}
    mosaic = mosaic_tile(api, str(tile), collection="dem", method=method, **query)
    whole = single_tile(api, dems.whole, str(tile), **query)
    inside = whole[:, :, 3] == 255
    assert inside[:, column - 3 : column + 4].all(axis=1).sum() > 60  # rows across the line
    # Every pixel the whole DEM shades is shaded in the mosaic, the line where the halves meet too,
    # and as the whole DEM shades it.
    assert (mosaic[:, :, 3][inside] == 255).all()
    difference = np.abs(mosaic[:, :, 0].astype(int) - whole[:, :, 0])
    assert difference[inside].max() <= tolerance
    assert difference[:, column - 4 : column + 5].max() <= tolerance


def test_the_halves_shaded_one_by_one_would_leave_a_seam(api, dems):
    """Why the heights are combined first: each half's own tile has no value at its border."""
    tile, _, _ = tile_for_lonlat(*BOUNDARY, Z)
    column = boundary_column(tile)
    own = [single_tile(api, r, str(tile), algorithm="hillshade") for r in (dems.east, dems.west)]
    shaded = (own[0][:, :, 3] > 0) | (own[1][:, :, 3] > 0)
    assert not shaded[:, column - 2 : column + 3].all(axis=1).any()  # a gap on every row
    mosaic = mosaic_tile(api, str(tile), collection="dem", algorithm="hillshade")
    assert (mosaic[:, column - 2 : column + 3, 3] == 255).all()


@pytest.mark.parametrize("algorithm", ["slope", "aspect", "hillshade"])
def test_mosaic_terrain_tiles_join_their_neighbours(api, dems, algorithm):
    """Each child tile equals its quarter of the parent's 512-pixel tile, computed in one piece."""
    parent, _, _ = tile_for_lonlat(*BOUNDARY, Z - 1)
    query = {"collection": "dem", "algorithm": algorithm}
    if algorithm != "hillshade":
        query.update(min="0", max="360" if algorithm == "aspect" else "45")
    whole = decode(api.get(f"/api/mosaic/tiles/{parent}@2x.png", query))
    compared = 0
    for (row, col), child in zip(((0, 0), (0, 1), (1, 0), (1, 1)), parent.children(), strict=True):
        quarter = whole[row * 256 : (row + 1) * 256, col * 256 : (col + 1) * 256]
        part = mosaic_tile(api, str(child), **query)
        np.testing.assert_array_equal(part[:, :, 3], quarter[:, :, 3])
        opaque = part[:, :, 3] == 255
        assert np.abs(part[:, :, 0].astype(int) - quarter[:, :, 0])[opaque].max() <= 1
        compared += int(opaque.sum())
    assert compared > 50000


def test_terrain_options_and_the_etag(api, dems):
    tile, _, _ = tile_for_lonlat(*BOUNDARY, Z)
    url = f"/api/mosaic/tiles/{tile}.png"
    west_light = api.get(url, {"collection": "dem", "algorithm": "hillshade", "azimuth": "270"})
    east_light = api.get(url, {"collection": "dem", "algorithm": "hillshade", "azimuth": "90"})
    assert west_light["ETag"] != east_light["ETag"] and west_light.content != east_light.content
    steep = decode(api.get(url, {"collection": "dem", "algorithm": "slope", "zfactor": "2"}))
    gentle = decode(api.get(url, {"collection": "dem", "algorithm": "slope"}))
    opaque = gentle[:, :, 3] == 255
    assert steep[:, :, 0][opaque].mean() > gentle[:, :, 0][opaque].mean() + 5


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"algorithm": "slope", "method": "count"}, "cannot be combined with method=count"),
        ({"algorithm": "slope", "stretch": "p2p98"}, "give min and max"),
        ({"algorithm": "slope", "band": "1,1,1"}, "reads one band"),
        ({"algorithm": "slope", "band": "2"}, "band 2 is out of range"),
        ({"algorithm": "glow"}, "algorithm='glow' is invalid"),
        ({"azimuth": "30"}, "applies to algorithm="),
    ],
)
def test_bad_terrain_parameters_are_400s(api, dems, query, words):
    tile, _, _ = tile_for_lonlat(*BOUNDARY, Z)
    response = api.get(f"/api/mosaic/tiles/{tile}.png", {"collection": "dem", **query})
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]


def test_the_point_gives_each_rasters_terrain_value_as_the_pixel_api(api, dems):
    lon, lat = TO_LONLAT.transform(483000.0, 4996000.0)  # on the west half
    query = {"lon": lon, "lat": lat, "algorithm": "slope"}
    body = api.get("/api/mosaic/point", {**query, "collection": "dem"}).json()
    assert body["algorithm"] == "slope" and body["band"] == 1
    [entry] = body["values"]
    own = api.get(f"/api/rasters/{dems.west.pk}/pixel", query).json()
    assert entry["raster"] == dems.west.pk and entry["value"] == own["value"]
    assert 0 < entry["value"] < 30


# --- above the cap: terrain and band math on the collection's overview ---


def test_band_math_and_terrain_are_computed_on_the_overview_above_the_cap(api, flat):  # noqa: F811
    overview = collection_overview_build(collection_id=flat.collection.pk)
    z = 6
    tile, fx, fy = tile_for_lonlat(*IN_NEW, z)
    url = f"/api/mosaic/tiles/{tile}.png"
    doubled = api.get(url, {"collection": "flat", "expression": "b1 * 2", "min": 0, "max": 255})
    assert doubled["X-Mosaic-Source"] == "overview"
    assert tuple(decode(doubled)[int(fy * 256), int(fx * 256)]) == (20, 20, 20, 255)
    assert overview.zoom >= z
    # Flat ground lit from 45 degrees: 255 * cos(45°) = 180. Heights are exaggerated (zfactor)
    # so that an edge of the data read as a height of 0 would show; it must not.
    query = {"collection": "flat", "algorithm": "hillshade", "zfactor": "1000"}
    tile, fx, fy = tile_for_lonlat(*ONLY_OLD, z)
    shaded = api.get(f"/api/mosaic/tiles/{tile}.png", query)
    assert shaded["X-Mosaic-Source"] == "overview"
    image = decode(shaded)
    column = image[:, int(fx * 256)]  # old only (30 m) from north to south, then nothing
    opaque = column[:, 3] == 255
    assert opaque.sum() > 20 and not opaque.all()
    assert (
        np.abs(column[opaque, 0].astype(int) - round(255 * math.cos(math.radians(45)))) <= 1
    ).all()
    # Other methods are never drawn from an overview, whatever the analysis.
    response = api.get(url, {"collection": "flat", "expression": "b1", "method": "mean"})
    assert response.status_code == 422 and "use method=first" in response.json()["detail"]
    response = api.get(url, {"collection": "flat", "expression": "b2"})
    assert response.status_code == 400
    assert "the overview of collection flat" in response.json()["detail"]
