"""Pages of search results written from their rows (api/catalog/feature_rows.py) are the
serializer's Features, for the values a Feature finds hardest to write."""

from __future__ import annotations

import json
import math

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection

from rastercatalog.api.catalog.feature_rows import FEATURE_FIELDS, features_json
from rastercatalog.models import Raster

pytestmark = pytest.mark.django_db

WKT_ONLY = 'PROJCS["Some local grid",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]]]]'


def _odd(name: str, **fields) -> Raster:
    footprint = MultiPolygon(Polygon.from_bbox((10, 10, 11, 11)), srid=4326)
    values = {
        "uri": f"/data/{name}.tif",
        "status": Raster.Status.READY,
        "checksum_sha256": name.encode().hex().ljust(64, "0")[:64],
        "width": 10,
        "height": 10,
        "band_count": 1,
        "dtype": "Float32",
        "footprint": footprint,
        "bbox_west": 10.0,
        "bbox_south": 10.0,
        "bbox_east": 11.0,
        "bbox_north": 11.0,
    }
    values.update(fields)
    return Raster.objects.create(name=name, **values)


@pytest.fixture
def odd_rasters(db) -> list[Raster]:
    return [
        _odd("wkt only", crs_wkt=WKT_ONLY),
        _odd("plus infinity", crs_epsg=4326, nodata=math.inf),
        _odd("minus infinity", crs_epsg=4326, nodata=-math.inf),
        _odd('quotes " and \\ and ünïcödé 100%', crs_epsg=32633, nodata=-9999.5),
        _odd("tiny resolution", resolution_x=1e-05, resolution_y=-1e-05, nodata=0.0),
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "9,9,12,12"},  # newest first in an area: the prepared statement
        {"ordering": "name"},  # any other search: through the ORM
    ],
)
def test_pages_equal_the_serializers_for_odd_values(odd_rasters, api, params):
    listed = api.get("/api/rasters/", params).json()
    assert len(listed["features"]) == 5
    for feature in listed["features"]:
        assert feature == api.get(f"/api/rasters/{feature['id']}/").json(), feature["id"]
    by_name = {f["properties"]["name"]: f["properties"] for f in listed["features"]}
    assert by_name["wkt only"]["crs"] == WKT_ONLY
    assert by_name["plus infinity"]["nodata"] == "inf"
    assert by_name["minus infinity"]["nodata"] == "-inf"
    assert by_name["tiny resolution"]["resolution"] == [1e-05, -1e-05]


def test_links_keep_every_character_of_the_root(odd_rasters):
    """The links are a template per root URL: a `%` or a quote in it must survive as written."""
    raster = odd_rasters[0]
    columns = ", ".join(connection.ops.quote_name(name) for name in FEATURE_FIELDS[:-3])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, NULL, NULL, NULL FROM rastercatalog_raster WHERE id = %s",
            [raster.pk],
        )  # noqa: S608
        row = cursor.fetchone()
    root = 'http://host:8000/a%20b/"q"/api/rasters/'
    (feature,) = json.loads(features_json([row], root))
    assert feature["geometry"] is None and feature["properties"]["collection"] is None
    assert feature["properties"]["links"]["self"] == f"{root}{raster.pk}/"
    assert (
        feature["properties"]["links"]["tiles"] == f"{root}{raster.pk}/tiles/{{z}}/{{x}}/{{y}}.png"
    )
