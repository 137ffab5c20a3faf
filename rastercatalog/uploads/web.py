"""Direct-to-S3 uploads, the web side: the server hands out a presigned POST, never the bytes.

1. `upload_start`: an Upload row and a presigned POST for a fresh key under
   RASTERCATALOG_UPLOAD_PREFIX (staging), limited by a `content-length-range` condition and an expiry.
2. The client POSTs the file straight to S3, then calls `upload_complete` (or S3 calls the event
   webhook, `upload_complete_by_key`): ingestion is queued on the worker.
3. The worker ingests it (uploads/worker.py).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.utils import timezone
from django.utils.text import get_valid_filename

from ..catalog.convert import to_cog_requested
from ..dispatch import upload_ingest_later
from ..errors import UploadNotReceived
from ..models import Collection, Upload
from .s3 import object_exists, s3_client, upload_bucket


def upload_start(
    *,
    owner,
    name: str = "",
    collection: Collection | None = None,
    filename: str = "",
    to_cog: bool | None = None,
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
        to_cog=to_cog_requested(to_cog),
        expires_at=timezone.now() + timedelta(seconds=expiry),
    )
    return upload, post


def upload_complete(*, upload: Upload) -> Upload:
    """Queue ingestion of the uploaded object; a second call (or a late webhook) changes nothing."""
    if upload.status == Upload.Status.PENDING and not object_exists(upload.bucket, upload.key):
        raise UploadNotReceived(
            f"no file has been uploaded to s3://{upload.bucket}/{upload.key} yet: POST it to the "
            "presigned URL first"
        )
    # Only one caller moves it from pending to processing, so it is queued once.
    queued = Upload.objects.filter(pk=upload.pk, status=Upload.Status.PENDING).update(
        status=Upload.Status.PROCESSING, updated=timezone.now()
    )
    if queued:
        upload_ingest_later(str(upload.pk))
    upload.refresh_from_db()
    return upload


def upload_complete_by_key(*, bucket: str, key: str) -> Upload | None:
    """Complete the upload with this staging key (S3 event webhook); None when there is none."""
    upload = Upload.objects.filter(bucket=bucket, key=key).first()
    if upload is None:
        return None
    return upload_complete(upload=upload)
