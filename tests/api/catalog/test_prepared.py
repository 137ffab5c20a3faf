"""Area searches run as prepared statements (search/prepared.py): the same pages, the same bytes."""

from __future__ import annotations

import json

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

AREA_SEARCHES = [
    {"bbox": "5,44,10,48"},
    {"bbox": "170,-20,-170,-10"},  # across the antimeridian: two boxes
    {"bbox": "-180,-90,180,90", "limit": 3},  # the whole world, newest first through the index
    {"bbox": "6.6,45.6,7.5,45.9", "predicate": "contains"},
    {"point": "8,46"},
    {"intersects": json.dumps({"type": "Point", "coordinates": [6.75, 45.75]})},
    {},  # no area at all
]


def _prepared_runs() -> int:
    """How many times this connection ran one of its prepared statements."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(generic_plans + custom_plans) FROM pg_prepared_statements")
        return cursor.fetchone()[0] or 0


def _features(response) -> bytes:
    """The page's Features exactly as sent (the links around them name the query string)."""
    assert response.status_code == 200, response.content
    body = response.content
    return body[body.index(b'"features":[') : body.rindex(b'],"links":')]


@pytest.mark.parametrize("params", AREA_SEARCHES)
def test_area_searches_are_prepared_and_write_the_bytes_of_the_unprepared_query(
    designed, api, params
):
    before = _prepared_runs()
    prepared = api.get("/api/rasters/", params)
    assert _prepared_runs() > before
    # status=ready is the default, spelled out: a filter whose value could change the best plan,
    # so this one is planned for its values, as every Django query is.
    planned = api.get("/api/rasters/", {**params, "status": "ready"})
    assert _features(prepared) == _features(planned)
    assert json.loads(prepared.content)["features"], params


def test_every_page_of_an_area_is_the_same_prepared_or_not(designed, api):
    for extra in ({}, {"status": "ready"}):
        ids, url, params = [], "/api/rasters/", {"bbox": "-180,-90,180,90", "limit": 2, **extra}
        while url:
            document = api.get(url, params).json()
            ids.append([feature["id"] for feature in document["features"]])
            url = next((link["href"] for link in document["links"] if link["rel"] == "next"), "")
            params = None
        if not extra:
            pages = ids
    assert ids == pages and len(pages) == 5  # 9 public ready rasters, 2 a page


def test_a_prepared_page_equals_the_serializers(designed, api, alice):
    """The owner sees her private raster too: visibility is part of the prepared statement."""
    api.force_authenticate(alice)
    listed = api.get("/api/rasters/", {"bbox": "5,44,10,48"}).json()
    assert {f["properties"]["name"] for f in listed["features"]} >= {"alps", "alps_private"}
    for feature in listed["features"]:
        assert feature == api.get(f"/api/rasters/{feature['id']}/").json(), feature["id"]


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "5,44,10,48", "datetime": "2024-01-01/.."},
        {"bbox": "5,44,10,48", "q": "alps"},
        {"bbox": "5,44,10,48", "collection": "europe"},
        {"bbox": "5,44,10,48", "ordering": "name"},
    ],
)
def test_filters_whose_values_choose_the_plan_are_not_prepared(designed, api, params):
    before = _prepared_runs()
    assert api.get("/api/rasters/", params).status_code == 200
    assert _prepared_runs() == before
