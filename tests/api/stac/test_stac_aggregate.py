"""STAC aggregation extension: counts by time, collection and geotile, honouring the search."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.django_db


def by_name(response) -> dict:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["type"] == "AggregationCollection"
    return {aggregation["name"]: aggregation for aggregation in body["aggregations"]}


def buckets(aggregation) -> dict:
    return {bucket["key"]: bucket["frequency"] for bucket in aggregation["buckets"]}


def test_total_count_and_frequencies(designed, api):
    names = "total_count,datetime_frequency,collection_frequency,datetime_min,datetime_max"
    result = by_name(api.get("/stac/aggregate", {"aggregations": names}))
    assert result["total_count"]["value"] == 9  # the public ready rasters
    assert buckets(result["collection_frequency"]) == {"europe": 3, "pacific": 3, "polar": 2}
    assert buckets(result["datetime_frequency"]) == {
        "2021-01-01T00:00:00Z": 1,
        "2022-05-01T00:00:00Z": 1,
        "2023-12-01T00:00:00Z": 1,
        "2024-01-01T00:00:00Z": 1,
        "2024-03-01T00:00:00Z": 2,
        "2024-06-01T00:00:00Z": 2,
    }
    assert result["datetime_min"]["value"] == "2021-01-01T00:00:00Z"
    assert result["datetime_max"]["value"] == "2024-06-15T10:00:00Z"


def test_interval_year_and_the_same_filters_as_search(designed, api):
    params = {
        "aggregations": "datetime_frequency,total_count",
        "datetime_frequency_interval": "year",
        "filter": "gsd < 100",
        "bbox": "0,40,20,50",
    }
    result = by_name(api.get("/stac/aggregate", params))
    assert result["total_count"]["value"] == 3  # alps, alps_inner, alps_east
    assert buckets(result["datetime_frequency"]) == {
        "2023-01-01T00:00:00Z": 1,
        "2024-01-01T00:00:00Z": 2,
    }
    body = {"aggregations": ["total_count"], "collections": ["polar"], "datetime": "2024-03-02"}
    assert by_name(api.post("/stac/aggregate", body, format="json"))["total_count"]["value"] == 1
    own = api.get("/stac/collections/pacific/aggregate", {"aggregations": "total_count"})
    assert by_name(own)["total_count"]["value"] == 3


def test_geotile_frequency(designed, api):
    params = {"aggregations": "grid_geotile_frequency", "grid_geotile_frequency_precision": "2"}
    result = buckets(by_name(api.get("/stac/aggregate", params))["grid_geotile_frequency"])
    # The three alps and null_island (0.5 N: row 1) are in tile 2/2/1; fiji_cross's bbox centre
    # is on 180° (the last column, as fiji_west's); samoa is in the first column.
    assert result["2/2/1"] == 4
    assert result["2/3/2"] == 2
    assert result["2/0/2"] == 1
    assert sum(result.values()) == 9


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"aggregations": "mean_gsd"}, "aggregations"),
        ({"datetime_frequency_interval": "week"}, "datetime_frequency_interval"),
        ({"grid_geotile_frequency_precision": "99"}, "grid_geotile_frequency_precision"),
        ({"filter": "nope < 1"}, "filter"),
    ],
)
def test_bad_parameters(designed, api, params, named):
    response = api.get("/stac/aggregate", params)
    assert response.status_code == 400
    assert response.json()["description"].startswith(named + ":")


def test_aggregations_listed_and_advertised(designed, api):
    listed = api.get("/stac/aggregations").json()["aggregations"]
    assert {"name": "total_count", "data_type": "integer"} in listed
    assert api.get("/stac/collections/nowhere/aggregations").status_code == 404
    assert api.get("/stac/collections/nowhere/aggregate").status_code == 404
    assert (
        "https://api.stacspec.org/v0.3.0/aggregation"
        in api.get("/stac/conformance").json()["conformsTo"]
    )


@pytest.mark.django_db(transaction=True)
def test_aggregation_over_http(live_server, designed):
    # As a client would send it (the README's example), through a real HTTP server.
    response = requests.get(
        f"{live_server.url}/stac/aggregate",
        params={"aggregations": "total_count,datetime_frequency", "collections": "europe"},
        timeout=30,
    )
    result = {a["name"]: a for a in response.json()["aggregations"]}
    assert result["total_count"]["value"] == 3
