"""Search correctness on the designed set (conftest.py): places, predicates, times, properties."""

from __future__ import annotations

import json
import math

import pytest

from ..conftest import names

pytestmark = pytest.mark.django_db

ALPS = {"alps", "alps_inner", "alps_east"}


def search(api, **params):
    return api.get("/api/rasters/", params)


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ("5,44,10,48", ALPS),
        # Touching counts as intersecting: x = 8 is the edge alps and alps_east share.
        ("8,45.5,8,46", {"alps", "alps_east"}),
        ("6.6,45.6,6.9,45.9", {"alps", "alps_inner"}),  # inside the nested pair only
        ("0.5,0.5,0.5,0.5", {"null_island"}),  # a box with no area is a point
        ("-10,-10,-5,-5", set()),
    ],
)
def test_bbox_intersects(designed, api, bbox, expected):
    assert names(search(api, bbox=bbox)) == expected


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        # minx > maxx crosses the antimeridian: both parts of fiji_cross, nothing else.
        ("179,-20,-179,-15", {"fiji_cross"}),
        ("170,-20,-170,-10", {"fiji_cross", "fiji_west", "samoa"}),
        # Boxes on one side see the part of fiji_cross on that side.
        ("177,-20,179,-15", {"fiji_cross", "fiji_west"}),
        ("-179.5,-20,-172.5,-14", {"fiji_cross", "samoa"}),
    ],
)
def test_bbox_across_the_antimeridian(designed, api, bbox, expected):
    assert names(search(api, bbox=bbox)) == expected


def test_bbox_across_the_antimeridian_with_within(designed, api):
    response = search(api, bbox="177,-20,-177,-15", predicate="within")
    assert names(response) == {"fiji_cross"}  # both parts inside; fiji_west starts at 176 E


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bbox": "10,85,20,89"}, {"arctic_cap"}),
        ({"bbox": "-180,-90,180,-80"}, {"antarctic"}),
        ({"point": "123,90"}, {"arctic_cap"}),  # the pole itself is on the cap's edge
        ({"point": "0,-89.5"}, {"antarctic"}),
        ({"bbox": "-180,60,180,90", "predicate": "within"}, {"arctic_cap"}),
    ],
)
def test_poles(designed, api, params, expected):
    assert names(search(api, **params)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bbox": "5.9,44.9,8,47.1", "predicate": "within"}, {"alps", "alps_inner"}),
        ({"bbox": "6.6,45.6,6.9,45.9", "predicate": "contains"}, {"alps", "alps_inner"}),
        ({"bbox": "6.6,45.6,7.5,45.9", "predicate": "contains"}, {"alps"}),
        # The shared edge: both footprints intersect the point, neither contains it.
        ({"point": "8,46"}, {"alps", "alps_east"}),
        ({"point": "8,46", "predicate": "contains"}, set()),
        ({"point": "6.75,45.75", "predicate": "contains"}, {"alps", "alps_inner"}),
    ],
)
def test_predicates(designed, api, params, expected):
    assert names(search(api, **params)) == expected


def test_intersects_takes_geojson_a_feature_or_wkt(designed, api):
    triangle = {
        "type": "Polygon",
        "coordinates": [[[6.1, 45.1], [6.4, 45.1], [6.1, 45.4], [6.1, 45.1]]],
    }
    feature = {"type": "Feature", "properties": {}, "geometry": triangle}
    wkt = "POLYGON((6.1 45.1, 6.4 45.1, 6.1 45.4, 6.1 45.1))"
    for value in (json.dumps(triangle), json.dumps(feature), wkt):
        assert names(search(api, intersects=value)) == {"alps"}


def test_intersects_multipolygon_across_the_antimeridian(designed, api):
    parts = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[179.5, -18], [180, -18], [180, -17], [179.5, -17], [179.5, -18]]],
            [[[-180, -18], [-179.5, -18], [-179.5, -17], [-180, -17], [-180, -18]]],
        ],
    }
    assert names(search(api, intersects=json.dumps(parts))) == {"fiji_cross"}
    assert names(search(api, intersects=json.dumps(parts), predicate="contains")) == {"fiji_cross"}


def test_post_search_takes_a_large_geometry_in_the_body(designed, api):
    # 20,000 vertices: far too long for a URL.
    ring = [
        [7 + 0.5 * math.cos(t / 10000 * math.pi), 46 + 0.5 * math.sin(t / 10000 * math.pi)]
        for t in range(20000)
    ]
    ring.append(ring[0])
    body = {"intersects": {"type": "Polygon", "coordinates": [ring]}, "collection": ["europe"]}
    response = api.post("/api/rasters/search", body, format="json")
    assert names(response) == {"alps", "alps_inner"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-06-15T10:00:00Z", {"alps", "alps_inner"}),  # an instant: exactly then
        ("2024-06-15T12:00:00+02:00", {"alps", "alps_inner"}),  # the same instant elsewhere
        ("2024-06-15", {"alps", "alps_inner"}),  # a date: that whole UTC day
        ("2023-12-31", {"alps_east"}),  # 23:59:59.999999 is still that day
        ("2024-01-01", {"fiji_cross"}),  # 00:00:00 is already the next
        ("../2024-01-01T00:00:00Z", {"alps_east", "fiji_cross", "samoa", "null_island"}),
        (
            "2024-01-01T00:00:00Z/..",
            {"fiji_cross", "alps", "alps_inner", "arctic_cap", "antarctic"},
        ),
        ("2024-03-01T00:00:00Z/2024-03-02T00:00:00Z", {"arctic_cap", "antarctic"}),  # both ends in
        ("/2022-05-01T00:00:00Z", {"samoa", "null_island"}),  # an empty end is open too
    ],
)
def test_datetime(designed, api, value, expected):
    # fiji_west has no acquisition time: it never matches a datetime filter.
    assert names(search(api, datetime=value)) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"collection": "europe", "dtype": "Byte", "is_cog": "true"}, {"alps"}),
        ({"collection": "europe,polar", "is_cog": "false"}, {"alps_inner"}),
        ({"collection": "pacific", "dtype": "int16"}, {"fiji_cross"}),
        ({"dtype": "uint16,float32"}, {"alps_east", "alps_inner"}),
        ({"band_count": "3"}, {"alps"}),
        (
            {"resolution_min": "10", "resolution_max": "30", "collection": "europe"},
            {"alps", "alps_east"},
        ),
        ({"resolution_min": "100"}, {"arctic_cap", "antarctic"}),
        ({"q": "ALPS_", "bbox": "7.5,44,10,48"}, {"alps_east"}),
        (
            {"collection": "europe", "datetime": "2024-01-01T00:00:00Z/..", "bbox": "6.9,45,10,47"},
            {"alps", "alps_inner"},
        ),
        ({"collection": "nowhere"}, set()),
    ],
)
def test_collection_and_property_filters_combine(designed, api, params, expected):
    assert names(search(api, **params)) == expected


def test_ids(designed, api):
    ids = f"{designed.alps.pk},{designed.samoa.pk},{designed.alps_private.pk}"
    assert names(search(api, ids=ids)) == {"alps", "samoa"}  # not the private one


def test_status_defaults_to_ready(designed, api):
    assert "pending" not in names(search(api))
    assert names(search(api, status="pending,failed")) == {"pending", "failed"}


def test_a_feature_says_what_the_raster_is_and_where_to_read_it(designed, api):
    response = api.get(f"/api/rasters/{designed.fiji_cross.pk}/")
    assert response.status_code == 200
    feature = response.json()
    assert feature["type"] == "Feature" and feature["id"] == designed.fiji_cross.pk
    assert feature["bbox"] == [178, -19, -178, -16]  # west > east: across the antimeridian
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert len(feature["geometry"]["coordinates"]) == 2
    properties = feature["properties"]
    assert properties["id"] == designed.fiji_cross.pk
    assert properties["collection"] == "pacific"
    assert properties["crs"] == "EPSG:4326"
    assert properties["acquired_at"] == "2024-01-01T00:00:00Z"
    base = f"http://testserver/api/rasters/{designed.fiji_cross.pk}/"
    assert properties["links"] == {
        "self": base,
        "tiles": base + "tiles/{z}/{x}/{y}.png",
        "tilejson": base + "tilejson.json",
        "thumbnail": base + "thumbnail.png",
        "metadata": base + "metadata",
        "cog": base + "cog",
    }
    nan = api.get(f"/api/rasters/{designed.alps_inner.pk}/").json()
    assert nan["properties"]["nodata"] == "nan"  # NaN is not JSON


def test_unknown_raster_is_404(designed, api):
    assert api.get("/api/rasters/999999/").status_code == 404


@pytest.mark.parametrize(
    ("params", "parameter", "words"),
    [
        ({"bbox": "1,2,3"}, "bbox", "4 numbers"),
        ({"bbox": "0,10,1,5"}, "bbox", "north of"),
        ({"bbox": "0,0,200,1"}, "bbox", "outside"),
        ({"bbox": "a,b,c,d"}, "bbox", "minx,miny,maxx,maxy"),
        ({"intersects": "not a geometry"}, "intersects", "GeoJSON geometry or WKT"),
        ({"intersects": "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))"}, "intersects", "not valid"),
        ({"intersects": "SRID=3857;POINT(1 1)"}, "intersects", "EPSG:4326"),
        ({"point": "1"}, "point", "lon,lat"),
        ({"predicate": "near"}, "predicate", "near"),
        ({"point": "1,1", "predicate": "within"}, "predicate", "within a point"),
        ({"datetime": "yesterday"}, "datetime", "RFC 3339"),
        ({"datetime": "2024-01-01T00:00:00"}, "datetime", "time zone"),
        ({"datetime": "../.."}, "datetime", "at least one end"),
        ({"datetime": "2024-02-01/2024-01-01"}, "datetime", "before it starts"),
        ({"dtype": "Float128"}, "dtype", "Float128"),
        ({"band_count": "two"}, "band_count", "whole number"),
        ({"is_cog": "maybe"}, "is_cog", "true or false"),
        ({"status": "done"}, "status", "done"),
        ({"resolution_min": "-1"}, "resolution_min", "≥ 0"),
        ({"ids": "1,x"}, "ids", "integers"),
        ({"ordering": "size"}, "ordering", "size"),
        ({"ordering": "distance"}, "ordering", "needs point"),
        ({"limit": "0"}, "limit", "≥ 1"),
        ({"cursor": "nonsense"}, "cursor", "not a cursor"),
    ],
)
def test_invalid_parameters_are_400_naming_them(designed, api, params, parameter, words):
    response = search(api, **params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert parameter in body, body
    assert words in " ".join(body[parameter]), body


def test_a_page_costs_one_query_whatever_its_size(designed, api, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(names(search(api))) == 9


def test_a_page_of_an_area_costs_one_query_too(designed, api, django_assert_num_queries):
    """Newest first in an area, the page's ids come from the index in a subquery (keyset.py)."""
    with django_assert_num_queries(1):
        assert names(search(api, bbox="5,44,10,48", limit=2)) == {"alps_east", "alps_inner"}


def test_listed_features_equal_the_serializers(designed, api, alice):
    """Pages are written from their rows on PostGIS (feature_rows.py); single rasters by the serializer."""
    api.force_authenticate(alice)
    listed = api.get("/api/rasters/", {"status": "ready,pending,failed", "limit": 100}).json()
    assert len(listed["features"]) == 12
    for feature in listed["features"]:
        assert feature == api.get(f"/api/rasters/{feature['id']}/").json(), feature["id"]
