"""Cross-origin policy: anonymous reads of tiles and STAC from anywhere, credentials only from the
listed origins (rastercatalog/cors.py). The browser side is tests/e2e/test_cors_browser.py."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

LISTED = "https://maps.example.org"
FOREIGN = "https://elsewhere.example.com"


@pytest.fixture(autouse=True)
def listed_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [LISTED]


def preflight(api, path: str, origin: str, method: str = "GET"):
    return api.options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


@pytest.mark.parametrize("path", ["/stac/", "/stac/search?limit=1", "/stac/collections"])
def test_any_origin_reads_stac_without_credentials(designed, api, path):
    response = api.get(path, HTTP_ORIGIN=FOREIGN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "origin" in response["Vary"].lower()


def test_any_origin_reads_tilejson(designed, api):
    response = api.get(f"/api/rasters/{designed.alps.pk}/tilejson.json", HTTP_ORIGIN=FOREIGN)
    # The designed rasters have no file: the answer's status does not matter, its headers do.
    assert response["Access-Control-Allow-Origin"] == "*"


def test_preflight_of_a_stac_post_search_from_anywhere(api):
    response = preflight(api, "/stac/search", FOREIGN, method="POST")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "content-type" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/rasters/", "GET"),  # the catalog API is not in the public-read set
        ("/api/rasters/", "POST"),
        ("/api/rasters/1/tiles/0/0/0.png", "DELETE"),
        ("/stac/collections", "POST"),
    ],
)
def test_foreign_origin_gets_nothing_elsewhere(api, path, method):
    response = preflight(api, path, FOREIGN, method=method)
    assert "Access-Control-Allow-Origin" not in response


def test_listed_origin_gets_credentials_everywhere(designed, api):
    response = api.get("/api/rasters/", HTTP_ORIGIN=LISTED)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == LISTED
    assert response["Access-Control-Allow-Credentials"] == "true"
    stac = api.get("/stac/", HTTP_ORIGIN=LISTED)
    assert stac["Access-Control-Allow-Origin"] == LISTED
    assert stac["Access-Control-Allow-Credentials"] == "true"
    answer = preflight(api, "/api/rasters/", LISTED, method="POST")
    assert answer["Access-Control-Allow-Origin"] == LISTED
    assert "POST" in answer["Access-Control-Allow-Methods"]


def test_same_origin_requests_get_no_cors_headers(designed, api):
    response = api.get("/stac/")
    assert "Access-Control-Allow-Origin" not in response
