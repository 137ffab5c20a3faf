"""The signed thumbnail URLs (/thumbs/…): check the signature, render once, hand the file over.

Only the first request for a URL should get here: the file is stored at the URL's own path, and
nginx serves it from disk from then on (deploy/nginx.conf). This view answers when it is not there
yet, and under `runserver` where there is no nginx.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.views import View

from .models import Raster
from .render.encode import media_type
from .render.source import RasterFileUnavailable
from .render.thumbnails import (
    Thumbnail,
    ThumbnailInvalid,
    thumbnail_get,
    thumbnail_open,
    thumbnail_signature_valid,
    thumbnail_store,
)

# The URL holds the checksum's signature: its content never changes, so caches may keep it a year.
IMMUTABLE = "public, max-age=31536000, immutable"


class RasterThumbnailFileView(View):
    """A signed thumbnail: 403 for a wrong signature, else the image (rendered on first request)."""

    def get(
        self, request: HttpRequest, raster_id: str, size: str, method: str, signature: str, fmt: str
    ) -> HttpResponse:
        raster = Raster.objects.filter(pk=int(raster_id)).first()
        parts = {"size": size, "method": method, "fmt": fmt}
        # A missing raster answers like a wrong signature: URLs must not reveal which ids exist.
        if raster is None or not thumbnail_signature_valid(raster, signature=signature, **parts):
            return _error(403, "wrong signature for this thumbnail URL")
        if raster.status != Raster.Status.READY:
            return _error(409, f"raster {raster.pk} is not ready (status {raster.status})")
        try:
            thumbnail = thumbnail_get(raster, **parts)
            rendered = thumbnail_store(raster, thumbnail)
        except ThumbnailInvalid as exc:
            return _error(400, str(exc))
        except RasterFileUnavailable as exc:
            return _error(503, str(exc))
        response = _file_response(thumbnail)
        response["Cache-Control"] = IMMUTABLE
        response["X-Thumbnail"] = "rendered" if rendered else "stored"
        return response


def _file_response(thumbnail: Thumbnail) -> HttpResponse:
    content_type = media_type(thumbnail.fmt)
    serve = settings.RASTERCATALOG_THUMBNAIL_SERVE
    if serve == "direct":
        return FileResponse(thumbnail_open(thumbnail), content_type=content_type)
    if serve == "x-accel":
        # nginx sends the file from its internal location; Django sends only headers.
        response = HttpResponse(content_type=content_type)
        prefix = settings.RASTERCATALOG_THUMBNAIL_ACCEL_PREFIX.rstrip("/")
        response["X-Accel-Redirect"] = quote(f"{prefix}/{thumbnail.storage_name}")
        return response
    raise ImproperlyConfigured(
        f"RASTERCATALOG_THUMBNAIL_SERVE is {serve!r}: set it to 'direct' (Django streams the file, "
        "for development) or 'x-accel' (nginx sends it, see deploy/nginx.conf)."
    )


def _error(code: int, detail: str) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=code)
