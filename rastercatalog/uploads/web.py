"""Direct-to-S3 uploads: the API server hands out a presigned POST and never receives the bytes.

1. `upload_start`: an Upload row and a presigned POST for a fresh key under
   RASTERCATALOG_UPLOAD_PREFIX (staging), limited by a `content-length-range` condition and an expiry.
2. The client POSTs the file straight to S3, then calls `upload_complete` (or S3 calls the event
   webhook, `upload_complete_by_key`): ingestion is queued on the worker.
3. `upload_ingest` (the worker): `raster_ingest` reads the staging object in place through /vsis3/,
   computes the checksum itself and validates. A new raster's object is then copied to a
   content-addressed final key (RASTERCATALOG_UPLOAD_FINAL_PREFIX + sha256 + ".tif"), the row is
   pointed at it, and the staging object is deleted; the same bytes as an existing raster, or a
   failure, just delete the staging object. So the staging prefix only ever holds uploads in flight,
   and `uploads_cleanup` may delete anything there that is old and not in flight.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from ..catalog.ingest import IngestError, raster_ingest
from ..models import Collection, Raster, Upload

logger = logging.getLogger(__name__)


class UploadNotReceived(ValueError):
    """`complete` was called but no object is at the upload's staging key (yet)."""


def s3_client(*, endpoint_url: str | None = None):
    """A boto3 S3 client for the endpoint GDAL's /vsis3/ uses (AWS_S3_ENDPOINT, AWS_HTTPS)."""
    import boto3
    from botocore.config import Config

    # Path-style addressing unless AWS_VIRTUAL_HOSTING says otherwise, as GDAL does for MinIO.
    virtual = os.environ.get("AWS_VIRTUAL_HOSTING", "TRUE").upper() in ("TRUE", "YES", "ON", "1")
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url or settings.RASTERCATALOG_S3_ENDPOINT_URL,
        region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        config=Config(
            signature_version="s3v4", s3={"addressing_style": "virtual" if virtual else "path"}
        ),
    )


def upload_bucket() -> str:
    """The configured upload bucket; ImproperlyConfigured when direct uploads are not set up."""
    bucket = settings.RASTERCATALOG_UPLOAD_BUCKET
    if not bucket:
        raise ImproperlyConfigured(
            "Direct-to-S3 uploads need RASTERCATALOG_UPLOAD_BUCKET: set it to a bucket the "
            "server's AWS credentials can write (and AWS_S3_ENDPOINT for MinIO or another S3 service)."
        )
    return bucket


def upload_start(
    *, owner, name: str = "", collection: Collection | None = None, filename: str = ""
) -> tuple[Upload, dict]:
    """Record an upload and return it with its presigned POST ({"url": …, "fields": {…}})."""
    bucket = upload_bucket()
    safe_name = get_valid_filename(PurePosixPath(filename or "upload.tif").name) or "upload.tif"
    key = f"{settings.RASTERCATALOG_UPLOAD_PREFIX}{uuid.uuid4().hex}/{safe_name}"
    expiry = settings.RASTERCATALOG_UPLOAD_EXPIRY
    # Clients may reach S3 by another name than this server does (MinIO as "minio:9000" inside
    # Docker): a POST policy's signature does not cover the host, so only the URL changes.
    client = s3_client(endpoint_url=settings.RASTERCATALOG_UPLOAD_PUBLIC_ENDPOINT_URL)
    post = client.generate_presigned_post(
        Bucket=bucket,
        Key=key,
        # S3 itself refuses bodies outside this range: the limit holds without this server.
        Conditions=[["content-length-range", 1, settings.RASTERCATALOG_UPLOAD_MAX_BYTES]],
        ExpiresIn=expiry,
    )
    upload = Upload.objects.create(
        owner=owner,
        name=name,
        collection=collection,
        bucket=bucket,
        key=key,
        expires_at=timezone.now() + timedelta(seconds=expiry),
    )
    return upload, post


def upload_complete(*, upload: Upload) -> Upload:
    """Queue ingestion of the uploaded object; a second call (or a late webhook) changes nothing."""
    if upload.status == Upload.Status.PENDING and not _object_exists(upload.bucket, upload.key):
        raise UploadNotReceived(
            f"no file has been uploaded to s3://{upload.bucket}/{upload.key} yet: POST it to the "
            "presigned URL first"
        )
    # Only one caller moves it from pending to processing, so it is queued once.
    queued = Upload.objects.filter(pk=upload.pk, status=Upload.Status.PENDING).update(
        status=Upload.Status.PROCESSING, updated=timezone.now()
    )
    if queued:
        from ..tasks import upload_ingest_task  # tasks.py imports this module

        upload_id = str(upload.pk)
        transaction.on_commit(lambda: upload_ingest_task.delay(upload_id))
    upload.refresh_from_db()
    return upload


def upload_complete_by_key(*, bucket: str, key: str) -> Upload | None:
    """Complete the upload with this staging key (S3 event webhook); None when there is none."""
    upload = Upload.objects.filter(bucket=bucket, key=key).first()
    if upload is None:
        return None
    return upload_complete(upload=upload)


def upload_ingest(*, upload_id: str) -> Upload | None:
    """Ingest an upload's staging object in place, then move it to its final key (the worker)."""
    upload = Upload.objects.select_related("collection").filter(pk=upload_id).first()
    if upload is None:
        return None
    staging = f"s3://{upload.bucket}/{upload.key}"
    try:
        # Trusted: the URI is built here from the configured bucket, not given by the client.
        result = raster_ingest(
            uri=staging, name=upload.name, collection=upload.collection, trusted=True
        )
    except IngestError as exc:
        _object_delete(upload.bucket, upload.key)
        return _finish(upload, Upload.Status.FAILED, error=exc.reason)
    raster = result.raster
    if result.created:
        final_key = f"{settings.RASTERCATALOG_UPLOAD_FINAL_PREFIX}{raster.checksum_sha256}.tif"
        s3_client().copy_object(
            Bucket=upload.bucket,
            Key=final_key,
            CopySource={"Bucket": upload.bucket, "Key": upload.key},
        )
        # The staging object stays readable until the row points at the copy.
        Raster.objects.filter(pk=raster.pk).update(uri=f"s3://{upload.bucket}/{final_key}")
    _object_delete(upload.bucket, upload.key)
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
        status=status, error=error, raster=raster, updated=timezone.now()
    )
    upload.refresh_from_db()
    return upload


def _object_exists(bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3_client().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _object_delete(bucket: str, key: str) -> None:
    s3_client().delete_object(Bucket=bucket, Key=key)
