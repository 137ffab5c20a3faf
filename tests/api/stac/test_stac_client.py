"""pystac-client, unmodified, against the live test server: open, search, page, read items."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pystac_client import Client
from pystac_client.stac_api_io import StacApiIO

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_READY = [
    "alps", "alps_east", "alps_inner", "antarctic", "arctic_cap", "fiji_cross", "fiji_west",
    "null_island", "samoa",
]  # fmt: skip


@pytest.fixture
def client(live_server, designed) -> Iterator[Client]:
    stac_io = StacApiIO()
    yield Client.open(f"{live_server.url}/stac/", stac_io=stac_io)
    # A kept-alive HTTP connection keeps its server thread, and that thread's database session,
    # alive: close it so the test database can be dropped.
    stac_io.session.close()


def titles(items) -> list[str]:
    return [item.properties["title"] for item in items]


def test_collections(client):
    assert [c.id for c in client.get_collections()] == ["europe", "pacific", "polar"]
    pacific = client.get_collection("pacific")
    assert pacific.title == "Pacific" and pacific.description == "Islands"
    assert sorted(titles(pacific.get_items())) == ["fiji_cross", "fiji_west", "samoa"]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_pages_through_everything(client, method):
    search = client.search(method=method, limit=2, sortby="title")
    pages = list(search.pages())
    assert [len(page.items) for page in pages] == [2, 2, 2, 2, 1]
    assert titles(search.items()) == PUBLIC_READY


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_search_filters(client, method):
    across = client.search(method=method, bbox=[179, -20, -179, -15])
    assert titles(across.items()) == ["fiji_cross"]
    polar = client.search(method=method, collections=["polar"], datetime="2024-03-02")
    assert titles(polar.items()) == ["antarctic"]
    point = {"type": "Point", "coordinates": [6.75, 45.75]}
    inside = client.search(method=method, intersects=point, sortby="-gsd")
    assert titles(inside.items()) == ["alps", "alps_inner"]


def test_items_read_as_pystac_items(client, designed):
    item = client.get_collection("europe").get_item(str(designed.alps.pk))
    assert item is not None and item.collection_id == "europe"
    assert item.properties["proj:code"] == "EPSG:4326"
    assert item.assets["thumbnail"].href.endswith(f"/api/rasters/{designed.alps.pk}/thumbnail.png")
    (found,) = client.search(ids=[str(designed.fiji_cross.pk)]).items()
    assert found.bbox == [178, -19, -178, -16]
    assert found.geometry["type"] == "MultiPolygon"


# --- Extensions through pystac-client: filter (CQL2 text and JSON), fields, sortby. ---
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_cql2_filter_text_and_json(client, method):
    text = client.search(method=method, filter="gsd < 15 AND collection = 'europe'", sortby="title")
    assert titles(text.items()) == ["alps", "alps_inner"]
    expression = {
        "op": "and",
        "args": [
            {"op": "like", "args": [{"property": "title"}, "fiji%"]},
            {"op": "t_before", "args": [{"property": "datetime"}, {"timestamp": "2025-01-01T00:00:00Z"}]},
        ],
    }  # fmt: skip
    json_search = client.search(method=method, filter=expression, filter_lang="cql2-json")
    assert titles(json_search.items()) == ["fiji_cross"]


def test_fields_and_sortby(client):
    search = client.search(
        method="POST", fields={"include": ["properties.gsd"], "exclude": ["assets"]},
        sortby=[{"field": "properties.gsd", "direction": "desc"}], collections=["europe"],
    )  # fmt: skip
    items = list(search.items_as_dicts())
    assert [item["properties"]["gsd"] for item in items] == [30.0, 10.0, 2.0]
    assert all(set(item) == {"type", "id", "properties"} for item in items)
    get = client.search(method="GET", fields="-assets,-links", sortby="-datetime", limit=3)
    first = next(iter(get.items_as_dicts()))
    assert "assets" not in first and "geometry" in first


# --- Collection search, server-side (pystac-client warns when it has to filter itself). ---
def test_collection_search(client, recwarn):
    def ids(**params) -> list[str]:
        return sorted(c.id for c in client.collection_search(**params).collections())

    assert ids(q="islands") == ["pacific"]  # the description
    assert ids(q="polar,europe") == ["europe", "polar"]
    # Extents are single boxes: polar's (both poles) spans the globe.
    assert ids(bbox=[5, 40, 10, 50]) == ["europe", "polar"]
    assert ids(bbox=[179, -20, -179, -15]) == ["pacific", "polar"]  # across 180°
    assert ids(bbox=[100, 20, 110, 30], q="europe,pacific") == []
    assert ids(datetime="2024-03-01/2024-03-31") == ["europe", "polar"]
    assert ids(datetime="2022-01-01/2022-12-31") == ["pacific"]
    assert ids(q="europe", datetime="2020-01-01/2020-12-31") == []
    assert not [w for w in recwarn if "DoesNotConformTo" in type(w.message).__name__]


def test_queryables_through_pystac_client(client):
    queryables = client.get_queryables()
    assert queryables["properties"]["gsd"]["type"] == "number"
    merged = client.get_merged_queryables(["europe", "pacific"])
    assert {"datetime", "geometry", "collection", "proj:epsg"} <= set(merged["properties"])
