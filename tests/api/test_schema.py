"""The OpenAPI schema documents the raster data endpoints and their parameters; Swagger UI renders."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

DATA_ENDPOINTS = {
    "/api/rasters/{raster_id}/metadata": [],
    "/api/rasters/{raster_id}/metadata/internal": [],
    "/api/rasters/{raster_id}/bands": [],
    "/api/rasters/{raster_id}/statistics": [],
    "/api/rasters/{raster_id}/pixel": ["lon", "lat", "crs", "x", "y"],
    "/api/rasters/{raster_id}/histogram": ["band", "bins", "range", "density"],
    "/api/rasters/{raster_id}/region.{fmt}": ["bbox", "crs", "max_size"],
    "/api/rasters/{raster_id}/thumbnail.{fmt}": ["size"],
    "/api/rasters/{raster_id}/cog": [],
}


def test_schema_lists_the_data_endpoints_and_their_parameters(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, parameters in DATA_ENDPOINTS.items():
        assert path in paths, path
        documented = {p["name"] for p in paths[path]["get"].get("parameters", [])}
        assert set(parameters) <= documented, (path, documented)
        assert paths[path]["get"]["summary"]
    validate = paths["/api/cog/validate"]["post"]
    assert set(validate["requestBody"]["content"]) >= {"multipart/form-data", "application/json"}


def test_swagger_ui_renders(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content
