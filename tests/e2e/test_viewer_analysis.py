"""Analysis on the fly in the viewer, in a real browser: band math with the presets the bands allow
(and a refused expression's reason beside the field), hillshade of a DEM, and the statistics of a
drawn area with their histograms.

`four_bands` is a 4-band Byte raster whose descriptions name its bands (blue, green, red, near
infrared) at lon 20-21, lat 40-41: red 50 everywhere, NIR 150 west of lon 20.5 and 50 east of it,
so NDVI is 0.5 in the west half and 0 in the east half.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import colormaps
from osgeo import gdal

from rastercatalog.catalog.ingest import raster_ingest

from .test_viewer import (  # noqa: F401
    catalog,
    container_point,
    gl_browser,
    open_viewer,
    shot,
    viewer,
    wait_idle,
)
from .test_viewer_mosaic import assert_colour, colour_at

pytestmark = pytest.mark.django_db(transaction=True)

NDVI = "(b4 - b3) / (b4 + b3)"
WEST, EAST = (20.25, 40.5), (20.75, 40.5)


@pytest.fixture
def four_bands(write_raster):
    bands = np.zeros((4, 200, 200), np.uint8)
    bands[0], bands[1], bands[2] = 10, 100, 50
    bands[3, :, :100], bands[3, :, 100:] = 150, 50
    path = write_raster("s2.tif", bands, geotransform=(20.0, 0.005, 0, 41.0, 0, -0.005))
    dataset = gdal.Open(str(path), gdal.GA_Update)
    for index, name in enumerate(["Blue", "Green", "Red", "Near infrared (B8)"], start=1):
        dataset.GetRasterBand(index).SetDescription(name)
    dataset = None
    return raster_ingest(uri=str(path), name="s2_scene", trusted=True).raster


def overlay_sources(page, layer_id) -> list[str]:
    return page.eval_on_selector_all(f".overlay-{layer_id} img", "els => els.map(e => e.src)")


def rdylgn(value: float, low: float = -1, high: float = 1) -> tuple[int, int, int]:
    rgba = colormaps["RdYlGn"]((value - low) / (high - low))
    return tuple(round(c * 255) for c in rgba[:3])


def test_band_math_presets_and_a_refused_expression(viewer, live_server, four_bands):  # noqa: F811
    rid = four_bands.pk
    open_viewer(viewer, live_server, f"?view=40.5,20.5,9&layer={rid};b=1,2,3")
    wait_idle(viewer)
    entry = viewer.locator(f'#layers li[data-id="{rid}"]')
    # The bands' descriptions allow NDVI and NDWI; a 4-band raster has no terrain toggle.
    assert entry.locator("button.preset").all_inner_texts() == ["NDVI", "NDWI"]
    assert entry.locator("select.terrain").count() == 0

    entry.locator("button.preset[data-preset=NDVI]").click()
    viewer.wait_for_function(
        f"[...document.querySelectorAll('.overlay-{rid} img')]"
        ".some(i => i.src.includes('expression='))"
    )
    wait_idle(viewer)
    sources = overlay_sources(viewer, rid)
    assert sources and all("expression=%28b4+-+b3%29+%2F+%28b4+%2B+b3%29" in s for s in sources)
    assert all("band=" not in s and "palette=RdYlGn" in s for s in sources)
    ndvi = [s for url, s in viewer.tiles if "expression=" in url]
    assert ndvi and all(s == 200 for s in ndvi), ndvi
    assert entry.locator("input.expression").input_value() == NDVI
    legend = viewer.inner_text("#legend")
    assert NDVI in legend and "-1" in legend
    assert_colour(colour_at(viewer, WEST, "analysis-1-ndvi-west"), rdylgn(0.5))
    assert_colour(colour_at(viewer, EAST, "analysis-1-ndvi-east"), rdylgn(0.0))
    assert "e=(b4+-+b3)+/+(b4+%2B+b3)" in viewer.url

    # The permalink draws the same NDVI.
    viewer.wait_for_timeout(300)
    again = viewer.context.new_page()
    again.goto(viewer.url)
    again.wait_for_selector("body[data-ready=true]", timeout=30_000)
    wait_idle(again)
    assert sorted(overlay_sources(again, rid)) == sorted(overlay_sources(viewer, rid))
    assert again.locator(f'#layers li[data-id="{rid}"] input.expression').input_value() == NDVI
    again.close()

    # A click reads the expression's value there, beside the bands it reads.
    viewer.mouse.click(*container_point(viewer, *WEST))
    viewer.wait_for_selector("#pane-pixel[data-ready=true] .expression-value")
    assert (
        viewer.inner_text(f'#pane-pixel tr[data-id="{rid}"] .expression-value') == f"{NDVI} = 0.5"
    )
    assert viewer.locator(f'#pane-pixel tr[data-id="{rid}"] .values .value').count() == 4
    # Its histogram is the expression's.
    viewer.click("#tab-histogram")
    viewer.wait_for_selector("#pane-histogram[data-ready=true] svg.histogram")
    assert NDVI in viewer.inner_text("#pane-histogram .pane-head")
    shot(viewer, "analysis-2-ndvi", "#app")

    # A bad expression: the API's reason next to the field; the map keeps drawing NDVI.
    field = entry.locator("input.expression")
    field.fill("b4 - b9")
    field.press("Enter")
    error = entry.locator(".expression-error")
    error.wait_for()
    detail = viewer.request.get(
        f"{live_server.url}/api/rasters/{rid}/tilejson.json", params={"expression": "b4 - b9"}
    )
    assert detail.status == 400
    assert error.inner_text() == detail.json()["detail"]
    assert "b9" in error.inner_text()
    assert entry.locator("input.expression").input_value() == "b4 - b9"
    assert all("expression=%28b4" in s for s in overlay_sources(viewer, rid))
    shot(viewer, "analysis-3-refused", "#app")

    # Clearing it goes back to the bands.
    entry.locator("button[aria-label='Clear the expression']").click()
    viewer.wait_for_function(
        f"[...document.querySelectorAll('.overlay-{rid} img')]"
        ".every(i => i.src.includes('band=1,2,3&stretch=p2p98'))"
    )
    assert viewer.locator(f'#layers li[data-id="{rid}"] .expression-error').count() == 0
    assert viewer.errors == []


def test_hillshade_of_a_single_band_dem(viewer, live_server, catalog):  # noqa: F811
    dem = catalog["dem_alps_wgs84"]
    centre = ((dem.bbox_west + dem.bbox_east) / 2, (dem.bbox_south + dem.bbox_north) / 2)
    open_viewer(
        viewer, live_server, f"?view={centre[1]},{centre[0]},8&layer={dem.pk};b=1;p=terrain"
    )
    wait_idle(viewer)
    before = colour_at(viewer, centre, "analysis-4-dem")
    entry = viewer.locator(f'#layers li[data-id="{dem.pk}"]')
    entry.locator("select.terrain").select_option("hillshade")
    viewer.wait_for_function(
        f"[...document.querySelectorAll('.overlay-{dem.pk} img')]"
        ".some(i => i.src.includes('algorithm=hillshade'))"
    )
    wait_idle(viewer)
    sources = overlay_sources(viewer, dem.pk)
    assert all("algorithm=hillshade&azimuth=315&altitude=45" in s for s in sources), sources
    assert all("palette=terrain" in s and "stretch=" not in s for s in sources)
    shaded = [s for url, s in viewer.tiles if "algorithm=hillshade" in url]
    assert shaded and all(s == 200 for s in shaded), shaded
    lit = colour_at(viewer, centre, "analysis-5-hillshade")
    assert lit != before

    # Grey shading from the south-east: other tiles, another picture.
    entry = viewer.locator(f'#layers li[data-id="{dem.pk}"]')
    viewer.click(".cmap-trigger")
    viewer.fill(".cmap-filter", "gray")
    viewer.click('.cmap-option[data-name="gray"]')
    entry = viewer.locator(f'#layers li[data-id="{dem.pk}"]')
    entry.locator("input[aria-label='Azimuth °']").fill("135")
    entry.locator("input[aria-label='Azimuth °']").press("Tab")
    viewer.wait_for_function(
        f"[...document.querySelectorAll('.overlay-{dem.pk} img')]"
        ".some(i => i.src.includes('azimuth=135') && i.src.includes('palette=gray'))"
    )
    wait_idle(viewer)
    red, green, blue = colour_at(viewer, centre, "analysis-6-hillshade-se")
    assert abs(red - green) <= 3 and abs(green - blue) <= 3  # grey
    assert "hillshade of band 1" in viewer.inner_text("#legend")
    viewer.wait_for_function("window.location.search.includes('a=hillshade;az=135')")
    shot(viewer, "analysis-6-app", "#app")

    # The permalink draws the same shading.
    again = viewer.context.new_page()
    again.goto(viewer.url)
    again.wait_for_selector("body[data-ready=true]", timeout=30_000)
    wait_idle(again)
    assert again.locator(f'#layers li[data-id="{dem.pk}"] select.terrain').input_value() == (
        "hillshade"
    )
    assert sorted(overlay_sources(again, dem.pk)) == sorted(overlay_sources(viewer, dem.pk))
    again.close()

    # A click reads the hillshade there, as the pixel API computes it with the layer's light.
    with viewer.expect_response(lambda r: f"/rasters/{dem.pk}/pixel?" in r.url) as answer:
        viewer.mouse.click(*container_point(viewer, *centre))
    assert "band=1&algorithm=hillshade&azimuth=135&altitude=45" in answer.value.url
    pixel = answer.value.json()
    assert pixel["algorithm"] == "hillshade" and 0 <= pixel["value"] <= 255
    viewer.wait_for_selector("#pane-pixel[data-ready=true] .expression-value")
    shown = viewer.inner_text(f'#pane-pixel tr[data-id="{dem.pk}"] .expression-value')
    assert shown.startswith("hillshade of b1 = ")
    assert float(shown.rsplit("= ", 1)[1]) == pytest.approx(pixel["value"], rel=1e-5)
    assert viewer.errors == []


def draw_polygon(page, corners) -> None:
    for lon, lat in [*corners, corners[0]]:
        x, y = container_point(page, lon, lat)
        page.mouse.move(x, y)
        page.mouse.click(x, y)


def shown_statistics(page, rid) -> dict[str, dict[str, str]]:
    """{band label: {statistic: text}} as the Statistics tab shows them."""
    return page.evaluate(
        """id => Object.fromEntries([...document.querySelectorAll(
            `#pane-stats section[data-id="${id}"] .stats-band`)].map(b => [b.dataset.band,
            Object.fromEntries([...b.querySelectorAll('tr')].map(r => [r.dataset.stat,
            r.querySelector('td').textContent]))]))""",
        rid,
    )


def test_statistics_of_a_drawn_area(viewer, live_server, four_bands):  # noqa: F811
    rid = four_bands.pk
    open_viewer(viewer, live_server, f"?view=40.5,20.5,9&layer={rid};b=1,2,3")
    wait_idle(viewer)
    viewer.click("#tab-stats")
    viewer.click("#stats-draw-poly")
    draw_polygon(viewer, [(20.05, 40.1), (20.4, 40.1), (20.4, 40.9), (20.05, 40.9)])  # west half
    viewer.wait_for_selector("#pane-stats[data-ready=true] .stats-band")
    assert viewer.locator(".stats-area").count() == 1  # drawn on the map
    shown = shown_statistics(viewer, rid)
    assert list(shown) == ["b1", "b2", "b3", "b4"]
    assert shown["b4"]["mean"] == "150" and shown["b3"]["max"] == "50"
    assert shown["b4"]["valid_percent"] == "100 %"
    # The numbers are the API's for the same area.
    ring = viewer.evaluate("window.rastercatalogViewer.store.get().statsArea")
    area = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    api = viewer.request.post(
        f"{live_server.url}/api/rasters/{rid}/statistics?percentiles=2,25,75,98&bins=32", data=area
    ).json()["features"][0]["properties"]["statistics"]
    assert float(shown["b2"]["count"]) == pytest.approx(api["b2"]["count"], rel=1e-5)
    assert float(shown["b2"]["sum"]) == pytest.approx(api["b2"]["sum"], rel=1e-5)
    assert float(shown["b4"]["p98"]) == pytest.approx(api["b4"]["percentile_98"])
    assert viewer.locator(f'#pane-stats section[data-id="{rid}"] svg.histogram').count() == 4
    assert viewer.locator(
        f'#pane-stats section[data-id="{rid}"] .stats-band[data-band=b4] rect.bar'
    ).count() == len(api["b4"]["histogram"]["counts"])
    # The address bar follows the state after a short debounce (store.js).
    viewer.wait_for_function("location.search.includes('stats=')")
    shot(viewer, "analysis-7-statistics", "#app")

    # With NDVI on, the statistics are the expression's.
    viewer.locator(f'#layers li[data-id="{rid}"] button.preset[data-preset=NDVI]').click()
    viewer.wait_for_function(
        "document.querySelector('#pane-stats .stats-band')?.dataset.band.includes('b4')"
        " && document.querySelectorAll('#pane-stats .stats-band').length === 1"
    )
    viewer.wait_for_selector("#pane-stats[data-ready=true]")
    (label, numbers), *_ = shown_statistics(viewer, rid).items()
    assert label.replace(" ", "") == "(b4-b3)/(b4+b3)"
    assert float(numbers["mean"]) == pytest.approx(0.5)
    assert viewer.errors == []
