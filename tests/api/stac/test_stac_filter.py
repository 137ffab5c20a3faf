"""STAC filter (CQL2 text and JSON, GET and POST), fields, sortby and queryables."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db

PUBLIC_READY = [
    "alps", "alps_east", "alps_inner", "antarctic", "arctic_cap", "fiji_cross", "fiji_west",
    "null_island", "samoa",
]  # fmt: skip


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(feature["properties"]["title"] for feature in response.json()["features"])


def get(api, **params):
    return api.get("/stac/search", params)


def post(api, body):
    return api.post("/stac/search", body, format="json")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gsd < 15 AND collection = 'europe'", ["alps", "alps_inner"]),
        ("title LIKE 'alps%'", ["alps", "alps_east", "alps_inner"]),
        ("title LIKE 'alps_e%'", ["alps_east"]),  # _ is any one character
        ("title LIKE '%east%alps%'", []),  # the order of the parts matters
        ("CASEI(title) LIKE CASEI('%ALPS_E%')", ["alps_east"]),
        ("CASEI(title) = CASEI('SAMOA')", ["samoa"]),
        ("CASEI(collection) <> CASEI('EUROPE') AND gsd > 100", ["antarctic", "arctic_cap"]),
        ("title LIKE '%'", PUBLIC_READY),
        ("title LIKE 'fiji\\_%'", ["fiji_cross", "fiji_west"]),  # an escaped _ is itself
        ("collection IN ('polar', 'nowhere')", ["antarctic", "arctic_cap"]),
        ("gsd BETWEEN 15 AND 30", ["alps_east", "fiji_cross"]),
        ('NOT (gsd < 100) AND "proj:epsg" = 4326', ["antarctic", "arctic_cap"]),
        ("dtype = 'Int16' OR band_count = 3", ["alps", "fiji_cross"]),
        ("S_INTERSECTS(geometry, POINT(6.75 45.75))", ["alps", "alps_inner"]),
        (
            "S_WITHIN(geometry, POLYGON((5 44, 10 44, 10 48, 5 48, 5 44)))",
            ["alps", "alps_east", "alps_inner"],
        ),
        ("S_CONTAINS(geometry, POINT(0.5 0.5))", ["null_island"]),
        (
            "T_INTERSECTS(datetime, INTERVAL('2024-03-01T00:00:00Z', '2024-03-31T00:00:00Z'))",
            ["antarctic", "arctic_cap"],
        ),
        ("T_BEFORE(datetime, DATE('2022-06-01'))", ["null_island", "samoa"]),
        (
            "T_AFTER(datetime, TIMESTAMP('2024-03-01T12:00:00Z'))",
            ["alps", "alps_inner", "antarctic"],
        ),
        ("datetime >= TIMESTAMP('2024-06-01T00:00:00Z')", ["alps", "alps_inner"]),
        ("is_cog = false", ["alps_inner"]),
    ],
)
def test_cql2_text_by_get(designed, api, text, expected):
    assert titles(get(api, filter=text)) == expected


def test_cql2_json_by_post_and_get(designed, api):
    expression = {
        "op": "and",
        "args": [
            {"op": "between", "args": [{"property": "gsd"}, 1, 12]},
            {"op": "t_intersects", "args": [{"property": "datetime"}, {"interval": ["2024-06-15", ".."]}]},
            {"op": "s_intersects", "args": [{"property": "geometry"}, {"type": "Point", "coordinates": [6.75, 45.75]}]},
        ],
    }  # fmt: skip
    assert titles(post(api, {"filter": expression})) == ["alps", "alps_inner"]
    assert titles(post(api, {"filter": expression, "filter-lang": "cql2-json"})) == [
        "alps",
        "alps_inner",
    ]
    by_get = get(api, filter=json.dumps(expression), **{"filter-lang": "cql2-json"})
    assert titles(by_get) == ["alps", "alps_inner"]
    # Text in a POST body, with the other search parameters alongside.
    body = {"filter": "gsd > 100", "filter-lang": "cql2-text", "bbox": [-180, 60, 180, 90]}
    assert titles(post(api, body)) == ["arctic_cap"]


def test_filter_never_shows_private_rasters(designed, api):
    assert titles(get(api, filter="title = 'alps_private'")) == []


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("cloud_cover < 10", "unknown property 'cloud_cover'"),
        ("owner = 1", "unknown property 'owner'"),
        ("gsd < 'ten'", "property 'gsd' is a number"),
        ("id = 5", "property 'id' is a string"),
        ("title LIKE", "not valid cql2-text"),
        ("gsd LIKE '1%'", "property 'gsd' (number) cannot be used this way"),
        ("T_BEFORE(title, DATE('2024-01-01'))", "temporal functions take a time property"),
    ],
)
def test_bad_filters_are_400s_naming_the_problem(designed, api, text, named):
    response = get(api, filter=text)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert body["description"].startswith("filter: ")
    assert named in body["description"]


def test_bad_filter_lang_and_json(designed, api):
    response = get(api, filter="gsd < 1", **{"filter-lang": "ecql"})
    assert response.status_code == 400 and "filter-lang" in response.json()["description"]
    response = post(api, {"filter": {"op": "nonsense", "args": []}})
    assert response.status_code == 400 and "filter:" in response.json()["description"]


def test_fields_include_and_exclude(designed, api):
    response = get(api, fields="properties.gsd,-assets,-links", ids=str(designed.alps.pk))
    (item,) = response.json()["features"]
    assert set(item) == {"type", "id", "properties"}
    assert item["properties"] == {"gsd": 10.0}
    fields = {"exclude": ["assets", "properties.proj:transform"]}
    response = post(api, {"ids": [str(designed.alps.pk)], "fields": fields})
    (item,) = response.json()["features"]
    assert "assets" not in item and "geometry" in item
    assert "proj:transform" not in item["properties"] and "proj:shape" in item["properties"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sortby_more_properties(designed, api, method):
    designed.alps.crs_epsg = 32632
    designed.alps.save()
    params = {"sortby": "-proj:epsg", "collections": "europe"}
    response = (
        get(api, **params) if method == "GET" else post(api, params | {"collections": ["europe"]})
    )
    names = [f["properties"]["title"] for f in response.json()["features"]]
    assert names[0] == "alps"
    response = get(api, sortby="+band_count,+id", collections="europe")
    assert [f["properties"]["title"] for f in response.json()["features"]][-1] == "alps"


def test_queryables(designed, api):
    document = api.get("/stac/queryables").json()
    assert document["$schema"].startswith("https://json-schema.org/")
    assert document["$id"] == "http://testserver/stac/queryables"
    assert document["properties"]["gsd"]["type"] == "number"
    assert document["properties"]["datetime"]["format"] == "date-time"
    assert {"collection", "geometry", "proj:epsg", "title", "name"} <= set(document["properties"])
    own = api.get("/stac/collections/europe/queryables").json()
    assert own["$id"] == "http://testserver/stac/collections/europe/queryables"
    assert api.get("/stac/collections/nowhere/queryables").status_code == 404
    conformance = api.get("/stac/conformance").json()["conformsTo"]
    assert "https://api.stacspec.org/v1.0.0-rc.2/item-search#filter" in conformance
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conformance
    assert "https://api.stacspec.org/v1.0.0/item-search#fields" in conformance
    landing = api.get("/stac/").json()
    rels = {link["rel"] for link in landing["links"]}
    assert "http://www.opengis.net/def/rel/ogc/1.0/queryables" in rels


def test_every_item_and_collection_validates_with_stac_validator(designed, api):
    from .stac_validator_offline import stac_validate

    for document in api.get("/stac/collections").json()["collections"]:
        stac_validate(document)
    stac_validate(api.get("/stac/").json())
    features = api.get("/stac/search", {"limit": 100}).json()["features"]
    assert len(features) == 9
    for item in features:
        stac_validate(item)


def test_collection_search_parameters(designed, api):
    def ids(**params):
        response = api.get("/stac/collections", params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["collections"]]

    assert ids() == ["europe", "pacific", "polar"]
    assert ids(q='"CC-BY"') == ["europe"]
    assert ids(bbox="-180,80,180,90") == ["polar"]
    assert ids(datetime="2021-06-01") == []
    response = api.get("/stac/collections", {"bbox": "1,2,3"})
    assert response.status_code == 400
    assert response.json()["description"].startswith("bbox: ")
    conformance = api.get("/stac/conformance").json()["conformsTo"]
    assert "https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text" in conformance


def test_deeply_nested_filters_are_refused_not_crashing(designed, api):
    # cql2's parser would overflow its stack (a segfault) on thousands of levels.
    deep = "(" * 20000 + "gsd < 1" + ")" * 20000
    response = get(api, filter=deep)
    assert response.status_code == 400
    assert "nested deeper" in response.json()["description"]
    nested: dict = {"op": "<", "args": [{"property": "gsd"}, 1]}
    for _ in range(200):
        nested = {"op": "not", "args": [nested]}
    response = post(api, {"filter": nested})
    assert response.status_code == 400
    assert "nested deeper" in response.json()["description"]
    assert titles(get(api, filter="((((gsd > 100))))")) == ["antarctic", "arctic_cap"]
