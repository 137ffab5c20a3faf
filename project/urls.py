"""URL configuration: the viewer at /, the admin, the REST API and its docs, STAC, health."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from rastercatalog.views import HealthApi, MetricsPage, RasterThumbnailFileView, ViewerPage

urlpatterns = [
    path("", ViewerPage.as_view(), name="viewer"),
    path("healthz", HealthApi.as_view(), name="health"),
    # Operations: Prometheus metrics, for RASTERCATALOG_METRICS_ALLOWED_IPS only.
    path("metrics", MetricsPage.as_view(), name="metrics"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("rastercatalog.api.urls")),
    path("stac/", include("rastercatalog.api.stac.urls")),
    # Signed thumbnails; nginx serves stored ones from MEDIA_ROOT/thumbs/ at the same path.
    re_path(
        r"^thumbs/(?P<raster_id>\d{1,18})/(?P<size>\d+x\d*|x\d+)/(?P<method>[a-z]+)/"
        r"(?P<signature>[0-9a-f]{32})\.(?P<fmt>[a-z]+)$",
        RasterThumbnailFileView.as_view(),
        name="raster-thumbnail-signed",
    ),
]

# Operations: a database outage met outside a view is a 503 with JSON, not a 500 page.
handler500 = "rastercatalog.middleware.server_error"
