"""Direct-to-S3 uploads: start one (a presigned POST), complete it, follow it; the S3 event webhook."""

from __future__ import annotations

import hmac
from urllib.parse import unquote_plus

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...models import Collection, Upload
from ...uploads.web import (
    UploadNotReceived,
    upload_complete,
    upload_complete_by_key,
    upload_start,
)

TAGS = ["uploads"]


class UploadStartSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    collection = serializers.SlugRelatedField(
        slug_field="slug", queryset=Collection.objects.all(), required=False, allow_null=True
    )
    filename = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    to_cog = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Convert to a COG once catalogued (default: RASTERCATALOG_INGEST_TO_COG)",
    )


def upload_body(request: Request, upload: Upload) -> dict:
    """What a client sees of an upload: its state and where to go next."""
    status_url = reverse("upload-detail", args=[upload.pk])
    return {
        "id": str(upload.pk),
        "status": upload.status,
        "error": upload.error,
        "name": upload.name,
        "to_cog": upload.to_cog,
        "raster": upload.raster_id,
        "raster_url": (
            request.build_absolute_uri(reverse("raster-detail", args=[upload.raster_id]))
            if upload.raster_id
            else None
        ),
        "expires_at": upload.expires_at,
        "status_url": request.build_absolute_uri(status_url),
        "complete_url": request.build_absolute_uri(reverse("upload-complete", args=[upload.pk])),
    }


def _upload_for(request: Request, upload_id) -> Upload:
    upload = Upload.objects.filter(pk=upload_id).first()
    user = request.user
    # Someone else's upload is absent, not forbidden: ids must not be confirmed to strangers.
    if upload is None or not (user.is_staff or upload.owner_id == user.pk):
        raise NotFound(f"no upload {upload_id}")
    return upload


class UploadListApi(APIView):
    """Start a direct-to-S3 upload: returns a presigned POST for the file."""

    @extend_schema(
        tags=TAGS,
        request=UploadStartSerializer,
        responses={201: OpenApiTypes.OBJECT},
        description='Returns the upload with "upload": {"url", "fields"}: POST the fields and then '
        'the file (as "file") as multipart/form-data to the url, then POST complete_url.',
    )
    def post(self, request: Request) -> Response:
        start = UploadStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        upload, post = upload_start(owner=request.user, **start.validated_data)
        body = {**upload_body(request, upload), "upload": post}
        headers = {"Location": reverse("upload-detail", args=[upload.pk])}
        return Response(body, status=status.HTTP_201_CREATED, headers=headers)


class UploadDetailApi(APIView):
    """An upload's state: pending, processing, ready (with the raster) or failed (with the reason)."""

    @extend_schema(tags=TAGS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, upload_id) -> Response:
        return Response(upload_body(request, _upload_for(request, upload_id)))


class UploadCompleteApi(APIView):
    """Tell the server the file is in S3: ingestion is queued on the worker (202)."""

    @extend_schema(tags=TAGS, request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request, upload_id) -> Response:
        upload = _upload_for(request, upload_id)
        upload = upload_complete(upload=upload)
        return Response(upload_body(request, upload), status=status.HTTP_202_ACCEPTED)


class UploadEventsApi(APIView):
    """S3 event notifications (ObjectCreated) for staging keys; authenticated by a shared secret."""

    authentication_classes: list = []
    permission_classes = [AllowAny]  # the shared secret below is the authentication

    @extend_schema(tags=TAGS, request=OpenApiTypes.OBJECT, responses={202: OpenApiTypes.OBJECT})
    def post(self, request: Request) -> Response:
        secret = settings.RASTERCATALOG_UPLOAD_WEBHOOK_SECRET
        given = request.headers.get("X-Upload-Secret") or request.headers.get(
            "Authorization", ""
        ).removeprefix("Bearer ")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise PermissionDenied("wrong or missing X-Upload-Secret")
        queued = []
        records = request.data.get("Records", []) if isinstance(request.data, dict) else []
        for record in records if isinstance(records, list) else []:
            bucket = str(_dig(record, "s3", "bucket", "name"))
            # Event keys are URL-encoded (a space arrives as "+").
            key = unquote_plus(str(_dig(record, "s3", "object", "key")))
            try:
                upload = upload_complete_by_key(bucket=bucket, key=key)
            except UploadNotReceived:
                continue
            if upload is not None:
                queued.append(str(upload.pk))
        return Response({"uploads": queued}, status=status.HTTP_202_ACCEPTED)


def _dig(value, *keys: str):
    """value[k1][k2]… of a JSON event, or "" where a level is missing or not an object."""
    for key in keys:
        value = value.get(key, "") if isinstance(value, dict) else ""
    return value
