"""Newest-first area searches: SQL written out and prepared (search/area_page.py), the same bytes
as the ORM's pages (RASTERCATALOG_SEARCH_PREPARED=false)."""

from __future__ import annotations

import json

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import connection

pytestmark = pytest.mark.django_db

AREA_SEARCHES = [
    {"bbox": "5,44,10,48"},
    {"bbox": "170,-20,-170,-10"},  # across the antimeridian: two boxes
    {"bbox": "-180,-90,180,90", "limit": 3},  # the whole world, newest first through the index
    {"bbox": "6.6,45.6,7.5,45.9", "predicate": "contains"},
    {"bbox": "5.9,44.9,8,47.1", "predicate": "within"},
    {"bbox": "0.5,0.5,0.5,0.5"},  # a box with no area is a point
    {"point": "8,46"},
    {"intersects": json.dumps({"type": "Point", "coordinates": [6.75, 45.75]})},
    # Two parts: each one's bounding box is tested first (search/filters.py).
    {
        "intersects": json.dumps(
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[6.6, 45.6], [6.9, 45.6], [6.9, 45.9], [6.6, 45.9], [6.6, 45.6]]],
                    [[[-172, -14], [-171.5, -14], [-171.5, -13.5], [-172, -13.5], [-172, -14]]],
                ],
            }
        )
    },
    {"bbox": "5,44,10,48", "status": "ready"},  # the default, spelled out
    {},  # no area at all
]


def _prepared_runs() -> int:
    """How many times this connection ran one of its prepared statements."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(generic_plans + custom_plans) FROM pg_prepared_statements")
        return cursor.fetchone()[0] or 0


def _walk(api, params: dict) -> list[bytes]:
    """Every page through the next links, each as its Features' bytes (the links around them name
    the query string)."""
    pages, url = [], "/api/rasters/"
    while url:
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        body = response.content
        pages.append(body[body.index(b'"features":[') : body.rindex(b'],"links":')])
        links = json.loads(body)["links"]
        url, params = next((link["href"] for link in links if link["rel"] == "next"), ""), None
    return pages


@pytest.mark.parametrize("user", ["anonymous", "owner", "staff"])  # who sees private rasters
@pytest.mark.parametrize("threshold", [0, 10**12])  # through the index, or sorted if small
@pytest.mark.parametrize("params", AREA_SEARCHES)
def test_area_searches_are_prepared_and_write_the_bytes_of_the_orm_pages(
    designed, api, settings, alice, params, threshold, user
):
    settings.RASTERCATALOG_SEARCH_INDEX_ORDER_MIN_ROWS = threshold
    if user == "owner":
        api.force_authenticate(alice)
    elif user == "staff":
        api.force_authenticate(User.objects.create_user("staff", is_staff=True))
    before = _prepared_runs()
    written = _walk(api, {"limit": 2, **params})
    assert _prepared_runs() > before
    settings.RASTERCATALOG_SEARCH_PREPARED = False
    before = _prepared_runs()
    assert _walk(api, {"limit": 2, **params}) == written
    assert _prepared_runs() == before
    assert written[0] != b'"features":[', params  # something found


@pytest.mark.parametrize("threshold", [0, 10**12])
@pytest.mark.parametrize(("bbox", "count"), [("-180,-90,180,90", 9), ("5,44,10,48", 3)])
def test_prev_links_of_a_prepared_search_lead_back_through_the_same_pages(
    designed, api, settings, threshold, bbox, count
):
    settings.RASTERCATALOG_SEARCH_INDEX_ORDER_MIN_ROWS = threshold
    pages = [api.get("/api/rasters/", {"bbox": bbox, "limit": 1}).json()]
    while next_link := [link for link in pages[-1]["links"] if link["rel"] == "next"]:
        pages.append(api.get(next_link[0]["href"]).json())
    assert len(pages) == count  # public ready rasters, one a page
    back = [pages[-1]]
    while prev_link := [link for link in back[-1]["links"] if link["rel"] == "prev"]:
        back.append(api.get(prev_link[0]["href"]).json())
    assert [p["features"] for p in back] == [p["features"] for p in reversed(pages)]


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
        {"bbox": "5,44,10,48", "status": "ready,pending"},
        {"bbox": "5,44,10,48", "ordering": "name"},
    ],
)
def test_filters_whose_values_choose_the_plan_are_not_prepared(designed, api, params):
    before = _prepared_runs()
    assert api.get("/api/rasters/", params).status_code == 200
    assert _prepared_runs() == before


@pytest.mark.django_db(transaction=True)
def test_a_search_whose_kept_connection_was_cut_runs_again_on_a_new_one(designed, api):
    """No SELECT 1 before each search (search/prepared.py): a server restart between two
    searches costs the second one a new connection, not an error."""
    params = {"bbox": "5,44,10,48"}
    first = api.get("/api/rasters/", params)
    assert first.status_code == 200
    backend = connection.connection.info.backend_pid
    settings_dict = connection.settings_dict
    conninfo = f"host={settings_dict['HOST']} port={settings_dict['PORT']} "
    conninfo += f"user={settings_dict['USER']} dbname={settings_dict['NAME']}"
    with psycopg.connect(conninfo, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    again = api.get("/api/rasters/", params)
    assert again.status_code == 200, again.content
    assert again.json()["features"] == first.json()["features"]
    assert connection.connection.info.backend_pid != backend
