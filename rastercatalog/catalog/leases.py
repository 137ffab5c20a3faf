"""Leases on rows a process works on: claim, heartbeat, and the sweep that recovers lost work.

A process that ingests a Raster (or an Upload) claims the row first: one UPDATE that sets it
`processing`, stamps `heartbeat_at` and counts the attempt, and that matches nothing when another
live process holds it. While it works, a thread stamps the row every
RASTERCATALOG_INGEST_HEARTBEAT_SECONDS. A `processing` row whose stamp is older than
RASTERCATALOG_INGEST_STALE_SECONDS lost its worker (SIGKILL, out of memory, a machine gone): the
sweep puts it back to `pending` for another try, or marks it `failed` with the reason after
RASTERCATALOG_INGEST_MAX_ATTEMPTS tries, so no row is left `processing` for ever.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import F, Q
from django.utils import timezone

from ..models import Leased, Raster, Upload

logger = logging.getLogger(__name__)


class LeaseHeld(Exception):
    """Another live process is working on the row: leave it alone."""


def lease_claim(
    model: type[Leased], pk, *, statuses: tuple[str, ...], field: str = "status", **conditions
) -> int:
    """Mark row `pk` processing for this process; return the attempt number, or raise LeaseHeld.

    The row must be in one of `statuses`, or `processing` with a stale heartbeat (its worker died).
    `field` names the status column (a raster's conversion has its own); `conditions` must hold too.
    """
    now = timezone.now()
    processing = Q(**{field: "processing"})
    claimable = Q(**{f"{field}__in": statuses}) | (
        processing & Q(heartbeat_at__lt=_stale_before(now))
    )
    claimable |= processing & Q(heartbeat_at__isnull=True)
    claimed = model.objects.filter(claimable, pk=pk, **conditions).update(
        **{field: "processing"}, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        raise LeaseHeld(f"{model.__name__} {pk} is being worked on by another process")
    return model.objects.filter(pk=pk).values_list("attempts", flat=True).get()


def lease_release(model: type[Leased], pk) -> None:
    """Forget the attempts and heartbeat of a row whose work is over (ready or failed)."""
    model.objects.filter(pk=pk).update(heartbeat_at=None, attempts=0)


@contextlib.contextmanager
def lease_heartbeat(model: type[Leased], pk, *, field: str = "status") -> Iterator[None]:
    """Stamp the row's heartbeat every RASTERCATALOG_INGEST_HEARTBEAT_SECONDS while the block runs."""
    stop = threading.Event()
    interval = settings.RASTERCATALOG_INGEST_HEARTBEAT_SECONDS

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    model.objects.filter(pk=pk, **{field: "processing"}).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    # The database is away for a moment: the next beat tries again.
                    logger.warning("heartbeat of %s %s failed", model.__name__, pk)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def lease_gave_up_reason() -> str:
    """Why a row that lost its worker RASTERCATALOG_INGEST_MAX_ATTEMPTS times ended failed."""
    return (
        f"gave up after {settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS} attempts: the worker "
        "ingesting it stopped each time (killed, out of memory, or crashed); see the worker's log"
    )


def leases_recover(*, now=None) -> tuple[list[int], list[str]]:
    """Put rasters and uploads whose worker died back to pending (ids returned to be queued again).

    Rows that used up RASTERCATALOG_INGEST_MAX_ATTEMPTS end `failed` with the reason instead.
    Rasters `pending` for longer than RASTERCATALOG_PENDING_REQUEUE_SECONDS are returned too:
    their message may have been lost (a broker restarted without persistence); a duplicate is
    harmless, because only one process can claim a row.
    """
    now = now or timezone.now()
    rasters = _recover(Raster, now)
    uploads = [str(pk) for pk in _recover(Upload, now)]
    waited = now - timedelta(seconds=settings.RASTERCATALOG_PENDING_REQUEUE_SECONDS)
    lost = Raster.objects.filter(status=Raster.Status.PENDING, updated__lt=waited)
    lost_ids = list(lost.values_list("pk", flat=True))
    # Touch them, so the next sweep waits as long again before queueing another copy.
    Raster.objects.filter(pk__in=lost_ids).update(updated=now)
    return sorted(set(rasters) | set(lost_ids)), uploads


def _recover(model: type[Leased], now) -> list:
    stale = Q(heartbeat_at__lt=_stale_before(now)) | Q(
        heartbeat_at__isnull=True, updated__lt=_stale_before(now)
    )
    rows = model.objects.filter(stale, status="processing")
    limit = settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS
    reason = lease_gave_up_reason()
    exhausted = rows.filter(attempts__gte=limit)
    failed = _failed_fields(model, reason)
    for pk in exhausted.values_list("pk", flat=True):
        logger.warning("%s %s: %s", model.__name__, pk, reason)
    exhausted.update(**failed)
    again = list(rows.filter(attempts__lt=limit).values_list("pk", flat=True))
    # A raster waits for a worker as `pending`; an upload as `processing` without a heartbeat
    # (its `pending` means "waiting for the client's file"). `updated` restarts the clock, so the
    # next sweep does not queue another copy at once. The status test again: a worker that came
    # back to life meanwhile keeps its row.
    waiting = "pending" if model is Raster else "processing"
    model.objects.filter(stale, pk__in=again, status="processing").update(
        status=waiting, heartbeat_at=None, updated=now
    )
    for pk in again:
        logger.warning("%s %s lost its worker: queued again", model.__name__, pk)
    return again


def _failed_fields(model: type[Leased], reason: str) -> dict:
    fields: dict[str, object] = {"status": "failed", "error": reason, "heartbeat_at": None}
    if model is Raster:
        fields["checksum_sha256"] = None  # only ready rows own a checksum
    return fields


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.RASTERCATALOG_INGEST_STALE_SECONDS)


def conversions_recover(*, now=None) -> list[int]:
    """Rasters whose COG conversion lost its worker: ids to queue again; failed after too many.

    The raster itself stays `ready` on its original meanwhile: only the conversion is retried.
    Conversions `pending` for RASTERCATALOG_PENDING_REQUEUE_SECONDS are returned too.
    """
    now = now or timezone.now()
    stale = Q(heartbeat_at__lt=_stale_before(now)) | Q(
        heartbeat_at__isnull=True, updated__lt=_stale_before(now)
    )
    rows = Raster.objects.filter(stale, conversion_status="processing")
    limit = settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS
    reason = lease_gave_up_reason().replace("ingesting", "converting")
    for pk in rows.filter(attempts__gte=limit).values_list("pk", flat=True):
        logger.warning("conversion of raster %s: %s", pk, reason)
    rows.filter(attempts__gte=limit).update(
        conversion_status="failed", conversion_error=reason, heartbeat_at=None, attempts=0
    )
    again = list(rows.filter(attempts__lt=limit).values_list("pk", flat=True))
    Raster.objects.filter(stale, pk__in=again, conversion_status="processing").update(
        conversion_status="pending", heartbeat_at=None, updated=now
    )
    for pk in again:
        logger.warning("conversion of raster %s lost its worker: queued again", pk)
    # Waiting too long for a worker: its message may be lost (as for pending rasters above).
    waited = now - timedelta(seconds=settings.RASTERCATALOG_PENDING_REQUEUE_SECONDS)
    lost = Raster.objects.filter(status="ready", conversion_status="pending", updated__lt=waited)
    lost_ids = list(lost.values_list("pk", flat=True))
    Raster.objects.filter(pk__in=lost_ids).update(updated=now)
    return sorted(set(again) | set(lost_ids))
