"""algorithm= where it is computed (the pixel API) and where it is refused (histograms, images).

The pixel API computes the algorithm at the pixel from its 3 x 3 neighbours at full resolution,
on the raster's own grid (ground sizes and the grid's turn from north measured on the ellipsoid):
on the plane of test_terrain_tiles.py (rising 0.1 m per metre eastwards) that is its slope
(5.71 degrees), its aspect (west, 270 degrees, as seen from true north) and its hillshade.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rastercatalog.geo.webmercator import tile_for_lonlat

from .test_terrain_tiles import CENTRE, GEOTRANSFORM, TO_LONLAT, Z, fetch, grid, hills, plane

pytestmark = pytest.mark.django_db
__all__ = ["hills", "plane"]  # fixtures
SLOPE = math.degrees(math.atan(0.1))


def pixel(api, raster, lonlat=CENTRE, **query) -> dict:
    lon, lat = lonlat
    response = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": lon, "lat": lat, **query})
    assert response.status_code == 200, response.content
    return response.json()


def test_slope_aspect_and_hillshade_of_a_plane_at_a_pixel(api, plane):
    slope = pixel(api, plane, algorithm="slope")
    assert slope["algorithm"] == "slope" and slope["band"] == 1
    assert slope["value"] == pytest.approx(SLOPE, abs=0.01)
    assert len(slope["values"]) == 1  # the band values are still there
    # UTM's grid north is 0.126 degrees west of true north here: the slope faces that much less.
    assert pixel(api, plane, algorithm="aspect")["value"] == pytest.approx(270 - 0.126, abs=0.01)
    lit = math.cos(math.radians(45)) * math.cos(math.radians(SLOPE)) + math.sin(
        math.radians(45)
    ) * math.sin(math.radians(SLOPE))
    shade = pixel(api, plane, algorithm="hillshade", azimuth=270, altitude=45)["value"]
    assert shade == pytest.approx(255 * lit, abs=0.05)


def test_the_pixel_value_agrees_with_the_tile(api, hills):
    lon, lat = TO_LONLAT.transform(484000.0, 4993000.0)
    value = pixel(api, hills, (lon, lat), algorithm="slope")["value"]
    tile, fx, fy = tile_for_lonlat(lon, lat, Z + 2)
    image = fetch(api, hills, tile, algorithm="slope", min=0, max=30)
    grey = image[int(fy * 256), int(fx * 256), 0]
    assert abs(grey - value * 255 / 30) <= 4  # bilinear tile pixels against one source pixel


def test_no_value_next_to_nodata_and_at_the_rasters_edge(api, hills):
    # hills has nodata in its top-left 40 x 40 pixels: pixel (40, 20) has nodata neighbours.
    x0, size, _, y0, _, _ = GEOTRANSFORM
    beside = TO_LONLAT.transform(x0 + 40.5 * size, y0 - 20.5 * size)
    assert pixel(api, hills, beside, algorithm="slope")["value"] is None
    inside = TO_LONLAT.transform(x0 + 42.5 * size, y0 - 20.5 * size)
    assert pixel(api, hills, inside, algorithm="slope")["value"] is not None
    edge = TO_LONLAT.transform(x0 + 200.5 * size, y0 - 399.5 * size)  # the bottom row
    assert pixel(api, hills, edge, algorithm="hillshade")["value"] is None


@pytest.fixture
def two_bands(write_raster, catalogue_local):
    east, _ = grid()
    tilted = (1000.0 + 0.1 * (east - 480000.0)).astype(np.float32)
    stack = np.stack([np.full_like(tilted, 5.0), tilted])
    return catalogue_local(
        write_raster("two.tif", stack, epsg=32633, geotransform=GEOTRANSFORM, cog=True)
    )


def test_the_band_an_algorithm_reads(api, two_bands):
    assert pixel(api, two_bands, algorithm="slope", band=1)["value"] == 0
    assert pixel(api, two_bands, algorithm="slope", band=2)["value"] == pytest.approx(SLOPE, 0.01)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"algorithm": "slope"}, "reads one band and this raster has 2: pass band=N"),
        ({"algorithm": "slope", "band": "3"}, "expected a band number from 1 to 2"),
        ({"band": "1"}, "band applies to algorithm= only"),
        ({"expression": "b1", "band": "1"}, "band applies to algorithm= only"),
        ({"algorithm": "slope", "expression": "b1"}, "not both"),
        ({"algorithm": "shade", "band": "1"}, "algorithm='shade' is invalid"),
        ({"altitude": "30"}, "applies to algorithm="),
    ],
)
def test_bad_pixel_analysis_parameters_are_400s(api, two_bands, query, words):
    lon, lat = CENTRE
    response = api.get(f"/api/rasters/{two_bands.pk}/pixel", {"lon": lon, "lat": lat, **query})
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("histogram", "not available on histograms"),
        ("region.png?bbox=14.7,45.1,14.8,45.15", "not available on images"),
        ("thumbnail.png", "not available on images"),
    ],
)
def test_algorithm_is_refused_where_it_is_not_computed(api, plane, path, words):
    separator = "&" if "?" in path else "?"
    response = api.get(f"/api/rasters/{plane.pk}/{path}{separator}algorithm=hillshade")
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
    response = api.post(
        f"/api/rasters/{plane.pk}/statistics?algorithm=slope",
        {"type": "Polygon", "coordinates": [[[14, 45], [15, 45], [15, 46], [14, 45]]]},
        format="json",
    )
    assert (
        response.status_code == 400
        and "not available on zonal statistics" in response.json()["detail"]
    )
