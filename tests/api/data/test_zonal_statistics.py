"""POST /api/rasters/{id}/statistics: coverage-weighted statistics of posted polygons.

Polygons aligned to the pixels are checked against rasterio's mask and numpy on the same pixels;
unaligned ones against exactextract run by itself on the file. The rasters are in EPSG:4326 with
1/64-degree pixels, so polygon corners on pixel edges are exact binary fractions.
"""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import rasterio.mask
from exactextract import exact_extract
from osgeo import gdal

pytestmark = pytest.mark.django_db

PIXEL = 1 / 64
GEOTRANSFORM = (10.0, PIXEL, 0.0, 46.0, 0.0, -PIXEL)  # 256 x 192 pixels: lon 10-14, lat 43-46
ALIGNED = {
    "type": "Polygon",
    "coordinates": [[[10.5, 45.0], [11.25, 45.0], [11.25, 45.5], [10.5, 45.5], [10.5, 45.0]]],
}
UNALIGNED = {
    "type": "Polygon",
    "coordinates": [[[10.3, 44.1], [12.71, 44.37], [11.5, 45.83], [10.3, 44.1]]],
}


def values() -> np.ndarray:
    """Distinct float32 values (a smooth field plus noise); nodata (-9999) in a block."""
    rows, cols = np.mgrid[0:192, 0:256]
    field = 100 + 50 * np.sin(cols / 20.0) + rows * 0.5
    noise = np.random.default_rng(7).random((192, 256))
    array = (field + noise).astype(np.float32)
    array[40:50, 40:60] = -9999
    return array


@pytest.fixture
def field_path(write_raster):
    return write_raster(
        "field.tif",
        np.stack([values(), values() * 2]),
        geotransform=GEOTRANSFORM,
        nodata=-9999,
        cog=True,
        # Small blocks, so that the COG has overviews (128 x 96 and 64 x 48) despite its size.
        options=["COMPRESS=DEFLATE", "BLOCKSIZE=64", "OVERVIEW_RESAMPLING=AVERAGE"],
    )


@pytest.fixture
def field(catalogue_local, field_path):
    return catalogue_local(field_path)


def post(api, raster, body, status=200, **query):
    url = f"/api/rasters/{raster.pk}/statistics"
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    response = api.post(url, body, format="json")
    assert response.status_code == status, response.content
    return response.json()


def test_aligned_polygon_matches_rasterio_mask_and_numpy(api, field, field_path):
    body = post(api, field, ALIGNED, percentiles="5,50,95")
    feature = body["features"][0]
    assert body["type"] == "FeatureCollection" and feature["geometry"] == ALIGNED
    assert feature["properties"]["level"]["overview"] is None
    with rasterio.open(field_path) as dataset:
        masked, _ = rasterio.mask.mask(dataset, [ALIGNED], crop=True, filled=False)
        inside, _, _ = rasterio.mask.raster_geometry_mask(dataset, [ALIGNED], crop=True)
    for number in (1, 2):
        band = masked[number - 1]
        data = band.compressed().astype(np.float64)
        stats = feature["properties"]["statistics"][f"b{number}"]
        assert stats["count"] == pytest.approx(data.size)
        assert stats["valid_percent"] == pytest.approx(100 * data.size / (~inside).sum())
        assert stats["min"] == pytest.approx(data.min())
        assert stats["max"] == pytest.approx(data.max())
        assert stats["mean"] == pytest.approx(data.mean())
        assert stats["std"] == pytest.approx(data.std())
        assert stats["sum"] == pytest.approx(data.sum())
        assert stats["median"] == pytest.approx(np.median(data))
        for p in (5, 50, 95):
            assert stats[f"percentile_{p}"] == pytest.approx(np.percentile(data, p))
        counts, edges = np.histogram(data, bins=10)
        assert stats["histogram"]["counts"] == pytest.approx(counts.tolist())
        assert stats["histogram"]["edges"] == pytest.approx(edges.tolist())


def test_an_alpha_band_masks_the_others_and_is_not_reported(api, write_raster, catalogue_local):
    # RGBA: alpha 0 over columns 0-31 of the polygon's 64 columns, so half its pixels are empty.
    rgb = np.stack([np.full((192, 256), value, np.uint8) for value in (10, 20, 30)])
    alpha = np.full((192, 256), 255, np.uint8)
    alpha[:, 32:64] = 0
    path = write_raster(
        "rgba.tif",
        np.concatenate([rgb, alpha[np.newaxis]]),
        geotransform=GEOTRANSFORM,
        interpretations=[
            gdal.GCI_RedBand,
            gdal.GCI_GreenBand,
            gdal.GCI_BlueBand,
            gdal.GCI_AlphaBand,
        ],
    )
    raster = catalogue_local(path)
    west, east = 10 + 32 * PIXEL, 10 + 96 * PIXEL
    ring = [[west, 45.0], [east, 45.0], [east, 45.5], [west, 45.5], [west, 45.0]]
    body = post(api, raster, {"type": "Polygon", "coordinates": [ring]})
    statistics = body["features"][0]["properties"]["statistics"]
    assert sorted(statistics) == ["b1", "b2", "b3"]
    for label, value in zip(("b1", "b2", "b3"), (10, 20, 30)):
        assert statistics[label]["count"] == pytest.approx(32 * 32)
        assert statistics[label]["valid_percent"] == pytest.approx(50)
        assert statistics[label]["min"] == statistics[label]["max"] == value


def test_polygon_over_nodata_counts_only_valid_pixels(api, field):
    # Columns 40-59, rows 40-49 are nodata: a polygon over columns 30-69, rows 40-49 is half valid.
    west, east = 10 + 30 * PIXEL, 10 + 70 * PIXEL
    north, south = 46 - 40 * PIXEL, 46 - 50 * PIXEL
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    stats = post(api, field, {"type": "Polygon", "coordinates": [ring]})["features"][0]
    b1 = stats["properties"]["statistics"]["b1"]
    assert b1["count"] == pytest.approx(200)
    assert b1["valid_percent"] == pytest.approx(50)


def test_unaligned_polygon_matches_exactextract_on_the_file(api, field, field_path):
    body = post(
        api, field, {"type": "Feature", "properties": {"name": "field"}, "geometry": UNALIGNED}
    )
    properties = body["features"][0]["properties"]
    assert properties["name"] == "field"
    ops = ["count", "sum", "mean", "min", "max", "stdev", "median", "quantile(q=0.02)"]
    expected = exact_extract(
        str(field_path),
        {"type": "Feature", "properties": {}, "geometry": UNALIGNED},
        ops,
        output="geojson",
    )
    for number in (1, 2):
        reference = expected[0]["properties"]
        prefix = f"band_{number}_"
        stats = properties["statistics"][f"b{number}"]
        assert stats["count"] == pytest.approx(reference[prefix + "count"])
        assert stats["sum"] == pytest.approx(reference[prefix + "sum"])
        assert stats["mean"] == pytest.approx(reference[prefix + "mean"])
        assert stats["min"] == pytest.approx(reference[prefix + "min"])
        assert stats["max"] == pytest.approx(reference[prefix + "max"])
        assert stats["std"] == pytest.approx(reference[prefix + "stdev"])
        assert stats["median"] == pytest.approx(reference[prefix + "median"], rel=1e-6)
        assert stats["percentile_2"] == pytest.approx(reference[prefix + "quantile_2"], rel=1e-6)


def test_beyond_the_pixel_limit_an_overview_is_read_and_named(api, field, settings):
    settings.RASTERCATALOG_STATISTICS_MAX_PIXELS = 3000  # ALIGNED's box is 48 x 32 pixels
    big = {
        "type": "Polygon",
        "coordinates": [[[10.2, 43.2], [13.8, 43.2], [13.8, 45.8], [10.2, 45.8], [10.2, 43.2]]],
    }
    exact = post(api, field, ALIGNED)["features"][0]["properties"]
    assert exact["level"] == {
        "overview": None,
        "approximate": False,
        "width": 48,
        "height": 32,
        "pixel_size": [PIXEL, PIXEL],
    }
    coarse = post(api, field, big)["features"][0]["properties"]
    level = coarse["level"]
    assert level["approximate"] is True and level["overview"] is not None
    assert level["width"] * level["height"] <= 3000
    assert level["pixel_size"][0] > PIXEL
    # Read on an overview of a smooth field, the mean stays close to the full-resolution one.
    settings.RASTERCATALOG_STATISTICS_MAX_PIXELS = 10**7
    full = post(api, field, big)["features"][0]["properties"]["statistics"]["b1"]
    assert coarse["statistics"]["b1"]["mean"] == pytest.approx(full["mean"], rel=0.02)


def test_beyond_the_limit_without_overviews_is_a_400_naming_the_setting(
    api, write_raster, catalogue_local, settings
):
    path = write_raster("flat.tif", values(), geotransform=GEOTRANSFORM, nodata=-9999)
    raster = catalogue_local(path)
    settings.RASTERCATALOG_STATISTICS_MAX_PIXELS = 100
    detail = post(api, raster, ALIGNED, status=400)["detail"]
    assert "RASTERCATALOG_STATISTICS_MAX_PIXELS" in detail and "no overviews" in detail


def test_expression_statistics(api, field):
    stats = post(api, field, ALIGNED, expression="b2 - b1")["features"][0]["properties"]
    (label,) = stats["statistics"]
    plain = post(api, field, ALIGNED)["features"][0]["properties"]["statistics"]["b1"]
    assert label == "b2 - b1"
    # b2 is twice b1, so b2 - b1 is b1 again.
    assert stats["statistics"][label]["mean"] == pytest.approx(plain["mean"], rel=1e-6)
    assert stats["statistics"][label]["count"] == pytest.approx(plain["count"])


def test_feature_collection_keeps_ids_properties_and_marks_features_outside(api, field):
    outside = {
        "type": "Polygon",
        "coordinates": [[[20, 10], [21, 10], [21, 11], [20, 11], [20, 10]]],
    }
    body = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": "a", "properties": {"crop": "wheat"}, "geometry": ALIGNED},
            {"type": "Feature", "id": 7, "properties": None, "geometry": outside},
        ],
    }
    features = post(api, field, body)["features"]
    assert features[0]["id"] == "a" and features[0]["properties"]["crop"] == "wheat"
    assert features[0]["properties"]["statistics"]["b1"]["count"] > 0
    assert features[1]["id"] == 7 and features[1]["properties"]["statistics"] is None
    assert "does not intersect the raster" in features[1]["properties"]["reason"]
    detail = post(api, field, outside, status=404)["detail"]
    assert "does not intersect raster" in detail


BOWTIE = {"type": "Polygon", "coordinates": [[[10, 44], [11, 45], [11, 44], [10, 45], [10, 44]]]}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (BOWTIE, "not a valid polygon: Self-intersection"),
        ({"type": "Point", "coordinates": [10, 44]}, "is a 'Point'"),
        (
            {"type": "Polygon", "coordinates": [[[200, 44], [201, 44], [201, 45], [200, 44]]]},
            "outside longitude",
        ),
        (
            {"type": "Polygon", "coordinates": [[[10, 44], [11, 44], [11, 45], [10, 45]]]},
            "end where it starts",
        ),
        (
            {"type": "Polygon", "coordinates": [[[10, 44], ["a", 44], [11, 45], [10, 44]]]},
            "numbers",
        ),
        ({"type": "FeatureCollection", "features": []}, "non-empty features"),
        ({"type": "Feature", "geometry": None}, "has no geometry"),
        ([1, 2], "must be a GeoJSON object"),
    ],
)
def test_bad_geometries_are_400s_that_say_why(api, field, body, words):
    assert words in post(api, field, body, status=400)["detail"]


def test_limits_on_vertices_features_and_area(api, field, settings):
    settings.RASTERCATALOG_ANALYSIS_MAX_VERTICES = 4
    assert "RASTERCATALOG_ANALYSIS_MAX_VERTICES" in post(api, field, ALIGNED, status=400)["detail"]
    settings.RASTERCATALOG_ANALYSIS_MAX_VERTICES = 1000
    settings.RASTERCATALOG_ANALYSIS_MAX_AREA_KM2 = 100
    detail = post(api, field, ALIGNED, status=400)["detail"]
    assert "km²" in detail and "RASTERCATALOG_ANALYSIS_MAX_AREA_KM2" in detail
    settings.RASTERCATALOG_ANALYSIS_MAX_FEATURES = 1
    collection = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": ALIGNED}] * 2,
    }
    assert (
        "RASTERCATALOG_ANALYSIS_MAX_FEATURES" in post(api, field, collection, status=400)["detail"]
    )


def test_bodies_that_are_not_json_or_nest_too_deep_are_400s(api, field):
    url = f"/api/rasters/{field.pk}/statistics"
    deep = "[" * 100000 + "]" * 100000
    response = api.post(url, deep, content_type="application/json")
    assert response.status_code == 400, response.content
    response = api.post(url, "not json", content_type="application/json")
    assert response.status_code == 400
    response = api.post(url, ALIGNED, format="json", QUERY_STRING="expression=b3")
    assert response.status_code == 400 and "b3" in response.json()["detail"]


def test_get_still_returns_the_stored_statistics(api, field):
    response = api.get(f"/api/rasters/{field.pk}/statistics")
    assert response.status_code == 200
    assert [band["band"] for band in response.json()["bands"]] == [1, 2]
