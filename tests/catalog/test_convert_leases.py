"""A conversion whose worker died is queued again by the sweep, or fails with the reason."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from rastercatalog import tasks
from rastercatalog.catalog.convert import raster_convert_to_cog
from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.catalog.leases import LeaseHeld, conversions_recover
from rastercatalog.models import Raster

pytestmark = pytest.mark.django_db


@pytest.fixture
def raster(write_raster) -> Raster:
    path = write_raster("s.tif", np.tile((np.arange(700) // 3).astype(np.uint8), (600, 1)))
    return raster_ingest(uri=str(path), trusted=True).raster


def _died(raster: Raster, *, attempts: int, seconds_ago: float = 600) -> None:
    """What a worker killed mid-conversion leaves: processing, an old heartbeat."""
    stamp = timezone.now() - timedelta(seconds=seconds_ago)
    Raster.objects.filter(pk=raster.pk).update(
        conversion_status="processing",
        conversion_profile={"compression": "deflate"},
        heartbeat_at=stamp,
        attempts=attempts,
    )


def test_a_live_conversion_is_not_taken_twice(raster):
    _died(raster, attempts=1, seconds_ago=0)
    with pytest.raises(LeaseHeld):
        raster_convert_to_cog(raster=raster)


def test_a_dead_conversion_is_queued_again_and_finishes(raster, monkeypatch):
    _died(raster, attempts=1)
    queued = []
    monkeypatch.setattr(tasks.raster_convert_task, "delay", queued.append)
    monkeypatch.setattr(tasks.raster_ingest_pending_task, "delay", lambda pk: None)

    result = tasks.ingests_recover()

    assert result["conversions"] == [raster.pk] and queued == [raster.pk]
    raster.refresh_from_db()
    assert raster.conversion_status == "pending" and raster.status == "ready"
    outcome = tasks.raster_convert_task(raster.pk)
    assert outcome["conversion"] == "converted"
    raster.refresh_from_db()
    assert raster.is_cog and raster.attempts == 0 and raster.heartbeat_at is None


def test_a_conversion_that_kills_its_worker_every_time_ends_failed(raster, settings):
    _died(raster, attempts=settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS)
    assert conversions_recover() == []
    raster.refresh_from_db()
    assert raster.conversion_status == "failed"
    assert "gave up after 3 attempts: the worker converting it stopped" in raster.conversion_error
    assert raster.status == "ready" and raster.original_uri == ""  # still on its original


def test_the_ingestion_sweep_leaves_a_ready_raster_converting_alone(raster):
    from rastercatalog.catalog.leases import leases_recover

    _died(raster, attempts=1)
    assert leases_recover() == ([], [])
    raster.refresh_from_db()
    assert raster.status == "ready"


def test_a_pending_row_asked_to_convert_is_converted_after_ingestion(write_raster):
    from rastercatalog.catalog.ingest import raster_create_pending

    path = write_raster("p.tif", np.tile((np.arange(700) // 3).astype(np.uint8), (600, 1)))
    pending = raster_create_pending(uri=str(path), trusted=True, to_cog=True)
    assert pending.conversion_status == "pending"

    outcome = tasks.raster_ingest_pending_task(pending.pk)

    assert outcome["status"] == "ingested"
    pending.refresh_from_db()
    assert pending.conversion_status == "converted" and pending.original_uri == str(path)


def test_a_conversion_waiting_too_long_is_queued_again(raster, settings):
    stamp = timezone.now() - timedelta(seconds=settings.RASTERCATALOG_PENDING_REQUEUE_SECONDS + 5)
    Raster.objects.filter(pk=raster.pk).update(conversion_status="pending", updated=stamp)
    assert conversions_recover() == [raster.pk]
    assert conversions_recover() == []  # touched: not queued again at once
