"""/api/ routes. Each family owns its URL module; the order matters only where prefixes overlap."""

from django.urls import include, path

urlpatterns = [
    path("", include("rastercatalog.api.data.urls")),  # per-raster data: tiles, pixel, cog, …
    path("", include("rastercatalog.api.catalog.urls")),  # search: rasters, collections, MVT
    path("", include("rastercatalog.api.uploads.urls")),  # direct-to-S3 uploads
    path("", include("rastercatalog.api.ogc.urls")),  # WMTS capabilities, OGC API Tiles
    path("", include("rastercatalog.api.mosaic.urls")),  # a search as one layer, time series
]
