"""/api/ routes. Each family owns its URL module; the order matters only where prefixes overlap."""

from django.urls import include, path

urlpatterns = [
    path("", include("rastercatalog.api.data_urls")),  # per-raster data: tiles, pixel, cog, …
    path("", include("rastercatalog.api.catalog_urls")),  # search: rasters, collections, MVT
    path("", include("rastercatalog.api.upload_urls")),  # direct-to-S3 uploads
]
