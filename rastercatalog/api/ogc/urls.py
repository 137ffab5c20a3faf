"""OGC tiles routes: WMTS capabilities and OGC API Tiles (tilesets, tile matrix sets)."""

from django.urls import path

from . import views as ogc_views

urlpatterns = [
    path("rasters/<int:raster_id>/wmts", ogc_views.RasterWmtsApi.as_view(), name="raster-wmts"),
    path(
        "rasters/<int:raster_id>/wmts/1.0.0/WMTSCapabilities.xml",
        ogc_views.RasterWmtsApi.as_view(),
        name="raster-wmts-rest",
    ),
    path(
        "rasters/<int:raster_id>/ogc/tiles",
        ogc_views.RasterTilesetListApi.as_view(),
        name="raster-tilesets",
    ),
    path(
        "rasters/<int:raster_id>/ogc/tiles/<str:tms_id>",
        ogc_views.RasterTilesetApi.as_view(),
        name="raster-tileset",
    ),
    path("ogc/tileMatrixSets", ogc_views.TileMatrixSetListApi.as_view(), name="tms-list"),
    path("ogc/tileMatrixSets/<str:tms_id>", ogc_views.TileMatrixSetApi.as_view(), name="tms"),
]
