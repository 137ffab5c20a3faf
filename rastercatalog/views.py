"""Pages outside the REST API (which lives in rastercatalog/api/): the viewer, health, and the
signed thumbnail files (/thumbs/…).

Only the first request for a thumbnail URL should get here: the file is stored at the URL's own
path, and nginx serves it from disk from then on (deploy/nginx.conf). RasterThumbnailFileView
answers when it is not there yet, and under `runserver` where there is no nginx.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from .api.errors import status_for
from .errors import RasterFileUnavailable, ThumbnailInvalid
from .metrics import metrics_client_allowed, metrics_exposition
from .middleware import OUTAGE_DETAIL, OUTAGE_ERRORS, database_unavailable_response
from .models import Raster
from .render.encode import media_type
from .render.thumbnails import (
    Thumbnail,
    thumbnail_get,
    thumbnail_open,
    thumbnail_signature_valid,
    thumbnail_store,
)
from .search.visible import raster_counts_by_status


class ViewerPage(TemplateView):
    """The single-page viewer (frontend/dist/index.html, built by `npm run build`)."""

    def get_template_names(self) -> list[str]:
        # Until the front end is built, a page that says how to build it rather than a 500.
        return ["dist/index.html", "rastercatalog/viewer_unbuilt.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["viewer_config"] = {
            "apiRoot": reverse("raster-list").removesuffix("rasters/"),
            "stacRoot": reverse("stac-landing"),
            "cesiumBaseUrl": static("viewer/cesium/"),
            "basemapUrl": settings.RASTERCATALOG_BASEMAP_URL,
            "basemapAttribution": settings.RASTERCATALOG_BASEMAP_ATTRIBUTION,
            "regionMaxSize": settings.RASTERCATALOG_REGION_MAX_SIZE,
            "searchLimit": settings.RASTERCATALOG_SEARCH_DEFAULT_LIMIT,
        }
        return context


class HealthApi(View):
    """Liveness plus what the database holds: for load balancers and for `make run` users."""

    def get(self, request):
        try:
            counts = raster_counts_by_status()
        except OUTAGE_ERRORS:
            # Load balancers take the instance out of rotation until the database is back.
            return database_unavailable_response(
                {"status": "unavailable", "database": connection.vendor, "detail": OUTAGE_DETAIL}
            )
        return JsonResponse({"status": "ok", "database": connection.vendor, "rasters": counts})


class MetricsPage(View):
    """Prometheus text exposition, for the addresses in RASTERCATALOG_METRICS_ALLOWED_IPS only."""

    def get(self, request):
        # REMOTE_ADDR, never X-Forwarded-For: a client could write any address in that header.
        if not metrics_client_allowed(request.META.get("REMOTE_ADDR", "")):
            return JsonResponse(
                {"detail": "metrics are only served to RASTERCATALOG_METRICS_ALLOWED_IPS"},
                status=403,
            )
        body, content_type = metrics_exposition()
        return HttpResponse(body, content_type=content_type)


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
        except (ThumbnailInvalid, RasterFileUnavailable) as exc:
            return _error(status_for(exc), str(exc))
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
