"""Catalog search routes (GeoJSON rasters, collections, footprint vector tiles).

data_urls.py is included before this module and owns rasters/<id>/<something>; the routes here
are rasters/, rasters/search, rasters/<id>/ and rasters/tiles/…, which none of its patterns match
(tests/search/test_routes.py checks).
"""

from django.urls import path

from ..routing import method_router
from . import views as catalog_views

# GET searches, POST uploads: two view classes behind one URL.
raster_list_views = (catalog_views.RasterListApi.as_view(), catalog_views.RasterUploadApi.as_view())

urlpatterns = [
    path("rasters/", method_router(*raster_list_views), name="raster-list"),
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
# For the OpenAPI schema only: Django never reaches these (the router above answers rasters/
# first), while drf-spectacular documents each of the router's methods from its own view class.
urlpatterns += [path("rasters/", view) for view in raster_list_views]
