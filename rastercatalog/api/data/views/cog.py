"""COG verdicts: the one stored for a catalogued raster, and one on demand for a file or URI."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ....catalog.cog import CogReport
from ....catalog.cog_validation import cog_validate_upload, cog_validate_uri
from ...http import raster_get_ready
from ..serializers import CogReportSerializer, CogValidateRequestSerializer

TAGS = ["raster data"]


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "the upload is too large"
    default_code = "upload_too_large"


class RasterCogApi(APIView):
    """rio-cogeo's verdict on the raster, stored at ingest: validity, errors, warnings, profile, IFDs."""

    @extend_schema(
        tags=TAGS,
        summary="Stored COG report (rio-cogeo)",
        responses={200: CogReportSerializer},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        report = CogReport(
            is_valid=bool(raster.is_cog),
            errors=raster.cog_errors,
            warnings=raster.cog_warnings,
            info=raster.cog_info,
        )
        return Response(report.as_dict())


class CogValidateApi(APIView):
    """Validate a GeoTIFF as a COG without cataloguing it: an upload (`file`) or an allow-listed `uri`."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        tags=TAGS,
        summary="Validate an uploaded file or an allow-listed URI as a COG (nothing is catalogued)",
        request={
            "multipart/form-data": CogValidateRequestSerializer,
            "application/json": CogValidateRequestSerializer,
        },
        responses={200: CogReportSerializer},
        examples=[
            OpenApiExample(
                "By URI", value={"uri": "https://example.com/scene.tif"}, request_only=True
            )
        ],
    )
    def post(self, request: Request) -> Response:
        limit = settings.RASTERCATALOG_COG_VALIDATE_MAX_BYTES
        # Checked before the body is parsed, so an oversized upload is never spooled to disk.
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise ParseError("the Content-Length header is not a number") from None
        if declared > limit:
            raise UploadTooLarge(
                f"the request is {declared} bytes, more than the limit of {limit} bytes "
                "(RASTERCATALOG_COG_VALIDATE_MAX_BYTES); validate large files by uri instead"
            )
        if not isinstance(request.data, Mapping):
            raise ParseError(
                "the body must be a JSON object {\"uri\": …} or a multipart form with a 'file'"
            )
        upload, uri = request.FILES.get("file"), request.data.get("uri")
        if (upload is None) == (not uri):
            raise ParseError("give either a file (multipart field 'file') or a uri, not both")
        # A chunked request declares no length: check what actually arrived, before GDAL sees it.
        if upload is not None and upload.size > limit:
            raise UploadTooLarge(
                f"the file is {upload.size} bytes, more than the limit of {limit} bytes "
                "(RASTERCATALOG_COG_VALIDATE_MAX_BYTES); validate large files by uri instead"
            )
        report = (
            cog_validate_upload(upload=upload)
            if upload is not None
            else cog_validate_uri(uri=str(uri))
        )
        return Response(report.as_dict())
