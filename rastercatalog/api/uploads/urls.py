"""Direct-to-S3 upload routes."""

from django.urls import path

from . import views as upload_views

urlpatterns = [
    path("uploads/", upload_views.UploadListApi.as_view(), name="upload-list"),
    path("uploads/events", upload_views.UploadEventsApi.as_view(), name="upload-events"),
    path("uploads/<uuid:upload_id>", upload_views.UploadDetailApi.as_view(), name="upload-detail"),
    path(
        "uploads/<uuid:upload_id>/complete",
        upload_views.UploadCompleteApi.as_view(),
        name="upload-complete",
    ),
]
