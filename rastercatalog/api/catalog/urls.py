"""Catalog search routes (GeoJSON rasters, collections, footprint vector tiles).

data_urls.py is included before this module and owns rasters/<id>/<something>; the routes here
are rasters/, rasters/search, rasters/<id>/ and rasters/tiles/…, which none of its patterns match
(tests/search/test_routes.py checks).
"""

from django.urls import path

from . import views as catalog_views

urlpatterns = [
    path("rasters/", catalog_views.RasterListApi.as_view(), name="raster-list"),
    path("rasters/search", catalog_views.RasterSearchApi.as_view(), name="raster-search"),
    path(
        "rasters/tiles/<int:z>/<int:x>/<int:y>.mvt",
        catalog_views.FootprintTileApi.as_view(),
        name="raster-footprint-tile",
    ),
    path("rasters/<int:raster_id>/", catalog_views.RasterDetailApi.as_view(), name="raster-detail"),
    path("collections/", catalog_views.CollectionListApi.as_view(), name="collection-list"),
    path(
        "collections/<slug:slug>/",
        catalog_views.CollectionDetailApi.as_view(),
        name="collection-detail",
    ),
]
