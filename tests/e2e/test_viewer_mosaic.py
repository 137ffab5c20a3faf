"""The viewer's mosaics in a real browser: a search shown as one layer (method, style, time slider),
its values over time at a click, its permalink, and the per-tile cap explained in its layer entry.

Three flat two-band rasters of one collection overlap (values per band, acquisition day):

    jan  lon 10.0-12.0  (40, 200)  2024-01-15
    apr  lon 10.5-12.5  (120, 100) 2024-04-15, nodata over lon 11.0-11.5, lat 45.0-45.5
    jul  lon  9.5-11.5  (220, 20)  2024-07-15

all lat 44-46, 0.01 degrees a pixel. ALL3 lies on the three, HOLE in apr's nodata.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib import colormaps

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Collection

from .test_viewer import (  # noqa: F401
    container_point,
    gl_browser,
    open_viewer,
    shot,
    viewer,
    wait_idle,
)

pytestmark = pytest.mark.django_db(transaction=True)

PIXEL = 0.01
ALL3, HOLE = (11.25, 45.75), (11.25, 45.25)
MOSAIC_TILES = "/api/mosaic/tiles/"


@pytest.fixture
def series(write_raster) -> SimpleNamespace:
    collection = Collection.objects.create(slug="series", name="Series")
    rows = SimpleNamespace(collection=collection)
    for name, values, west, day in (
        ("jan", (40, 200), 10.0, 15),
        ("apr", (120, 100), 10.5, 15),
        ("jul", (220, 20), 9.5, 15),
    ):
        bands = np.stack([np.full((200, 200), v, np.uint8) for v in values])
        if name == "apr":
            bands[:, 50:100, 50:100] = 0  # lat 45.5-45.0, lon 11.0-11.5
        path = write_raster(
            f"{name}.tif", bands, geotransform=(west, PIXEL, 0, 46.0, 0, -PIXEL), nodata=0, cog=True
        )
        month = {"jan": 1, "apr": 4, "jul": 7}[name]
        raster = raster_ingest(
            uri=str(path),
            name=name,
            collection=collection,
            acquired_at=datetime(2024, month, day, tzinfo=UTC),
            trusted=True,
        ).raster
        setattr(rows, name, raster)
    return rows


def mosaic_tiles(page, since: int = 0) -> list[tuple[str, int]]:
    return [(url, status) for url, status in page.tiles[since:] if MOSAIC_TILES in url]


def colour_at(page, lonlat, name: str) -> tuple[int, int, int]:
    """The map's colour at a point, without the footprints' translucent fill over it."""
    pane = "document.querySelector('.leaflet-footprints-pane').style.visibility"
    page.evaluate(f"{pane} = 'hidden'")
    image = shot(page, name)
    page.evaluate(f"{pane} = ''")
    x, y = container_point(page, *lonlat)
    box = page.locator("#map").bounding_box()
    return image.getpixel((int(x - box["x"]), int(y - box["y"])))


def viridis(value: float, low: float = 0, high: float = 255) -> tuple[int, int, int]:
    rgba = colormaps["viridis"]((value - low) / (high - low))
    return tuple(round(c * 255) for c in rgba[:3])


def assert_colour(seen, expected, tolerance=14) -> None:
    assert all(abs(a - b) <= tolerance for a, b in zip(seen, expected, strict=True)), (
        seen,
        expected,
    )


def show_as_one_layer(page) -> None:
    page.click("#as-mosaic")
    page.wait_for_selector("#layers li.layer.mosaic")
    wait_idle(page)


def test_search_as_one_layer_with_method_style_and_time_slider(viewer, live_server, series):  # noqa: F811
    open_viewer(viewer, live_server, "?view=45.5,11,8&collection=series")
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 3")
    show_as_one_layer(viewer)
    entry = viewer.locator("#layers li.layer.mosaic")
    assert "series" in entry.inner_text()
    tiles = mosaic_tiles(viewer)
    assert tiles and all(status == 200 for _, status in tiles), tiles
    assert all("collection=series" in url and "method=first" in url for url, _ in tiles)
    assert "Mosaic" in viewer.inner_text("#legend")

    # The same style controls as a raster layer: a fixed range makes the colours predictable.
    entry.locator("select[aria-label=Stretch]").select_option("minmax")
    entry.locator("input[aria-label=min]").fill("0")
    entry.locator("input[aria-label=min]").press("Tab")
    entry = viewer.locator("#layers li.layer.mosaic")
    entry.locator("input[aria-label=max]").fill("255")
    entry.locator("input[aria-label=max]").press("Tab")
    viewer.wait_for_function(
        "[...document.querySelectorAll('.overlay-m1 img')].some(i => i.src.includes('max=255'))"
    )
    wait_idle(viewer)
    # first: the latest acquisition on top (jul, 220).
    assert_colour(colour_at(viewer, ALL3, "mosaic-1-first"), viridis(220))

    since = len(viewer.tiles)
    viewer.locator("#layers li.layer.mosaic select.method").select_option("lowest")
    viewer.wait_for_function(
        "[...document.querySelectorAll('.overlay-m1 img')].some(i => i.src.includes('method=lowest'))"
    )
    wait_idle(viewer)
    assert_colour(colour_at(viewer, ALL3, "mosaic-2-lowest"), viridis(40))
    assert all(status == 200 for _, status in mosaic_tiles(viewer, since))

    # The time slider: up to 1 May leaves jul out; `first` then draws apr (120).
    viewer.locator("#layers li.layer.mosaic select.method").select_option("first")
    wait_idle(viewer)
    viewer.locator("#layers li.layer.mosaic input.time-to").fill("107")  # 2024-01-15 + 107 days
    viewer.wait_for_function(
        "[...document.querySelectorAll('.overlay-m1 img')]"
        ".some(i => i.src.includes('datetime=2024-01-15T00%3A00%3A00Z%2F2024-05-01T23%3A59%3A59Z'))"
    )
    wait_idle(viewer)
    assert "2024-01-15 – 2024-05-01" in viewer.inner_text("#layers li.layer.mosaic .time-range")
    assert_colour(colour_at(viewer, ALL3, "mosaic-3-until-may"), viridis(120))
    shot(viewer, "mosaic-3-app", "#app")
    assert viewer.errors == []


def test_a_click_charts_the_values_over_time_per_band(viewer, live_server, series):  # noqa: F811
    open_viewer(viewer, live_server, "?view=45.5,11,8&collection=series")
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 3")
    show_as_one_layer(viewer)

    viewer.mouse.click(*container_point(viewer, *ALL3))
    viewer.wait_for_selector("#pane-pixel[data-ready=true] svg.series")
    points = viewer.eval_on_selector_all(
        "#pane-pixel svg.series circle.point",
        "els => els.map(e => [+e.dataset.band, e.dataset.date, +e.dataset.value,"
        " +e.getAttribute('cy')])",
    )
    by_band = {
        band: [(date, value) for b, date, value, _ in points if b == band] for band in (1, 2)
    }
    assert by_band == {
        1: [("2024-01-15", 40), ("2024-04-15", 120), ("2024-07-15", 220)],
        2: [("2024-01-15", 200), ("2024-04-15", 100), ("2024-07-15", 20)],
    }
    # Higher values are drawn higher up (smaller y), one line per band.
    heights = {value: y for _, _, value, y in points}
    assert heights[220] < heights[120] < heights[40]
    assert viewer.locator("#pane-pixel svg.series polyline.line").count() == 2
    assert "3 raster(s)" in viewer.inner_text("#pane-pixel .series-section")
    clicked = viewer.evaluate("window.rastercatalogViewer.lastClick()")
    csv_url = viewer.eval_on_selector("#pane-pixel .series-section a[download]", "a => a.href")
    assert "format=csv" in csv_url and "collection=series" in csv_url
    csv = viewer.request.get(csv_url).text()
    assert csv.splitlines()[0] == "raster,name,acquired_at,b1,b2"
    assert len(csv.splitlines()) == 4
    api = viewer.request.get(
        f"{live_server.url}/api/mosaic/point?collection=series&lon={clicked[0]}&lat={clicked[1]}"
    ).json()
    assert [v["values"] for v in api["values"]] == [[40, 200], [120, 100], [220, 20]]
    shot(viewer, "mosaic-4-series", "#app")

    # In apr's nodata hole its values are null: a gap, two points per band.
    viewer.mouse.click(*container_point(viewer, *HOLE))
    viewer.wait_for_selector("#pane-pixel[data-ready=true] svg.series")
    dates = viewer.eval_on_selector_all(
        "#pane-pixel svg.series circle.point[data-band='1']", "els => els.map(e => e.dataset.date)"
    )
    assert dates == ["2024-01-15", "2024-07-15"]
    assert viewer.errors == []


def test_the_permalink_keeps_the_mosaic(viewer, live_server, series):  # noqa: F811
    open_viewer(viewer, live_server, "?view=45.5,11,8&collection=series")
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 3")
    show_as_one_layer(viewer)
    viewer.locator("#layers li.layer.mosaic select.method").select_option("median")
    viewer.locator("#layers li.layer.mosaic input.time-from").fill("31")  # 2024-02-15
    viewer.wait_for_function("window.location.search.includes('t=2024-02-15/2024-07-15')")
    wait_idle(viewer)
    viewer.wait_for_timeout(300)
    assert "m=median" in viewer.url and "c=series" in viewer.url
    permalink = viewer.evaluate("window.rastercatalogViewer.permalink()")
    layers = viewer.evaluate("JSON.stringify(window.rastercatalogViewer.store.get().layers)")
    sources = sorted(viewer.eval_on_selector_all(".overlay-m1 img", "els => els.map(e => e.src)"))

    again = viewer.context.new_page()
    again.goto(viewer.url)
    again.wait_for_selector("body[data-ready=true]", timeout=30_000)
    wait_idle(again)
    assert again.evaluate("window.rastercatalogViewer.permalink()") == permalink
    assert again.evaluate("JSON.stringify(window.rastercatalogViewer.store.get().layers)") == layers
    assert sorted(again.eval_on_selector_all(".overlay-m1 img", "els => els.map(e => e.src)")) == (
        sources
    )
    entry = again.locator("#layers li.layer.mosaic")
    assert entry.locator("select.method").input_value() == "median"
    assert "2024-02-15 – 2024-07-15" in entry.locator(".time-range").inner_text()
    assert "series" in entry.inner_text()
    # The inspector describes the mosaic rather than a raster.
    again.click("#tab-details")
    details = again.inner_text("#pane-details")
    assert "median" in details and "2024-02-15 – 2024-07-15" in details
    assert "rasters of the catalog drawn as one layer" in details
    again.click("#tab-histogram")
    assert "values over time" in again.inner_text("#pane-histogram")
    again.close()
    assert viewer.errors == []


def test_a_tile_over_the_cap_is_explained_in_the_layer_entry(
    viewer,  # noqa: F811
    live_server,
    series,
    settings,
):
    settings.RASTERCATALOG_MOSAIC_MAX_RASTERS = 2  # every tile over the overlap reads three
    query = "layer=m1;b=1;p=viridis;s=p2p98;m=mean;c=series;span=2024-01-15/2024-07-15"
    open_viewer(viewer, live_server, f"?view=45.5,11,8&{query}")
    viewer.wait_for_selector("#layers li.layer.mosaic .layer-notice", timeout=20_000)
    notice = viewer.inner_text("#layers li.layer.mosaic .layer-notice")
    refused = [(url, s) for url, s in mosaic_tiles(viewer) if s == 422]
    assert refused
    detail = viewer.request.get(refused[0][0]).json()["detail"]
    assert notice == f"Not drawn here: {detail}"
    assert detail in viewer.inner_text("#status")
    shot(viewer, "mosaic-5-over-the-cap", "#app")

    # Narrowed with the time slider to two rasters, the tiles are drawn and the notice goes away.
    since = len(viewer.tiles)
    viewer.locator("#layers li.layer.mosaic input.time-from").fill("31")  # from 2024-02-15
    viewer.wait_for_selector("#layers li.layer.mosaic .layer-notice", state="detached")
    wait_idle(viewer)
    drawn = mosaic_tiles(viewer, since)
    assert drawn and all(s == 200 and "datetime=2024-02-15" in url for url, s in drawn), drawn
    assert viewer.errors == []


def test_band_math_on_the_mosaic_layer_with_its_series_and_permalink(viewer, live_server, series):  # noqa: F811
    open_viewer(viewer, live_server, "?view=45.5,11,8&collection=series")
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 3")
    show_as_one_layer(viewer)
    entry = viewer.locator("#layers li.layer.mosaic")
    # Two-band rasters: band math, and no terrain choice (it reads one band of a DEM).
    assert entry.locator("input.expression").count() == 1
    assert entry.locator("select.terrain").count() == 0
    entry.locator("select[aria-label=Stretch]").select_option("minmax")
    entry.locator("input[aria-label=min]").fill("-255")
    entry.locator("input[aria-label=min]").press("Tab")
    entry = viewer.locator("#layers li.layer.mosaic")
    entry.locator("input[aria-label=max]").fill("255")
    entry.locator("input[aria-label=max]").press("Tab")
    wait_idle(viewer)

    since = len(viewer.tiles)
    field = viewer.locator("#layers li.layer.mosaic input.expression")
    field.fill("b1 - b2")
    field.press("Enter")
    viewer.wait_for_function(
        "[...document.querySelectorAll('.overlay-m1 img')].some(i => i.src.includes('expression='))"
    )
    wait_idle(viewer)
    drawn = mosaic_tiles(viewer, since)
    assert drawn and all(s == 200 for _, s in drawn), drawn
    sources = viewer.eval_on_selector_all(".overlay-m1 img", "els => els.map(e => e.src)")
    assert all("expression=b1+-+b2" in s and "band=" not in s for s in sources if "mosaic" in s)
    # first: jul on top, 220 - 20 = 200 on -255..255.
    assert_colour(colour_at(viewer, ALL3, "mosaic-6-band-math"), viridis(200, -255, 255))
    assert "b1 - b2" in viewer.inner_text("#legend")

    # A click charts the expression's value over time, one point per raster.
    viewer.mouse.click(*container_point(viewer, *ALL3))
    viewer.wait_for_selector("#pane-pixel[data-ready=true] svg.series")
    points = viewer.eval_on_selector_all(
        "#pane-pixel svg.series circle.point",
        "els => els.map(e => [e.dataset.date, +e.dataset.value])",
    )
    assert points == [["2024-01-15", -160], ["2024-04-15", 20], ["2024-07-15", 200]]
    assert "● b1 - b2" in viewer.inner_text("#pane-pixel .series-legend")
    csv_url = viewer.eval_on_selector("#pane-pixel .series-section a[download]", "a => a.href")
    assert "expression=b1+-+b2" in csv_url
    assert (
        viewer.request.get(csv_url).text().splitlines()[0] == "raster,name,acquired_at,b1,b2,value"
    )
    shot(viewer, "mosaic-7-band-math-series", "#app")

    # The permalink keeps it: the same tiles and the expression in the field.
    viewer.wait_for_function("window.location.search.includes('e=b1')")
    viewer.wait_for_timeout(300)
    assert "e=b1+-+b2" in viewer.url and "m=first" in viewer.url
    again = viewer.context.new_page()
    again.goto(viewer.url)
    again.wait_for_selector("body[data-ready=true]", timeout=30_000)
    wait_idle(again)
    assert again.locator("#layers li.layer.mosaic input.expression").input_value() == "b1 - b2"
    assert sorted(again.eval_on_selector_all(".overlay-m1 img", "els => els.map(e => e.src)")) == (
        sorted(sources)
    )
    again.close()

    # A band no raster has: the API's reason under the field; the map keeps drawing b1 - b2.
    field = viewer.locator("#layers li.layer.mosaic input.expression")
    field.fill("b1 - b9")
    field.press("Enter")
    error = viewer.locator("#layers li.layer.mosaic .expression-error")
    error.wait_for()
    assert "expression reads band b9" in error.inner_text()
    assert "at most 2 band(s)" in error.inner_text()
    assert all(
        "expression=b1+-+b2" in s
        for s in viewer.eval_on_selector_all(".overlay-m1 img", "els => els.map(e => e.src)")
    )
    assert viewer.errors == []
