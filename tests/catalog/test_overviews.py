"""Per-collection mosaic overviews: marked stale by changes, rebuilt once (debounced), on real files."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from osgeo import gdal

from rastercatalog import tasks
from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.catalog.overviews import (
    collection_overview_build,
    overviews_due,
    overviews_mark_stale,
)
from rastercatalog.dispatch import collection_overviews_refresh
from rastercatalog.models import Collection, CollectionOverview, Raster

pytestmark = pytest.mark.django_db
PIXEL = 0.01


@pytest.fixture(autouse=True)
def small_cap(settings, tmp_path):
    settings.RASTERCATALOG_MOSAIC_MAX_RASTERS = 2
    settings.RASTERCATALOG_MOSAIC_OVERVIEW_DIR = tmp_path / "overviews"


@pytest.fixture
def collection() -> Collection:
    return Collection.objects.create(name="Grid", slug="grid")


@pytest.fixture
def add(write_raster, collection):
    """add(i, value): a 100 x 100 byte raster of `value`, column i of a row of 1-degree squares."""

    def make(i: int, value: int, acquired_at: datetime | None = None) -> Raster:
        path = write_raster(
            f"cell{i}-{value}.tif",
            np.full((100, 100), value, np.uint8),
            geotransform=(10.0 + i, PIXEL, 0, 46.0, 0, -PIXEL),
            cog=True,
        )
        return raster_ingest(
            uri=str(path), collection=collection, acquired_at=acquired_at, trusted=True
        ).raster

    return make


def overview_of(collection: Collection) -> CollectionOverview:
    return CollectionOverview.objects.get(collection=collection)


def test_an_ingest_marks_the_collection_stale_and_the_debounce_waits(collection, add):
    add(0, 10)
    overview = overview_of(collection)
    assert overview.stale_since is not None and overview.status == "pending"
    assert overviews_due(debounce=3600) == []
    assert overviews_due(debounce=0) == [collection.pk]


def test_a_collection_within_the_cap_needs_no_overview(collection, add):
    add(0, 10)
    add(1, 20)
    overview = collection_overview_build(collection_id=collection.pk)
    assert overview.status == "not-needed" and overview.path == ""
    assert overview.stale_since is None
    assert overviews_due(debounce=0) == []


def test_a_build_draws_the_members_latest_on_top_in_web_mercator(collection, add):
    add(0, 10, datetime(2024, 1, 1, tzinfo=UTC))
    add(1, 20, datetime(2024, 1, 2, tzinfo=UTC))
    add(0, 30, datetime(2023, 1, 1, tzinfo=UTC))  # older, under the first one
    overview = collection_overview_build(collection_id=collection.pk)
    assert overview.status == "ready" and overview.raster_count == 3
    assert overview.stale_since is None and overview.error == ""
    dataset = gdal.Open(overview.path)
    assert "3857" in dataset.GetSpatialRef().GetAuthorityCode(None)
    assert dataset.RasterCount == 2  # grey and alpha
    assert dataset.GetRasterBand(1).GetOverviewCount() >= 1 or dataset.RasterXSize <= 512
    pixel = dataset.GetGeoTransform()[1]
    assert pixel == pytest.approx(2 * np.pi * 6378137 / 256 / 2**overview.zoom)
    values = dataset.GetRasterBand(1).ReadAsArray()
    alpha = dataset.GetRasterBand(2).ReadAsArray()
    assert set(np.unique(values[alpha == 255])) == {10, 20}  # 30 lies under 10 everywhere
    west, south, east, north = (
        overview.bbox_west,
        overview.bbox_south,
        overview.bbox_east,
        overview.bbox_north,
    )
    assert west <= 10.0 and east >= 12.0 and south <= 45.0 and north >= 46.0


def test_a_change_rebuilds_once_and_an_unchanged_collection_is_left_alone(collection, add):
    add(0, 10)
    add(1, 20)
    add(2, 30)
    first = collection_overview_build(collection_id=collection.pk)
    again = collection_overview_build(collection_id=collection.pk)
    assert again.built_at == first.built_at and again.path == first.path
    add(3, 40)
    assert overviews_due(debounce=0) == [collection.pk]
    rebuilt = collection_overview_build(collection_id=collection.pk)
    assert rebuilt.version != first.version and rebuilt.raster_count == 4
    assert Path(rebuilt.path).exists() and not Path(first.path).exists()


def test_the_worker_sweep_rebuilds_due_overviews(collection, add, settings):
    settings.RASTERCATALOG_MOSAIC_OVERVIEW_DEBOUNCE = 0
    for i in range(3):
        add(i, 10 * (i + 1))
    outcome = tasks.ingests_recover()  # eager here: the queued task runs inline
    assert outcome["overviews"] == [collection.pk]
    assert overview_of(collection).status == "ready"
    assert tasks.ingests_recover()["overviews"] == []


def test_a_change_during_a_build_keeps_the_overview_stale(collection, add):
    for i in range(3):
        add(i, 10 * (i + 1))
    # A change stamped after the build started: the build must not clear it.
    later = timezone.now() + timedelta(seconds=5)
    CollectionOverview.objects.filter(collection=collection).update(changed_at=later)
    collection_overview_build(collection_id=collection.pk)
    assert overview_of(collection).stale_since is not None


def test_a_failed_build_is_recorded_not_raised(collection, add):
    rasters = [add(i, 10 * (i + 1)) for i in range(3)]
    Path(rasters[1].uri).unlink()
    overview = collection_overview_build(collection_id=collection.pk)
    assert overview.status == "failed"
    assert overview.error.startswith("the overview could not be built: ")
    assert overview.building_since is None


def test_without_a_worker_refresh_builds_here(collection, add):
    for i in range(3):
        add(i, 10 * (i + 1))
    assert collection_overviews_refresh(collection_ids=[collection.pk]) == [collection.pk]
    assert overview_of(collection).status == "ready"


def test_deleting_in_the_admin_rebuilds_the_overview(collection, add, admin_client):
    rasters = [add(i, 10 * (i + 1)) for i in range(4)]
    built = collection_overview_build(collection_id=collection.pk)
    assert built.raster_count == 4
    url = reverse("admin:rastercatalog_raster_delete", args=[rasters[0].pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert overview_of(collection).raster_count == 3


def test_a_raster_made_private_leaves_the_overview(collection, add):
    rasters = [add(i, 10 * (i + 1)) for i in range(4)]
    collection_overview_build(collection_id=collection.pk)
    Raster.objects.filter(pk=rasters[0].pk).update(visibility=Raster.Visibility.PRIVATE)
    overviews_mark_stale(collection_ids=[collection.pk])
    assert collection_overview_build(collection_id=collection.pk).raster_count == 3


def test_the_command_builds_and_reports(collection, add):
    for i in range(3):
        add(i, 10 * (i + 1))
    out = io.StringIO()
    call_command("mosaic_overviews", "grid", stdout=out)
    assert out.getvalue().startswith("grid: ready, 3 rasters up to zoom ")
