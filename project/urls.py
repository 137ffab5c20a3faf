"""URL configuration: the viewer at /, the admin at /admin/, health at /healthz."""

from django.contrib import admin
from django.urls import path

from rastercatalog.views import HealthApi, ViewerPage

urlpatterns = [
    path("", ViewerPage.as_view(), name="viewer"),
    path("healthz", HealthApi.as_view(), name="health"),
    path("admin/", admin.site.urls),
]
