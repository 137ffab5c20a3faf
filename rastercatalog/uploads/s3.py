"""The S3 client of direct uploads: the only module that imports boto3."""

from __future__ import annotations

import os

from django.conf import settings

from ..errors import UploadsNotConfigured


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
    """The configured upload bucket; UploadsNotConfigured when direct uploads are not set up."""
    bucket = settings.RASTERCATALOG_UPLOAD_BUCKET
    if not bucket:
        raise UploadsNotConfigured(
            "Direct-to-S3 uploads are not configured on this server: they need "
            "RASTERCATALOG_UPLOAD_BUCKET, a bucket the server's AWS credentials can write (and "
            "AWS_S3_ENDPOINT for MinIO or another S3 service)."
        )
    return bucket


def object_exists(bucket: str, key: str) -> bool:
    """True when an object is at s3://bucket/key."""
    from botocore.exceptions import ClientError

    try:
        s3_client().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def object_delete(bucket: str, key: str) -> None:
    """Delete s3://bucket/key (S3 answers the same whether or not it was there)."""
    s3_client().delete_object(Bucket=bucket, Key=key)


def object_upload(path, bucket: str, key: str) -> None:
    """Upload the local file at `path` to s3://bucket/key (multipart for large files)."""
    s3_client().upload_file(str(path), bucket, key)
