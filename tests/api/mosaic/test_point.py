"""GET /api/mosaic/point: every matching raster's values at a point (the time series), JSON or CSV."""

from __future__ import annotations

import csv
import io

import pytest

from rastercatalog.models import Raster

pytestmark = pytest.mark.django_db

IN_ALL = (11.2, 45.3)  # on new, mid and old
IN_NEW_HOLE = (10.75, 45.25)  # new has nodata there


def pixel_api(api, raster: Raster, lon: float, lat: float) -> list:
    response = api.get(f"/api/rasters/{raster.pk}/pixel", {"lon": lon, "lat": lat})
    assert response.status_code == 200, response.content
    return response.json()["values"]


@pytest.mark.parametrize("where", [IN_ALL, IN_NEW_HOLE])
def test_the_time_series_is_the_pixel_api_raster_by_raster(api, scene, where):
    lon, lat = where
    response = api.get("/api/mosaic/point", {"lon": lon, "lat": lat, "collection": "series"})
    assert response.status_code == 200, response.content
    body = response.json()
    # Oldest acquisition first; a raster with no acquisition time last.
    expected = [
        (raster, pixel_api(api, raster, lon, lat))
        for raster in (scene.mid, scene.new, scene.old)
        if raster.bbox_west <= lon <= raster.bbox_east
    ]
    assert [entry["raster"] for entry in body["values"]] == [r.pk for r, _ in expected]
    assert [entry["values"] for entry in body["values"]] == [values for _, values in expected]
    assert [entry["name"] for entry in body["values"]] == [r.name for r, _ in expected]
    assert body["values"][0]["acquired_at"] == "2024-02-01T00:00:00Z"
    assert body["values"][-1]["acquired_at"] is None


def test_nodata_is_null(api, scene):
    lon, lat = IN_NEW_HOLE
    body = api.get("/api/mosaic/point", {"lon": lon, "lat": lat, "ids": scene.new.pk}).json()
    assert body["values"] == [
        {
            "raster": scene.new.pk,
            "name": "new",
            "acquired_at": "2024-03-01T00:00:00Z",
            "values": [None],
        }
    ]


def test_csv_gives_the_same_with_a_header_row(api, scene):
    lon, lat = IN_NEW_HOLE
    query = {"lon": lon, "lat": lat, "collection": "series"}
    body = api.get("/api/mosaic/point", query).json()
    response = api.get("/api/mosaic/point", {**query, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["raster", "name", "acquired_at", "b1"]
    assert len(rows) == 1 + len(body["values"])
    for row, entry in zip(rows[1:], body["values"], strict=True):
        value = entry["values"][0]
        assert row == [
            str(entry["raster"]),
            entry["name"],
            entry["acquired_at"] or "",
            "" if value is None else str(value),
        ]


def test_private_rasters_stay_out_of_other_peoples_time_series(api, scene, alice):
    Raster.objects.filter(pk=scene.mid.pk).update(visibility=Raster.Visibility.PRIVATE, owner=alice)
    lon, lat = IN_ALL
    query = {"lon": lon, "lat": lat, "collection": "series"}
    anonymous = [e["raster"] for e in api.get("/api/mosaic/point", query).json()["values"]]
    assert scene.mid.pk not in anonymous and scene.new.pk in anonymous
    api.force_authenticate(alice)
    hers = [e["raster"] for e in api.get("/api/mosaic/point", query).json()["values"]]
    assert scene.mid.pk in hers


def test_above_the_cap_a_422_says_so(api, scene, settings):
    settings.RASTERCATALOG_MOSAIC_POINT_MAX_RASTERS = 2
    lon, lat = IN_ALL
    response = api.get("/api/mosaic/point", {"lon": lon, "lat": lat})
    assert response.status_code == 422
    assert "more than the 2 rasters a time series may read" in response.json()["detail"]
    narrowed = api.get("/api/mosaic/point", {"lon": lon, "lat": lat, "datetime": "2024-01-01/.."})
    assert narrowed.status_code == 200


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"lat": "45"}, "parameter lon is required"),
        ({"lon": "200", "lat": "45"}, "lon"),
        ({"lon": "11", "lat": "x"}, "lat"),
        ({"lon": "11", "lat": "45", "format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_400(api, scene, query, words):
    response = api.get("/api/mosaic/point", query)
    assert response.status_code == 400, response.content
    assert words in response.json()["detail"]
