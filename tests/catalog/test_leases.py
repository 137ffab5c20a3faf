"""Leases: one process per row, heartbeats while it works, and the sweep that recovers lost work."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from rastercatalog.catalog.ingest import IngestError, raster_create_pending, raster_ingest
from rastercatalog.catalog.leases import (
    LeaseHeld,
    lease_claim,
    lease_heartbeat,
    leases_recover,
)
from rastercatalog.models import Raster, Upload
from rastercatalog.tasks import raster_ingest_pending_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(write_raster, ramp_u8) -> Raster:
    return raster_create_pending(uri=str(write_raster("a.tif", ramp_u8)), trusted=True)


def age(raster: Raster, seconds: float) -> None:
    """Make the row's heartbeat (and last update) `seconds` old."""
    then = timezone.now() - timedelta(seconds=seconds)
    Raster.objects.filter(pk=raster.pk).update(heartbeat_at=then, updated=then)


def test_one_process_at_a_time_until_the_heartbeat_goes_stale(pending, settings):
    settings.RASTERCATALOG_INGEST_STALE_SECONDS = 60
    assert lease_claim(Raster, pending.pk, statuses=("pending",)) == 1
    with pytest.raises(LeaseHeld):
        lease_claim(Raster, pending.pk, statuses=("pending",))

    age(pending, 61)

    assert lease_claim(Raster, pending.pk, statuses=("pending",)) == 2


@pytest.mark.django_db(transaction=True)  # the heartbeat thread has a connection of its own
def test_heartbeat_stamps_the_row_while_the_block_runs(pending, settings):
    settings.RASTERCATALOG_INGEST_HEARTBEAT_SECONDS = 0.05
    lease_claim(Raster, pending.pk, statuses=("pending",))
    age(pending, 600)

    with lease_heartbeat(Raster, pending.pk):
        time.sleep(0.3)

    pending.refresh_from_db()
    assert timezone.now() - pending.heartbeat_at < timedelta(seconds=5)


def test_sweep_requeues_stale_work_and_fails_what_died_too_often(write_raster, ramp_u8, settings):
    settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS = 3
    rows = [
        raster_create_pending(uri=str(write_raster(f"{n}.tif", ramp_u8 + i)), trusted=True)
        for i, n in enumerate(("lost", "dead", "alive"))
    ]
    lost, dead, alive = rows
    for row in rows:
        lease_claim(Raster, row.pk, statuses=("pending",))
    Raster.objects.filter(pk=dead.pk).update(attempts=3)
    age(lost, 120)
    age(dead, 120)

    requeued, uploads = leases_recover()

    assert requeued == [lost.pk] and uploads == []
    for row in rows:
        row.refresh_from_db()
    assert lost.status == Raster.Status.PENDING and lost.heartbeat_at is None
    assert dead.status == Raster.Status.FAILED
    assert dead.error.startswith("gave up after 3 attempts: the worker ingesting it stopped")
    assert alive.status == Raster.Status.PROCESSING


def test_sweep_requeues_a_long_pending_raster_once_per_period(pending, settings):
    settings.RASTERCATALOG_PENDING_REQUEUE_SECONDS = 300
    age(pending, 301)

    assert leases_recover()[0] == [pending.pk]
    assert leases_recover()[0] == []  # its clock restarted


def test_sweep_gives_a_lost_upload_back_to_the_queue(django_user_model, settings):
    user = django_user_model.objects.create(username="u")
    upload = Upload.objects.create(
        owner=user, bucket="b", key="staging/x.tif", status=Upload.Status.PROCESSING,
        expires_at=timezone.now(),
    )  # fmt: skip
    lease_claim(Upload, upload.pk, statuses=())
    stale = timezone.now() - timedelta(seconds=settings.RASTERCATALOG_INGEST_STALE_SECONDS + 1)
    Upload.objects.filter(pk=upload.pk).update(heartbeat_at=stale)

    assert leases_recover()[1] == [str(upload.pk)]
    upload.refresh_from_db()
    # An upload waits for its worker as `processing` without a heartbeat (pending = no file yet).
    assert upload.status == Upload.Status.PROCESSING and upload.heartbeat_at is None


def test_a_duplicate_message_for_finished_work_is_skipped(pending):
    raster_ingest(uri=pending.uri, trusted=True, placeholder=pending)

    outcome = raster_ingest_pending_task(pending.pk)

    assert outcome == {"raster": pending.pk, "status": "skipped", "reason": "already ready"}


def test_a_live_lease_makes_the_task_step_aside(pending):
    lease_claim(Raster, pending.pk, statuses=("pending",))

    outcome = raster_ingest_pending_task(pending.pk)

    assert outcome["status"] == "skipped"
    pending.refresh_from_db()
    assert pending.status == Raster.Status.PROCESSING  # untouched: its worker is alive


def test_ingesting_a_row_that_used_up_its_attempts_fails_it(pending, settings):
    settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS = 2
    Raster.objects.filter(pk=pending.pk).update(attempts=2)

    with pytest.raises(IngestError, match="gave up after 2 attempts"):
        raster_ingest(uri=pending.uri, trusted=True, placeholder=pending)

    pending.refresh_from_db()
    assert pending.status == Raster.Status.FAILED and pending.checksum_sha256 is None
