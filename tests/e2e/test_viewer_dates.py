"""The viewer's date histogram: acquisitions of the current search per month, from the STAC
aggregation extension, following the search's filters (collection, name)."""

from __future__ import annotations

import pytest

from .test_viewer import catalog, gl_browser, open_viewer, viewer, wait_idle  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

BARS = "#date-histogram svg.dates rect.bar"


def bars(page) -> dict[str, int]:
    return page.eval_on_selector_all(
        BARS, "els => Object.fromEntries(els.map(e => [e.dataset.period, +e.dataset.count]))"
    )


def test_date_histogram_follows_the_search(viewer, live_server, catalog):  # noqa: F811
    open_viewer(viewer, live_server, "?view=45,0,3")
    viewer.select_option("#collection", "alps")
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 2")
    viewer.wait_for_selector(BARS)
    wait_idle(viewer)
    assert bars(viewer) == {"2024-06": 2}
    viewer.fill("#name-q", "DEM_")  # case-insensitive, and _ is no wildcard here
    viewer.wait_for_function("document.querySelectorAll('#results li.result').length === 1")
    viewer.wait_for_function(
        f"[...document.querySelectorAll('{BARS}')].map(e => e.dataset.count).join() === '1'"
    )
    viewer.fill("#name-q", "nothing-like-this")
    viewer.wait_for_selector("#results li.empty")
    viewer.wait_for_selector("#date-histogram", state="hidden")
    assert viewer.errors == []
