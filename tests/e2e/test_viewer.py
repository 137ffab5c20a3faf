"""The map viewer at / in a real browser: search, overlays, pixel values, histogram, 3D, permalinks.

Needs the built front end (frontend/dist, `make test` builds it). Screenshots go to
var/e2e-artifacts/ so that a person can look at what the browser saw.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image, ImageChops, ImageStat

from rastercatalog.catalog.demo import demo_write_all
from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Collection

from .conftest import CHROMIUM, offline_context

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "e2e-artifacts"
# WebGL without a GPU: SwiftShader, Chromium's software renderer (Cesium needs WebGL).
GL_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
]


@pytest.fixture(scope="module")
def gl_browser(browser):
    """Chromium with software WebGL for the viewer (the shared `browser` has the GPU disabled).

    Launched from the shared fixture's Playwright: one sync Playwright per thread is all it allows.
    """
    if not (Path(settings.BASE_DIR) / "frontend" / "dist" / "index.html").is_file():
        pytest.skip(
            "the viewer is not built: run `make test` (or npm ci && npm run build in frontend/)"
        )
    instance = browser.browser_type.launch(executable_path=CHROMIUM, args=GL_ARGS)
    yield instance
    instance.close()


@pytest.fixture
def viewer(gl_browser):
    """A page that may only reach the test server (the basemap falls back to offline imagery)."""
    context = offline_context(gl_browser, width=1400, height=900)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.tiles = []
    page.on(
        "response",
        lambda r: page.tiles.append((r.url, r.status)) if "/tiles/" in r.url else None,
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    yield page
    context.close()


@pytest.fixture
def catalog(tmp_path):
    """The four demo rasters; the DEM and the RGB scene in an "alps" collection, dated 2024."""
    alps = Collection.objects.create(slug="alps", name="Alps")
    rasters = {}
    for path in demo_write_all(tmp_path):
        raster = raster_ingest(uri=str(path), trusted=True).raster
        if raster.name in ("dem_alps_wgs84", "rgb_utm33n"):
            raster.collection = alps
            raster.acquired_at = datetime(2024, 6, 1, tzinfo=UTC)
            raster.save()
        rasters[raster.name] = raster
    return rasters


def open_viewer(page, live_server, query: str = "") -> None:
    page.goto(f"{live_server.url}/{query}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)


def wait_idle(page) -> None:
    """Until no tile or search is in flight (the loading pill is hidden)."""
    page.wait_for_function("document.getElementById('loading').hidden", timeout=30_000, polling=100)
    page.wait_for_timeout(300)


def container_point(page, lon: float, lat: float) -> tuple[float, float]:
    box = page.locator("#map").bounding_box()
    point = page.evaluate(
        "([lon, lat]) => { const p = window.rastercatalogViewer.map2d.map"
        ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lon, lat],
    )
    return box["x"] + point[0], box["y"] + point[1]


def result_names(page) -> list[str]:
    return page.eval_on_selector_all(
        "#results li.result .title", "els => els.map(e => e.textContent)"
    )


def shot(page, name: str, selector: str = "#map") -> Image.Image:
    png = page.locator(selector).screenshot(path=str(ARTIFACTS / f"{name}.png"))
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_draw_a_box_lists_and_outlines_the_rasters_inside(viewer, live_server, catalog):
    open_viewer(viewer, live_server, "?view=46,8,5")
    assert len(result_names(viewer)) == 4  # no area yet: the whole catalog

    viewer.click("#draw-rect")
    for lon, lat in [(5.0, 44.5), (10.0, 47.8)]:
        x, y = container_point(viewer, lon, lat)
        viewer.mouse.move(x, y)
        viewer.mouse.click(x, y)
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 1")
    wait_idle(viewer)

    assert result_names(viewer) == ["dem_alps_wgs84"]
    assert viewer.locator(".leaflet-footprints-pane path.leaflet-interactive").count() >= 1
    bbox = viewer.evaluate("window.rastercatalogViewer.store.get().bbox")
    assert bbox == pytest.approx([5, 44.5, 10, 47.8], abs=0.05)  # to the pixel the mouse hit
    assert "bbox=" in viewer.url
    # Hovering the result highlights its footprint.
    viewer.hover("#results li.result .name")
    assert "hot" in viewer.locator("#results li.result").get_attribute("class")
    shot(viewer, "viewer-1-search-box", "#app")
    assert viewer.errors == []


def test_search_this_view_with_collection_and_dates(viewer, live_server, catalog):
    open_viewer(viewer, live_server, "?view=45,0,3")
    viewer.select_option("#collection", "alps")
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 2")
    viewer.fill("#date-from", "2025-01-01")
    viewer.wait_for_selector("#results li.empty")
    viewer.fill("#date-from", "2024-05-01")
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 2")
    viewer.keyboard.press("Escape")
    viewer.click("#search-view")
    viewer.wait_for_function("document.getElementById('search-area').textContent.startsWith('In ')")
    wait_idle(viewer)
    assert sorted(result_names(viewer)) == ["dem_alps_wgs84", "rgb_utm33n"]
    assert "collection=alps" in viewer.url and "from=2024-05-01" in viewer.url


def test_overlay_colormap_pixel_histogram_and_permalink(viewer, live_server, catalog):
    dem = catalog["dem_alps_wgs84"]
    open_viewer(viewer, live_server, "?view=46,7.5,7")
    viewer.click("#search-view")
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length >= 1")
    before = shot(viewer, "viewer-2-before-overlay")

    viewer.locator(f'#results li[data-id="{dem.pk}"] button.add').click()
    wait_idle(viewer)
    tiles = [(url, status) for url, status in viewer.tiles if f"/rasters/{dem.pk}/tiles/" in url]
    assert tiles and all(status == 200 for _, status in tiles), tiles
    assert all("palette=viridis" in url and "stretch=p2p98" in url for url, _ in tiles)
    viridis = shot(viewer, "viewer-3-overlay-viridis")
    assert ImageStat.Stat(ImageChops.difference(before, viridis)).mean[1] > 5  # the overlay shows

    # Another colormap: new tiles, other colours where the DEM is.
    viewer.click(".cmap-trigger")
    viewer.fill(".cmap-filter", "magma")
    viewer.click('.cmap-option[data-name="magma"]')
    viewer.wait_for_function(
        "[...document.querySelectorAll('.overlay img')].some(i => i.src.includes('palette=magma'))"
    )
    wait_idle(viewer)
    magma_tiles = [s for url, s in viewer.tiles if "palette=magma" in url]
    assert magma_tiles and all(s == 200 for s in magma_tiles)
    magma = shot(viewer, "viewer-4-overlay-magma")
    assert ImageStat.Stat(ImageChops.difference(viridis, magma)).mean[0] > 5
    assert "p=magma" in viewer.url

    # Click the map: the pixel panel shows what the pixel API says.
    lon, lat = 7.2, 46.1
    viewer.mouse.click(*container_point(viewer, lon, lat))
    viewer.wait_for_selector("#pane-pixel[data-ready=true] .value")
    clicked = viewer.evaluate("window.rastercatalogViewer.lastClick()")
    api = viewer.request.get(
        f"{live_server.url}/api/rasters/{dem.pk}/pixel?lon={clicked[0]}&lat={clicked[1]}"
    ).json()
    shown = viewer.locator(f'#pane-pixel tr[data-id="{dem.pk}"] .value b').all_inner_texts()
    assert len(shown) == len(api["values"]) == 1
    assert float(shown[0]) == pytest.approx(api["values"][0], rel=1e-5)
    assert f"col {api['col']}, row {api['row']}" in viewer.inner_text("#pane-pixel")
    shot(viewer, "viewer-5-pixel", "#app")

    # The histogram of the band.
    viewer.click("#tab-histogram")
    viewer.wait_for_selector("#pane-histogram[data-ready=true] svg.histogram")
    assert viewer.locator("#pane-histogram svg.histogram rect.bar").count() == 64
    assert "valid pixels" in viewer.inner_text("#pane-histogram")
    # Details: the COG verdict and a download link.
    viewer.click("#tab-details")
    viewer.wait_for_selector("#pane-details p.ok, #pane-details p.error")
    assert viewer.locator("#pane-details a[href*='region.tif?bbox=']").count() >= 1
    viewer.wait_for_selector("#pane-details details")  # the metadata has arrived
    shot(viewer, "viewer-6b-details", "#app")
    viewer.click("#tab-histogram")
    shot(viewer, "viewer-6-histogram", "#app")
    assert viewer.errors == []

    # The permalink reproduces the screen in a fresh page.
    viewer.wait_for_timeout(400)  # the URL is updated 150 ms after the last change
    link = viewer.url
    permalink = viewer.evaluate("window.rastercatalogViewer.permalink()")
    assert link.endswith("?" + permalink)
    layers = viewer.evaluate("JSON.stringify(window.rastercatalogViewer.store.get().layers)")
    again = viewer.context.new_page()
    again.goto(link)
    again.wait_for_selector("body[data-ready=true]", timeout=30_000)
    wait_idle(again)
    assert again.evaluate("window.rastercatalogViewer.permalink()") == permalink
    assert again.evaluate("JSON.stringify(window.rastercatalogViewer.store.get().layers)") == layers
    assert again.locator(".overlay img[src*='palette=magma']").count() >= 1
    assert result_names(again) == result_names(viewer)
    assert "magma" in again.locator(".legend img").get_attribute("src")
    again.close()


def test_globe_shows_the_same_view_and_overlays(viewer, live_server, catalog):
    dem = catalog["dem_alps_wgs84"]
    open_viewer(viewer, live_server, f"?view=46,7.5,6&layer={dem.pk};b=1;p=terrain;s=p2p98")
    wait_idle(viewer)
    seen_in_2d = len(viewer.tiles)
    viewer.click("#mode-toggle")
    viewer.wait_for_selector("body[data-globe]", timeout=60_000)
    if viewer.get_attribute("body", "data-globe") == "failed":
        # Cesium could not get WebGL: it must say so and leave the 2D map usable.
        assert "WebGL" in viewer.inner_text("#status")
        assert viewer.locator("#map").is_visible()
        pytest.skip("no WebGL in this Chromium: the viewer reported it and stayed in 2D")
    # Let the globe stream its imagery and the overlay tiles.
    viewer.wait_for_function(
        "() => { const g = window.rastercatalogViewer.globe.viewer;"
        " return g.scene.globe.tilesLoaded; }",
        timeout=60_000,
    )
    viewer.wait_for_timeout(1500)
    globe = shot(viewer, "viewer-7-globe", "#app")
    canvas = shot(viewer, "viewer-7-globe-canvas", "#globe")
    stat = ImageStat.Stat(canvas)
    assert max(stat.stddev) > 20, "the globe canvas is blank"
    assert len(canvas.resize((160, 100)).getcolors(maxcolors=16000)) > 200
    assert globe.size[0] > 0
    assert "mode=3d" in viewer.url
    globe_tiles = [s for url, s in viewer.tiles[seen_in_2d:] if f"/rasters/{dem.pk}/tiles/" in url]
    assert globe_tiles and all(status == 200 for status in globe_tiles), globe_tiles
    # The overlay is on the globe: hiding the layer changes the picture.
    viewer.uncheck(f'#layers li[data-id="{dem.pk}"] input[type=checkbox]')
    viewer.wait_for_timeout(1500)
    hidden = shot(viewer, "viewer-7-globe-overlay-hidden", "#globe")
    assert ImageStat.Stat(ImageChops.difference(canvas, hidden)).mean[0] > 1
    viewer.check(f'#layers li[data-id="{dem.pk}"] input[type=checkbox]')
    view = viewer.evaluate("window.rastercatalogViewer.store.get().view")
    assert view["lat"] == pytest.approx(46, abs=0.5) and view["lon"] == pytest.approx(7.5, abs=0.5)

    # A permalink taken in 3D opens in 3D.
    viewer.wait_for_timeout(400)
    again = viewer.context.new_page()
    again.goto(viewer.url)
    again.wait_for_selector("body[data-globe=ready]", timeout=60_000)
    assert again.locator("#globe canvas").is_visible()
    again.close()

    viewer.click("#mode-toggle")  # back to 2D, same place
    viewer.wait_for_selector("#map:visible", timeout=60_000)
    # The hidden globe stops drawing frames (it would keep a core busy in software WebGL).
    assert viewer.evaluate("window.rastercatalogViewer.globe.viewer.useDefaultRenderLoop") is False
    center = viewer.evaluate(
        "(() => { const c = window.rastercatalogViewer.map2d.map.getCenter();"
        " return [c.lat, c.lng]; })()"
    )
    assert center[0] == pytest.approx(46, abs=0.5) and center[1] == pytest.approx(7.5, abs=0.5)
    assert viewer.errors == []


def test_narrow_screen_and_offline_basemap(viewer, live_server, catalog):
    viewer.set_viewport_size({"width": 420, "height": 860})
    open_viewer(viewer, live_server, "?view=30,0,2")
    # The basemap's host is unreachable here: the offline Natural Earth imagery replaces it.
    viewer.wait_for_selector(".basemap-offline canvas", timeout=20_000)
    wait_idle(viewer)
    assert viewer.locator("#search-view").is_visible()
    image = shot(viewer, "viewer-8-narrow", "#app")
    assert max(ImageStat.Stat(image).stddev) > 20
    viewer.set_viewport_size({"width": 1400, "height": 900})
    assert viewer.errors == []


def test_more_matches_than_the_list_draws_footprints_from_vector_tiles(
    viewer, live_server, catalog, settings
):
    settings.RASTERCATALOG_SEARCH_DEFAULT_LIMIT = 2  # the viewer's page size: 4 rasters overflow it
    open_viewer(viewer, live_server, "?view=30,0,2")
    viewer.wait_for_selector(".footprint-tiles canvas")
    wait_idle(viewer)
    viewer.wait_for_function(
        "window.rastercatalogViewer.map2d.footprintTiles().stats.features > 0", timeout=20_000
    )
    assert len(result_names(viewer)) == 2
    assert viewer.inner_text("#result-count") == "2+"
    mvt = [s for url, s in viewer.tiles if ".mvt" in url]
    assert mvt and all(status in (200, 204) for status in mvt), mvt
    shot(viewer, "viewer-9-vector-tiles", "#app")
    assert viewer.errors == []


def test_polygon_search_and_rgb_composite(viewer, live_server, catalog):
    rgb = catalog["rgb_utm33n"]
    open_viewer(viewer, live_server, "?view=46,11,6")
    viewer.click("#draw-poly")
    corners = [(13.0, 45.0), (16.0, 45.0), (16.0, 47.5), (13.0, 47.5)]
    for lon, lat in [*corners, corners[0]]:
        x, y = container_point(viewer, lon, lat)
        viewer.mouse.move(x, y)
        viewer.mouse.click(x, y)
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 1")
    assert result_names(viewer) == ["rgb_utm33n"]
    viewer.wait_for_url("**polygon=**")
    assert "polygon" in viewer.inner_text("#search-area")

    viewer.locator(f'#results li[data-id="{rgb.pk}"] button.add').click()
    viewer.wait_for_selector(".overlay img")
    wait_idle(viewer)
    tiles = [(url, s) for url, s in viewer.tiles if f"/rasters/{rgb.pk}/tiles/" in url]
    assert tiles and all(s == 200 and "band=1,2,3" in url for url, s in tiles), tiles
    assert "RGB" in viewer.inner_text("#legend")
    # Keyboard: Enter on the focused map reads the values at its centre, for all three bands.
    viewer.evaluate(
        "id => { const b = window.rastercatalogViewer.info.get(id).bbox;"
        " window.rastercatalogViewer.map2d.map.setView([(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], 12,"
        " {animate: false}); }",
        rgb.pk,
    )
    viewer.focus("#map")
    viewer.keyboard.press("Enter")
    viewer.wait_for_selector("#pane-pixel[data-ready=true] .value")
    assert viewer.locator(f'#pane-pixel tr[data-id="{rgb.pk}"] .value').count() == 3
    wait_idle(viewer)
    shot(viewer, "viewer-10-rgb", "#app")
    assert viewer.errors == []
