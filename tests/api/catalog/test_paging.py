"""Keyset paging: every ordering visits every row once, forwards and back, even while rows change."""

from __future__ import annotations

import math
import random
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rastercatalog.models import Raster

from ..conftest import box, raster_make, utc

pytestmark = pytest.mark.django_db

ROWS = 47


@pytest.fixture
def many(db) -> list[Raster]:
    """47 rasters with repeated names, times and resolutions, some times and resolutions unknown."""
    rng = random.Random(4)
    rasters = []
    for i in range(ROWS):
        lon, lat = rng.uniform(-170, 170), rng.uniform(-60, 60)
        rasters.append(
            raster_make(
                f"scene_{i % 9}",  # ties on name
                box(lon, lat, lon + 1, lat + 1),
                acquired_at=None if i % 7 == 0 else utc(2024, 1, 1) + timedelta(days=i % 5),
                ground_resolution_m=None if i % 6 == 0 else float(i % 4) * 10,
                checksum_sha256=f"{i:064x}",
            )
        )
    return rasters


def _walk(api, url: str, params: dict | None = None, rel: str = "next"):
    """Follow `rel` links from the first page; the pages' feature ids, page by page."""
    pages, response = [], api.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        document = response.json()
        pages.append([feature["id"] for feature in document["features"]])
        link = next((link for link in document["links"] if link["rel"] == rel), None)
        if link is None:
            return pages, document
        response = api.get(link["href"])


def _expected(rasters: list[Raster], ordering: str, point=None) -> list[int]:
    """The ids in `ordering` as the API defines it: nulls last either way, ties by id."""
    attribute = {
        "created": "created",
        "acquired_at": "acquired_at",
        "name": "name",
        "resolution": "ground_resolution_m",
        "id": "pk",
    }.get(ordering.lstrip("-"))
    descending = ordering.startswith("-")

    def key(raster: Raster):
        value = _distance(raster, point) if attribute is None else getattr(raster, attribute)
        return value

    known = [r for r in rasters if key(r) is not None]
    unknown = [r for r in rasters if key(r) is None]
    known.sort(key=lambda r: (key(r), r.pk), reverse=descending)
    unknown.sort(key=lambda r: r.pk, reverse=descending)
    return [r.pk for r in known + unknown]


def _distance(raster: Raster, point) -> float:
    lon, lat = point
    clon = (raster.bbox_west + raster.bbox_east) / 2
    clat = (raster.bbox_south + raster.bbox_north) / 2
    a = (
        math.sin(math.radians(clat - lat) / 2) ** 2
        + math.cos(math.radians(lat))
        * math.cos(math.radians(clat))
        * math.sin(math.radians(clon - lon) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


@pytest.mark.parametrize(
    "ordering",
    [
        "-created",
        "created",
        "name",
        "-name",
        "acquired_at",
        "-acquired_at",
        "resolution",
        "-resolution",
        "id",
        "-id",
    ],
)
def test_every_ordering_pages_without_duplicates_or_gaps(many, api, ordering):
    pages, _ = _walk(api, "/api/rasters/", {"ordering": ordering, "limit": 10})
    assert [len(page) for page in pages] == [10, 10, 10, 10, 7]
    assert [pk for page in pages for pk in page] == _expected(many, ordering)


def test_prev_links_lead_back_through_the_same_pages(many, api):
    forward, last = _walk(api, "/api/rasters/", {"ordering": "-acquired_at", "limit": 10})
    assert not any(link["rel"] == "next" for link in last["links"])
    prev = next(link for link in last["links"] if link["rel"] == "prev")
    backward, first = _walk(api, prev["href"], rel="prev")
    assert backward == forward[-2::-1]
    assert not any(link["rel"] == "prev" for link in first["links"])


@pytest.mark.parametrize("ordering", ["distance", "-distance"])
def test_distance_ordering_pages_from_the_point(db, api, ordering):
    # The point filters too (footprints covering it), so these all cover 10,5, centred elsewhere.
    rng = random.Random(9)
    covering = [
        raster_make(
            f"around_{i}",
            box(10 - rng.uniform(0.1, 3), 5 - rng.uniform(0.1, 3), 10 + rng.uniform(0.1, 3), 5 + 1),
            checksum_sha256=f"{1000 + i:064x}",
        )
        for i in range(11)
    ]
    raster_make("elsewhere", box(20, 20, 21, 21), checksum_sha256="e" * 64)
    pages, _ = _walk(api, "/api/rasters/", {"ordering": ordering, "point": "10,5", "limit": 3})
    assert [len(page) for page in pages] == [3, 3, 3, 2]
    assert [pk for page in pages for pk in page] == _expected(covering, ordering, point=(10, 5))


def test_a_row_inserted_between_pages_causes_no_duplicate(many, api):
    first = api.get("/api/rasters/", {"ordering": "name", "limit": 10}).json()
    raster_make("aaa_new", box(0, 0, 1, 1), checksum_sha256="f" * 64)  # sorts before page 2
    following, _ = _walk(
        api, next(link["href"] for link in first["links"] if link["rel"] == "next")
    )
    seen = [f["id"] for f in first["features"]] + [pk for page in following for pk in page]
    assert len(seen) == len(set(seen)) == ROWS


def test_limit_is_capped(many, api, settings):
    settings.RASTERCATALOG_SEARCH_MAX_LIMIT = 20
    response = api.get("/api/rasters/", {"limit": 1000})
    assert response.json()["numberReturned"] == 20


def test_post_search_pages_with_the_body_in_the_links(many, api):
    body = {"ordering": "name", "limit": 20, "bbox": [-180, -90, 180, 90]}
    ids = []
    response = api.post("/api/rasters/search", body, format="json")
    while True:
        document = response.json()
        ids += [feature["id"] for feature in document["features"]]
        link = next((link for link in document["links"] if link["rel"] == "next"), None)
        if link is None:
            break
        assert link["method"] == "POST" and link["body"]["bbox"] == [-180, -90, 180, 90]
        response = api.post(link["href"], link["body"], format="json")
    assert ids == _expected(many, "name")


def test_a_cursor_works_only_with_its_ordering(many, api):
    first = api.get("/api/rasters/", {"ordering": "name", "limit": 10}).json()
    href = next(link for link in first["links"] if link["rel"] == "next")["href"]
    (cursor,) = parse_qs(urlsplit(href).query)["cursor"]
    response = api.get("/api/rasters/", {"ordering": "-created", "cursor": cursor})
    assert response.status_code == 400
    assert "ordering=name" in response.json()["cursor"][0]


def test_newest_first_pages_of_an_area_keep_ties_in_order(many, api):
    """With a bbox, newest-first pages read the (footprint, created) index in order of `created`
    (search/keyset.py): rasters sharing one `created` still come in id order, none twice or lost,
    forwards and back."""
    same_time = utc(2030, 1, 1)
    inside = [r for r in many if r.bbox_west <= 0]  # those the bbox below meets
    Raster.objects.filter(pk__in=[r.pk for r in inside[::2]]).update(created=same_time)
    for raster in inside:
        raster.refresh_from_db()
    params = {"bbox": "-180,-90,0,90", "limit": 4}
    forward, last = _walk(api, "/api/rasters/", params)
    assert len(inside) > 12 and sum(r.created == same_time for r in inside) > 4
    assert [pk for page in forward for pk in page] == _expected(inside, "-created")
    prev = next(link for link in last["links"] if link["rel"] == "prev")
    backward, _ = _walk(api, prev["href"], rel="prev")
    assert backward == forward[-2::-1]


@pytest.mark.parametrize(
    ("threshold", "wide", "by_index"),
    [(0, False, True), (10**12, False, False), (10**12, True, True)],
)
def test_large_catalogs_and_wide_areas_page_through_the_index_others_sort(
    many, api, settings, threshold, wide, by_index
):
    settings.RASTERCATALOG_SEARCH_INDEX_ORDER_MIN_ROWS = threshold
    west, south = many[0].bbox_west, many[0].bbox_south
    # 1.8 x 1.8 degrees round the first raster, or the whole world (WIDE_AREA_DEG2 is 4).
    bbox = (-180, -90, 180, 90) if wide else (west - 0.4, south - 0.4, west + 1.4, south + 1.4)
    inside = [
        r
        for r in many
        if r.bbox_west <= bbox[2]
        and r.bbox_east >= bbox[0]
        and r.bbox_south <= bbox[3]
        and r.bbox_north >= bbox[1]
    ]
    params = {"bbox": ",".join(map(str, bbox)), "limit": 10}
    with CaptureQueriesContext(connection) as captured:
        pages, _ = _walk(api, "/api/rasters/", params)
    assert inside and [pk for page in pages for pk in page] == _expected(inside, "-created")
    assert any("<->" in query["sql"] for query in captured.captured_queries) == by_index
