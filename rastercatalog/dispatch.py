"""Ingest a file this server received (base64 body, admin form): inline, or on the worker when large."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .catalog.ingest import IngestError, raster_create_pending, raster_ingest
from .models import Collection, Raster
from .tasks import raster_ingest_later, worker_available
from .uploads.local import upload_discard


@dataclass(frozen=True)
class UploadOutcome:
    raster: Raster
    created: bool  # False: the same bytes were catalogued already, `raster` is that row
    queued: bool  # True: a worker ingests `raster` (pending) later


def raster_ingest_uploaded(
    *, path: Path, size: int, name: str = "", collection: Collection | None = None
) -> UploadOutcome:
    """Catalogue an uploaded file: on the worker above RASTERCATALOG_ASYNC_UPLOAD_BYTES, else here."""
    # Trusted: this server wrote the file under the upload directory; no user path is involved.
    if worker_available() and size > settings.RASTERCATALOG_ASYNC_UPLOAD_BYTES:
        pending = raster_create_pending(
            uri=str(path), name=name, collection=collection, trusted=True
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
    return UploadOutcome(result.raster, created=result.created, queued=False)
