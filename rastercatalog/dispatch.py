"""The one place that decides "run here or queue for the worker", and queues.

The admin, the command line and the API call these; only this module (and Celery) imports tasks.
Without a broker (CELERY_TASK_ALWAYS_EAGER) queued tasks run inline, right there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .catalog.convert import (
    raster_conversion_request,
    raster_convert_now,
    raster_convert_requested,
    to_cog_requested,
)
from .catalog.ingest import IngestError, raster_create_pending, raster_ingest, raster_reingest
from .catalog.overviews import collection_overview_build, overviews_due, overviews_mark_stale
from .models import Collection, Raster
from .tasks import raster_convert_task, raster_ingest_pending_task, upload_ingest_task
from .uploads.local import upload_discard


def worker_available() -> bool:
    """True when a broker is configured, so queued tasks run on a Celery worker (else inline)."""
    return not settings.CELERY_TASK_ALWAYS_EAGER


def ingest_runs_on_worker(*, received_bytes: int | None = None) -> bool:
    """Decide whether an ingestion goes to the worker.

    Queue whenever a worker is there, except a file this server received (`received_bytes`) at or
    below RASTERCATALOG_ASYNC_UPLOAD_BYTES: that one is quicker to ingest than to hand over.
    """
    if not worker_available():
        return False
    return received_bytes is None or received_bytes > settings.RASTERCATALOG_ASYNC_UPLOAD_BYTES


def raster_ingest_later(raster: Raster) -> None:
    """Queue ingestion of a pending row once the transaction that made it has committed."""
    transaction.on_commit(lambda: raster_ingest_pending_task.delay(raster.pk))


def upload_ingest_later(upload_id: str) -> None:
    """Queue ingestion of a completed direct-to-S3 upload once the transaction has committed."""
    transaction.on_commit(lambda: upload_ingest_task.delay(upload_id))


def raster_reingest_dispatched(*, raster: Raster) -> bool:
    """Re-ingest `raster` on the worker when there is one (True: queued), else here (False)."""
    if ingest_runs_on_worker():
        Raster.objects.filter(pk=raster.pk).update(
            status=Raster.Status.PENDING, error="", attempts=0, heartbeat_at=None
        )
        raster_ingest_later(raster)
        return True
    raster_reingest(raster=raster)
    return False


@dataclass(frozen=True)
class UploadOutcome:
    raster: Raster
    created: bool  # False: the same bytes were catalogued already, `raster` is that row
    queued: bool  # True: a worker ingests `raster` (pending) later


def raster_ingest_uploaded(
    *,
    path: Path,
    size: int,
    name: str = "",
    collection: Collection | None = None,
    to_cog: bool | None = None,
) -> UploadOutcome:
    """Catalogue an uploaded file: on the worker above RASTERCATALOG_ASYNC_UPLOAD_BYTES, else here.

    `to_cog`: convert it to a COG once catalogued (a failure leaves it on the original, with why);
    None: RASTERCATALOG_INGEST_TO_COG decides.
    """
    to_cog = to_cog_requested(to_cog)
    # Trusted: this server wrote the file under the upload directory; no user path is involved.
    if ingest_runs_on_worker(received_bytes=size):
        pending = raster_create_pending(
            uri=str(path), name=name, collection=collection, trusted=True, to_cog=to_cog
        )
        raster_ingest_later(pending)
        return UploadOutcome(pending, created=True, queued=True)
    try:
        result = raster_ingest(uri=str(path), name=name, collection=collection, trusted=True)
    except IngestError:
        upload_discard(path)  # nothing was catalogued: keep no orphan file
        raise
    if not result.created:
        upload_discard(path)
    elif to_cog:
        raster_convert_now(raster=result.raster)
    return UploadOutcome(result.raster, created=result.created, queued=False)


def raster_convert_dispatched(*, raster: Raster, compression: str = "") -> bool:
    """Convert `raster` to a COG on the worker when there is one (True: queued), else here (False).

    Here, a failure is recorded on the row (`conversion_status`, `conversion_error`), not raised.
    """
    raster_conversion_request(raster=raster, compression=compression)
    if worker_available():
        transaction.on_commit(lambda: raster_convert_task.delay(raster.pk))
        return True
    raster_convert_requested(raster=raster)
    return False


def collection_overviews_refresh(*, collection_ids: list[int | None]) -> list[int]:
    """Note that these collections' members changed; without a worker, rebuild their overviews here.

    With a worker its sweep rebuilds them once they stop changing (the debounce); without one,
    this is what does (the ingest command and the admin call it). Returns the ids rebuilt here.
    """
    overviews_mark_stale(collection_ids=collection_ids)
    if worker_available():
        return []
    wanted = {collection_id for collection_id in collection_ids if collection_id is not None}
    due = [collection_id for collection_id in overviews_due(debounce=0) if collection_id in wanted]
    for collection_id in due:
        collection_overview_build(collection_id=collection_id)
    return due
