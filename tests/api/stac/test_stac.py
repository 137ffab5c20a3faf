"""The STAC API: documents that pystac reads and validates, searches, paging, errors.

pystac validates offline against the STAC 1.1.0 core schemas it ships (item, collection,
catalog). The projection and raster extension schemas are not shipped by any package and this
machine has no internet, so their fields are checked by reading them back through pystac's
extension classes instead.
"""

from __future__ import annotations

import json

import pystac
import pytest
from pystac.extensions.projection import ProjectionExtension
from pystac.extensions.raster import RasterExtension
from pystac.validation import validate_dict

from rastercatalog.models import Band

from ..conftest import names

pytestmark = pytest.mark.django_db


def validate_core(document: dict) -> None:
    """Validate against the core schema only (the extension schemas need the network)."""
    validate_dict(document, extensions=[])


def item_names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {feature["properties"]["title"] for feature in response.json()["features"]}


def test_landing_page_and_conformance(designed, api):
    landing = api.get("/stac/").json()
    validate_core(landing)
    catalog = pystac.Catalog.from_dict(landing)
    assert catalog.id == "rastercatalog"
    rels = {(link["rel"], link.get("method")) for link in landing["links"]}
    assert {("conformance", None), ("data", None), ("search", "GET"), ("search", "POST")} <= rels
    assert {link["href"] for link in landing["links"] if link["rel"] == "child"} == {
        f"http://testserver/stac/collections/{slug}" for slug in ("europe", "pacific", "polar")
    }
    conformance = api.get("/stac/conformance").json()["conformsTo"]
    assert "https://api.stacspec.org/v1.0.0/item-search#sort" in conformance


def test_collections_validate_and_carry_their_extent(designed, api):
    collections = api.get("/stac/collections").json()["collections"]
    assert [c["id"] for c in collections] == ["europe", "pacific", "polar"]
    for document in collections:
        validate_core(document)
    pacific = pystac.Collection.from_dict(api.get("/stac/collections/pacific").json())
    # fiji_cross crosses the antimeridian, so the extent takes in every longitude.
    assert pacific.extent.spatial.bboxes == [[-180.0, -19.0, 180.0, -13.0]]
    start, end = pacific.extent.temporal.intervals[0]
    assert (start.year, end.year) == (2022, 2024)
    assert api.get("/stac/collections/nowhere").status_code == 404


def test_an_item_validates_and_carries_projection_and_raster_fields(designed, api):
    alps = designed.alps
    alps.crs_epsg, alps.width, alps.height = 32632, 2000, 1000
    alps.geotransform = [300000.0, 10.0, 0.0, 5200000.0, 0.0, -10.0]
    alps.stats_width, alps.stats_height = 2000, 1000
    alps.uri = "https://data.example.org/scenes/alps.tif"
    alps.save()
    Band.objects.create(
        raster=alps, index=1, dtype="Byte", nodata=0, valid_pixels=1_500_000,
        min=1, max=250, mean=90.5, std=30.25,
        histogram={"edges": [float(e) for e in range(257)], "counts": [7] * 256},
    )  # fmt: skip
    document = api.get(f"/stac/collections/europe/items/{alps.pk}").json()
    validate_core(document)
    item = pystac.Item.from_dict(document)
    assert item.id == str(alps.pk) and item.collection_id == "europe"
    assert item.datetime.isoformat() == "2024-06-15T10:00:00+00:00"
    projection = ProjectionExtension.ext(item)
    assert projection.code == "EPSG:32632"
    assert projection.shape == [1000, 2000]
    assert projection.transform == [10.0, 0.0, 300000.0, 0.0, -10.0, 5200000.0]
    assert projection.bbox == [300000.0, 5190000.0, 320000.0, 5200000.0]
    data = item.assets["data"]
    assert data.href == "https://data.example.org/scenes/alps.tif"
    assert data.media_type == "image/tiff; application=geotiff; profile=cloud-optimized"
    assert item.assets["thumbnail"].href.endswith(f"/api/rasters/{alps.pk}/thumbnail.png")
    assert item.assets["metadata"].href.endswith(f"/api/rasters/{alps.pk}/metadata")
    (band,) = RasterExtension.ext(data).bands
    assert band.data_type == "uint8" and band.nodata == 0
    assert band.statistics.valid_percent == 75.0
    assert band.histogram.count == 256 and band.histogram.max == 256.0


def test_item_without_acquisition_time_uses_the_catalogue_time(designed, api):
    document = api.get(f"/stac/collections/pacific/items/{designed.fiji_west.pk}").json()
    validate_core(document)
    assert document["properties"]["datetime"] == document["properties"]["created"]


def test_a_local_file_gets_no_data_asset(designed, api):
    # Its path is no URL for a client, and would show the server's directories.
    document = api.get(f"/stac/collections/pacific/items/{designed.samoa.pk}").json()
    assert set(document["assets"]) == {"thumbnail", "metadata"}
    assert "/data/samoa.tif" not in str(document)


def test_item_of_another_collection_or_private_is_404(designed, api, alice):
    assert api.get(f"/stac/collections/pacific/items/{designed.alps.pk}").status_code == 404
    private = f"/stac/collections/europe/items/{designed.alps_private.pk}"
    assert api.get(private).status_code == 404
    api.force_authenticate(alice)
    assert api.get(private).status_code == 200


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"bbox": "179,-20,-179,-15"}, {"fiji_cross"}),
        ({"collections": "polar"}, {"arctic_cap", "antarctic"}),
        ({"datetime": "2024-06-15T00:00:00Z/2024-06-15T23:59:59Z"}, {"alps", "alps_inner"}),
        (
            {"intersects": json.dumps({"type": "Point", "coordinates": [6.75, 45.75]})},
            {"alps", "alps_inner"},
        ),
        ({"collections": "pacific", "datetime": "../2023-01-01T00:00:00Z"}, {"samoa"}),
    ],
)
def test_search_get(designed, api, params, expected):
    response = api.get("/stac/search", params)
    assert response["Content-Type"] == "application/geo+json"
    assert item_names(response) == expected


def test_search_post_with_ids_and_sortby(designed, api):
    body = {
        "ids": [str(designed.samoa.pk), str(designed.alps.pk), str(designed.arctic_cap.pk)],
        "sortby": [{"field": "properties.datetime", "direction": "desc"}],
    }
    response = api.post("/stac/search", body, format="json")
    assert [f["properties"]["title"] for f in response.json()["features"]] == [
        "alps", "arctic_cap", "samoa",
    ]  # fmt: skip
    ascending = api.get(
        "/stac/search", {"ids": body["ids"][0] + "," + body["ids"][1], "sortby": "+datetime"}
    )
    assert [f["properties"]["title"] for f in ascending.json()["features"]] == ["samoa", "alps"]


def test_search_pages_with_tokens(designed, api):
    seen = []
    response = api.get("/stac/search", {"limit": 4, "sortby": "title"})
    while True:
        document = response.json()
        seen += [feature["properties"]["title"] for feature in document["features"]]
        link = next((link for link in document["links"] if link["rel"] == "next"), None)
        if link is None:
            break
        assert "token=" in link["href"] and link["method"] == "GET"
        response = api.get(link["href"])
    public_ready = names(api.get("/api/rasters/"))
    assert seen == sorted(public_ready)


def test_collection_items_are_that_collections(designed, api):
    assert item_names(api.get("/stac/collections/pacific/items")) == {
        "fiji_cross",
        "fiji_west",
        "samoa",
    }
    assert item_names(api.get("/stac/collections/pacific/items", {"bbox": "170,-20,178.5,-10"})) == {
        "fiji_cross", "fiji_west",
    }  # fmt: skip
    assert api.get("/stac/collections/nowhere/items").status_code == 404


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"bbox": "1,2,3"}, "bbox: "),
        ({"sortby": "-cloud_cover"}, "sortby: cannot sort by 'cloud_cover'"),
        ({"datetime": "last week"}, "datetime: "),
        ({"ids": "abc"}, "ids: "),
        ({"query": '{"eo:cloud_cover": {"lt": 10}}'}, "query: not supported"),
        ({"token": "garbage"}, "token: not a cursor"),
    ],
)
def test_errors_take_the_stac_form(designed, api, params, words):
    response = api.get("/stac/search", params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert words in body["description"], body


def test_an_item_page_costs_two_queries(designed, api, django_assert_num_queries):
    with django_assert_num_queries(2):  # the items, then their bands
        assert len(item_names(api.get("/stac/search"))) == 9
