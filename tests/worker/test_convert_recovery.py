"""A worker SIGKILLed mid-conversion: the raster stays ready on its original, the next worker converts."""

from __future__ import annotations

import os
import signal
import time

import pytest

from rastercatalog import tasks
from rastercatalog.catalog.convert import raster_conversion_request
from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Raster

from .test_recovery import FAST_RECOVERY, HoldingHandler, holding_server, queue  # noqa: F401
from .test_worker import running_worker


def wait_for_conversion(raster: Raster, statuses: tuple[str, ...], timeout: float = 60) -> Raster:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raster.refresh_from_db()
        if raster.conversion_status in statuses:
            return raster
        time.sleep(0.05)
    pytest.fail(f"raster {raster.pk} conversion is {raster.conversion_status!r} after {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_killed_conversion_is_finished_by_the_next_worker(
    queue,  # noqa: F811
    holding_server,  # noqa: F811
    write_raster,
    tmp_path,
):
    import numpy as np

    path = write_raster("striped.tif", np.tile((np.arange(700) // 3).astype(np.uint8), (600, 1)))
    HoldingHandler.released.set()
    raster = raster_ingest(uri=holding_server.url(path.name), trusted=True).raster
    HoldingHandler.released.clear()
    HoldingHandler.holding.clear()
    settings = {**FAST_RECOVERY, "RASTERCATALOG_COG_DIR": str(tmp_path / "cogs")}

    with running_worker(queue, tmp_path / "first.log", **settings) as first:
        raster_conversion_request(raster=raster)
        tasks.raster_convert_task.delay(raster.pk)
        assert HoldingHandler.holding.wait(30), first.log()
        wait_for_conversion(raster, ("processing",))
        os.killpg(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
    raster.refresh_from_db()
    assert raster.status == "ready" and raster.original_uri == ""  # still read from the original
    HoldingHandler.released.set()

    with running_worker(queue, tmp_path / "second.log", **settings) as second:
        raster = wait_for_conversion(raster, ("converted", "failed"))
        log = second.log()

    assert raster.conversion_status == "converted", raster.conversion_error
    assert raster.uri.startswith(str(tmp_path / "cogs"))
    assert raster.attempts == 0 and raster.heartbeat_at is None
    assert f"conversion of raster {raster.pk} lost its worker: queued again" in log
