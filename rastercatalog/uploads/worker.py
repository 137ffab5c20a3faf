"""Direct-to-S3 uploads, the worker's side: ingest the staging object, clean up what is abandoned.

`upload_ingest`: `raster_ingest` reads the staging object in place through /vsis3/, computes the
checksum itself and validates. A new raster's object is then copied to a content-addressed final
key (RASTERCATALOG_UPLOAD_FINAL_PREFIX + sha256 + ".tif"), the row is pointed at it, and the
staging object is deleted; the same bytes as an existing raster, or a failure, just delete the
staging object. So the staging prefix only ever holds uploads in flight, and `uploads_cleanup` may
delete anything there that is old and not in flight.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..catalog.convert import raster_convert_now
from ..catalog.ingest import IngestError, raster_ingest
from ..catalog.leases import LeaseHeld, lease_claim, lease_gave_up_reason, lease_heartbeat
from ..models import Raster, Upload
from .s3 import object_delete, s3_client, upload_bucket

logger = logging.getLogger(__name__)


def upload_ingest(*, upload_id: str) -> Upload | None:
    """Ingest an upload's staging object in place, then move it to its final key (the worker)."""
    upload = Upload.objects.select_related("collection").filter(pk=upload_id).first()
    if upload is None:
        return None
    staging = f"s3://{upload.bucket}/{upload.key}"
    try:
        # Only `processing` uploads are claimable: completed by the client, not yet finished.
        attempt = lease_claim(Upload, upload.pk, statuses=())
    except LeaseHeld:
        return None  # a duplicate message: a live worker has it, or it is finished
    if attempt > settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS:
        return _finish(upload, Upload.Status.FAILED, error=lease_gave_up_reason())
    try:
        with lease_heartbeat(Upload, upload.pk):
            # Trusted: the URI is built here from the configured bucket, not given by the client.
            result = raster_ingest(
                uri=staging, name=upload.name, collection=upload.collection, trusted=True
            )
    except IngestError as exc:
        object_delete(upload.bucket, upload.key)
        return _finish(upload, Upload.Status.FAILED, error=exc.reason)
    raster = result.raster
    # A worker killed after cataloguing but before the move left the row on the staging key:
    # this attempt finds "already present" with that very row, and finishes the move.
    if result.created or raster.uri == staging:
        final_key = f"{settings.RASTERCATALOG_UPLOAD_FINAL_PREFIX}{raster.checksum_sha256}.tif"
        s3_client().copy_object(
            Bucket=upload.bucket,
            Key=final_key,
            CopySource={"Bucket": upload.bucket, "Key": upload.key},
        )
        # The staging object stays readable until the row points at the copy.
        Raster.objects.filter(pk=raster.pk).update(uri=f"s3://{upload.bucket}/{final_key}")
    object_delete(upload.bucket, upload.key)
    if upload.to_cog and result.created:
        raster.refresh_from_db()  # on its final key: the COG is written beside it
        raster_convert_now(raster=raster)
    return _finish(upload, Upload.Status.READY, raster=raster)


def uploads_cleanup(*, now=None) -> int:
    """Delete abandoned staging objects and mark their uploads failed; return objects deleted."""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.RASTERCATALOG_UPLOAD_EXPIRY)
    abandoned = Upload.objects.filter(status=Upload.Status.PENDING, expires_at__lt=now - grace)
    for upload in abandoned:
        _finish(
            upload,
            Upload.Status.FAILED,
            error="abandoned: not completed before the upload URL expired",
        )
    # Whatever is left under the staging prefix and is not in flight: old uploads never
    # recorded or completed, leftovers of crashed workers.
    in_flight = set(
        Upload.objects.filter(
            status__in=[Upload.Status.PENDING, Upload.Status.PROCESSING]
        ).values_list("key", flat=True)
    )
    bucket = upload_bucket()
    client = s3_client()
    deleted = 0
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=settings.RASTERCATALOG_UPLOAD_PREFIX
    )
    for page in pages:
        for item in page.get("Contents", []):
            if item["Key"] in in_flight or item["LastModified"] > now - grace:
                continue
            client.delete_object(Bucket=bucket, Key=item["Key"])
            deleted += 1
    logger.info("cleaned up %d abandoned staging objects", deleted)
    return deleted


def _finish(upload: Upload, status: str, *, error: str = "", raster: Raster | None = None):
    Upload.objects.filter(pk=upload.pk).update(
        status=status, error=error, raster=raster, updated=timezone.now(), heartbeat_at=None
    )
    upload.refresh_from_db()
    return upload
