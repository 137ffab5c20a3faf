"""The search routes do not collide with the per-raster data routes; the OpenAPI schema documents
them; an ingested file's links lead to the data API."""

from __future__ import annotations

import math

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

from rastercatalog.api.catalog import views as catalog_views
from rastercatalog.api.stac import views as stac_views
from rastercatalog.catalog.ingest import raster_ingest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "view"),
    [
        ("/api/rasters/search", catalog_views.RasterSearchApi),
        ("/api/rasters/12/", catalog_views.RasterDetailApi),
        ("/api/rasters/tiles/3/4/2.mvt", catalog_views.FootprintTileApi),
        ("/api/collections/", catalog_views.CollectionListApi),
        ("/api/collections/sentinel-2/", catalog_views.CollectionDetailApi),
        ("/stac/", stac_views.StacLandingApi),
        ("/stac/search", stac_views.StacSearchApi),
        ("/stac/collections/sentinel-2/items/12", stac_views.StacItemApi),
    ],
)
def test_search_routes_resolve_to_the_search_views(path, view):
    # data_urls.py comes first in rastercatalog/api/urls.py: none of its patterns may catch these.
    assert resolve(path).func.view_class is view


def test_rasters_routes_get_to_the_search_and_post_to_the_upload():
    views = resolve("/api/rasters/").func.views_by_method
    assert views["GET"] is catalog_views.RasterListApi
    assert views["POST"] is catalog_views.RasterUploadApi


def test_the_data_routes_are_not_caught_by_the_search_routes():
    for path in (
        "/api/rasters/12/metadata",
        "/api/rasters/12/cog",
        "/api/rasters/12/thumbnail.png",
    ):
        assert resolve(path).func.view_class.__module__ != catalog_views.__name__, path


def test_openapi_documents_the_search_parameters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"] for p in schema["paths"]["/api/rasters/"]["get"]["parameters"]}
    assert {"bbox", "intersects", "point", "predicate", "datetime", "collection", "q"} <= parameters
    assert {
        "dtype",
        "band_count",
        "is_cog",
        "status",
        "resolution_min",
        "resolution_max",
    } <= parameters
    assert {"ordering", "limit", "cursor"} <= parameters
    tile = schema["paths"]["/api/rasters/tiles/{z}/{x}/{y}.mvt"]["get"]
    assert "bbox" in {p["name"] for p in tile["parameters"]}
    assert "/stac/search" in schema["paths"]


def test_an_ingested_raster_links_to_its_data(api, write_raster, ramp_u8):
    path = write_raster("ramp.tif", ramp_u8, geotransform=(10.0, 0.01, 0.0, 50.0, 0.0, -0.01))
    raster = raster_ingest(uri=str(path), trusted=True).raster
    (feature,) = api.get("/api/rasters/", {"bbox": "10,47,13,50"}).json()["features"]
    assert feature["id"] == raster.pk
    assert feature["bbox"] == pytest.approx([10.0, 48.0, 13.0, 50.0])
    links = feature["properties"]["links"]
    assert api.get(links["self"]).json()["properties"]["checksum_sha256"] == raster.checksum_sha256
    # The per-raster data API answers at every link.
    assert api.get(links["metadata"]).status_code == 200
    assert "is_valid" in api.get(links["cog"]).json()
    thumbnail = api.get(links["thumbnail"])
    assert thumbnail.status_code == 200 and _body(thumbnail).startswith(b"\x89PNG")
    tilejson = api.get(links["tilejson"]).json()
    assert tilejson["tiles"][0].startswith(links["tiles"].split("{z}")[0])
    z = tilejson["minzoom"]
    x = int((11.5 + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(49))) / math.pi) / 2 * 2**z)
    tile = api.get(links["tiles"].format(z=z, x=x, y=y))
    assert tile.status_code == 200 and _body(tile).startswith(b"\x89PNG")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
