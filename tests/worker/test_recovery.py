"""A worker SIGKILLed mid-ingest: its row is taken up again by another worker, never left stuck.

Real processes: a Celery worker on Redis and the test database, killed with SIGKILL while it reads
a raster over HTTP from a server that holds the first requests; a new worker then finds the row's
heartbeat stale, queues it again and ingests it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import pytest

from rastercatalog.catalog.ingest import raster_create_pending
from rastercatalog.dispatch import raster_ingest_later
from rastercatalog.models import Raster

from ..servers import RangeRequestHandler, http_server
from .test_worker import forget_queue, publishing_to, running_worker, wait_for_outcome

# Short clocks for the test; the defaults are 10 s, 60 s and 30 s (README, Operations).
FAST_RECOVERY = {
    "RASTERCATALOG_INGEST_HEARTBEAT_SECONDS": "0.5",
    "RASTERCATALOG_INGEST_STALE_SECONDS": "2",
    "RASTERCATALOG_RECOVERY_INTERVAL_SECONDS": "1",
}


class HoldingHandler(RangeRequestHandler):
    """Hold every request until `released` is set: the ingest hangs mid-read, as on a slow disk."""

    released = threading.Event()
    holding = threading.Event()

    def send_head(self):
        type(self).holding.set()
        type(self).released.wait(timeout=60)
        return super().send_head()


@pytest.fixture
def queue(django_db_setup):
    """A queue of this test's own, published to from here, with no other worker on it."""
    name = f"rc-recovery-{uuid.uuid4().hex[:12]}"
    with publishing_to(name):
        yield name
    forget_queue(name)


@pytest.fixture
def holding_server(tmp_path):
    HoldingHandler.released.clear()
    HoldingHandler.holding.clear()
    with http_server(tmp_path, handler_class=HoldingHandler) as server:
        yield server
    HoldingHandler.released.set()


def wait_for_status(raster: Raster, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raster.refresh_from_db()
        if raster.status == status:
            return
        time.sleep(0.05)
    pytest.fail(f"raster {raster.pk} is {raster.status}, not {status}, after {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_killed_worker_row_is_ingested_by_the_next_worker(
    queue, holding_server, write_raster, ramp_u8, tmp_path
):
    path = write_raster("scene.tif", ramp_u8)
    uri = holding_server.url(path.name)

    with running_worker(queue, tmp_path / "first.log", **FAST_RECOVERY) as first:
        raster = raster_create_pending(uri=uri, trusted=True)
        raster_ingest_later(raster)
        assert HoldingHandler.holding.wait(30), first.log()
        wait_for_status(raster, Raster.Status.PROCESSING)
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
    killed_at = time.monotonic()
    HoldingHandler.released.set()

    with running_worker(queue, tmp_path / "second.log", **FAST_RECOVERY) as second:
        raster = wait_for_outcome(raster)
        recovered_in = time.monotonic() - killed_at
        print(f"killed worker's row ready {recovered_in:.1f} s after the kill")

    assert raster.status == Raster.Status.READY, raster.error
    assert raster.attempts == 0 and raster.heartbeat_at is None
    assert Raster.objects.filter(uri=uri).count() == 1  # never two rows for one file
    assert "lost its worker: queued again" in second.log()
    # Stale after 2 s, swept every 1 s, plus the new worker's start: well under the bound.
    assert recovered_in < 25, recovered_in


@pytest.mark.django_db(transaction=True)
def test_a_row_whose_worker_keeps_dying_ends_failed_with_the_reason(
    queue, holding_server, write_raster, ramp_u8, tmp_path
):
    path = write_raster("poison.tif", ramp_u8)
    raster = raster_create_pending(uri=holding_server.url(path.name), trusted=True)
    raster_ingest_later(raster)

    settings = {**FAST_RECOVERY, "RASTERCATALOG_INGEST_MAX_ATTEMPTS": "2"}
    for attempt in (1, 2):
        HoldingHandler.holding.clear()
        with running_worker(queue, tmp_path / f"w{attempt}.log", **settings) as worker:
            assert HoldingHandler.holding.wait(30), worker.log()
            wait_for_status(raster, Raster.Status.PROCESSING)
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait(10)
    with running_worker(queue, tmp_path / "last.log", **settings):
        raster = wait_for_outcome(raster)

    assert raster.status == Raster.Status.FAILED
    assert raster.error.startswith("gave up after 2 attempts: the worker ingesting it stopped")
    assert raster.checksum_sha256 is None
