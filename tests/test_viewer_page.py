"""The page at /: the built viewer with its configuration from settings, or how to build it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

BUILT = (Path(django_settings.BASE_DIR) / "frontend" / "dist" / "index.html").is_file()


def viewer_config(html: str) -> dict:
    match = re.search(r'<script id="viewer-config" type="application/json">(.*?)</script>', html)
    assert match, "no viewer-config in the page"
    return json.loads(match.group(1))


@pytest.mark.skipif(not BUILT, reason="the viewer is not built (make test builds it)")
def test_viewer_page_carries_the_basemap_and_api_settings(client, settings):
    settings.RASTERCATALOG_BASEMAP_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.RASTERCATALOG_BASEMAP_ATTRIBUTION = "&copy; Example <b>maps</b>"

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    config = viewer_config(html)
    assert config["basemapUrl"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert config["basemapAttribution"] == "&copy; Example <b>maps</b>"
    assert config["apiRoot"] == "/api/"
    assert config["cesiumBaseUrl"] == "/static/viewer/cesium/"
    assert config["searchLimit"] == settings.RASTERCATALOG_SEARCH_DEFAULT_LIMIT
    # The built assets are referenced under /static/viewer/, nothing from a CDN.
    assert re.search(r'src="/static/viewer/assets/index-[^"]+\.js"', html)
    assert "http" not in re.sub(r'<script id="viewer-config".*?</script>', "", html, flags=re.S)


def test_unbuilt_viewer_says_how_to_build_it(client, settings, tmp_path, db):
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path]  # no dist/index.html there
    settings.TEMPLATES = templates

    response = client.get("/")

    assert response.status_code == 200
    assert b"npm run build" in response.content
    assert client.get("/healthz").status_code == 200
