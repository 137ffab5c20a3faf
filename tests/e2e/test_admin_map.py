"""The admin in a real browser: a staff user sees the catalogued footprints on a map."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from rastercatalog.catalog.demo import DEMO_RASTERS, demo_write_all
from rastercatalog.catalog.ingest import raster_ingest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_catalog(tmp_path):
    rasters = [raster_ingest(uri=str(p), trusted=True).raster for p in demo_write_all(tmp_path)]
    get_user_model().objects.create_superuser("staff", "staff@example.invalid", "secret-pass")
    return rasters


def log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "staff")
    page.fill("#id_password", "secret-pass")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def test_changelist_draws_every_footprint_and_fits_them(page, live_server, demo_catalog):
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/rastercatalog/raster/")
    page.wait_for_function("window.rastercatalogFootprintMap !== undefined")
    page.wait_for_timeout(300)  # the fit runs once django-leaflet has set its default view

    assert page.errors == []
    names = page.eval_on_selector_all(
        "#result_list tbody th a", "links => links.map(a => a.textContent)"
    )
    assert sorted(names) == sorted(name.removesuffix(".tif") for name in DEMO_RASTERS)
    bounds = page.evaluate(
        """() => {
            const map = window.rastercatalogFootprintMap, parts = [];
            map.eachLayer(l => { if (l.feature) parts.push(l.feature.properties.name); });
            const b = map.getBounds();
            return {parts, west: b.getWest(), east: b.getEast(), south: b.getSouth(), north: b.getNorth()};
        }"""
    )
    assert sorted(set(bounds["parts"])) == sorted(r.name for r in demo_catalog)
    # Lisbon (-9°) to Fiji, drawn east of 180° rather than split across the whole map.
    assert bounds["west"] < -9.2 and bounds["east"] > 182.7
    assert bounds["south"] < -20.3 and bounds["north"] > 47.0


def test_change_page_shows_the_footprint_on_a_map(page, live_server, demo_catalog):
    dem = next(r for r in demo_catalog if r.name == "dem_alps_wgs84")
    log_in(page, live_server)

    page.goto(f"{live_server.url}/admin/rastercatalog/raster/{dem.pk}/change/")

    page.wait_for_selector(".leaflet-container path.leaflet-interactive")
    assert page.errors == []
    assert page.locator("text=Float32").count() >= 1
    assert page.locator("#bands-group").is_visible()
