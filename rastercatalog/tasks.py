"""Celery tasks: thin wrappers that run the ingestion services on a worker."""

from __future__ import annotations

from celery import shared_task

from .catalog.convert import raster_convert_requested
from .catalog.ingest import IngestError, raster_ingest
from .catalog.leases import LeaseHeld, conversions_recover, leases_recover
from .catalog.overviews import collection_overview_build, overviews_due
from .models import Raster
from .uploads.local import upload_discard
from .uploads.worker import upload_ingest, uploads_cleanup


@shared_task(name="rastercatalog.ingest_pending")
def raster_ingest_pending_task(raster_id: int) -> dict:
    """Ingest a pending raster row; the outcome is stored on the row (or the row is removed as a duplicate)."""
    raster = Raster.objects.filter(pk=raster_id).first()
    if raster is None:
        return {"raster": raster_id, "status": "gone"}
    if raster.status in (Raster.Status.READY, Raster.Status.FAILED):
        # A second message for work already done (queued again by the recovery sweep, or
        # redelivered by the broker after a worker was lost): nothing to do.
        return {"raster": raster_id, "status": "skipped", "reason": f"already {raster.status}"}
    try:
        # The URI passed the allow-lists when the pending row was made.
        result = raster_ingest(uri=raster.uri, name=raster.name, trusted=True, placeholder=raster)
    except LeaseHeld:
        return {"raster": raster_id, "status": "skipped", "reason": "another worker has it"}
    except IngestError as exc:
        return {"raster": raster_id, "status": "failed", "error": exc.reason}
    if not result.created:
        upload_discard(raster.uri)  # an upload of bytes already catalogued is not kept twice
    else:
        raster_convert_requested(raster=result.raster)  # when asked for with the upload
    return {
        "raster": result.raster.pk,
        "status": "ingested" if result.created else "already present",
    }


@shared_task(name="rastercatalog.upload_ingest")
def upload_ingest_task(upload_id: str) -> dict:
    """Ingest a completed direct-to-S3 upload; the outcome is stored on the Upload row."""
    upload = upload_ingest(upload_id=upload_id)
    if upload is None:
        return {"upload": upload_id, "status": "gone or taken by another worker"}
    return {"upload": upload_id, "status": upload.status, "raster": upload.raster_id}


@shared_task(name="rastercatalog.uploads_cleanup")
def uploads_cleanup_task() -> dict:
    """Delete abandoned staging objects (schedule it with Celery beat, e.g. hourly)."""
    return {"deleted": uploads_cleanup()}


@shared_task(name="rastercatalog.ingests_recover")
def ingests_recover_task() -> dict:
    """Queue again the work of workers that died; fail what died too often (see catalog/leases)."""
    return ingests_recover()


def ingests_recover() -> dict:
    """One recovery sweep: every worker runs it every RASTERCATALOG_RECOVERY_INTERVAL_SECONDS."""
    rasters, uploads = leases_recover()
    conversions = conversions_recover()
    for raster_id in rasters:
        raster_ingest_pending_task.delay(raster_id)
    for upload_id in uploads:
        upload_ingest_task.delay(upload_id)
    for raster_id in conversions:
        raster_convert_task.delay(raster_id)
    # Not recovery, but the same clock: collections whose members stopped changing get their
    # overview rebuilt (the debounce, RASTERCATALOG_MOSAIC_OVERVIEW_DEBOUNCE).
    overviews = overviews_due()
    for collection_id in overviews:
        collection_overview_task.delay(collection_id)
    return {
        "rasters": rasters,
        "uploads": uploads,
        "conversions": conversions,
        "overviews": overviews,
    }


@shared_task(name="rastercatalog.collection_overview")
def collection_overview_task(collection_id: int) -> dict:
    """Bring a collection's overview up to date; the outcome is stored on its row."""
    overview = collection_overview_build(collection_id=collection_id)
    return {"collection": collection_id, "status": overview.status, "error": overview.error}


@shared_task(name="rastercatalog.convert_to_cog")
def raster_convert_task(raster_id: int) -> dict:
    """Convert a raster whose conversion is pending to a COG; the outcome is stored on the row."""
    raster = Raster.objects.filter(pk=raster_id).first()
    if raster is None:
        return {"raster": raster_id, "status": "gone"}
    raster = raster_convert_requested(raster=raster)
    return {
        "raster": raster_id,
        "conversion": raster.conversion_status,
        "error": raster.conversion_error,
    }
