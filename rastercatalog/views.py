"""Page and health views. The REST API lives in rastercatalog/api/."""

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from .metrics import metrics_client_allowed, metrics_exposition
from .middleware import OUTAGE_DETAIL, OUTAGE_ERRORS, database_unavailable_response
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
