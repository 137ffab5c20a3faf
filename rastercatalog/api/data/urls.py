"""Per-raster data routes (tiles, metadata, pixel, histogram, region, thumbnail, cog)."""

from django.urls import path, re_path

from .views import analysis as analysis_views
from .views import cog as cog_views
from .views import images as image_views
from .views import metadata as metadata_views
from .views import pixels as pixel_views
from .views import tiles as tile_views

urlpatterns: list = [
    # Metadata, values, regions and COG reports (metadata_views, pixel_views, image_views, cog_views).
    path(
        "rasters/<int:raster_id>/metadata",
        metadata_views.RasterMetadataApi.as_view(),
        name="raster-metadata",
    ),
    path(
        "rasters/<int:raster_id>/metadata/internal",
        metadata_views.RasterMetadataInternalApi.as_view(),
        name="raster-metadata-internal",
    ),
    path(
        "rasters/<int:raster_id>/bands",
        metadata_views.RasterBandsApi.as_view(),
        name="raster-bands",
    ),
    path(
        # GET: the statistics stored at ingest (metadata_views); POST: zonal statistics.
        "rasters/<int:raster_id>/statistics",
        analysis_views.RasterStatisticsApi.as_view(),
        name="raster-statistics",
    ),
    # Analysis on the fly (analysis_views): clips of posted polygons, and presets.
    re_path(
        r"^rasters/(?P<raster_id>[0-9]+)/feature\.(?P<fmt>tif|png)$",
        analysis_views.RasterFeatureApi.as_view(),
        name="raster-feature",
    ),
    path(
        "rasters/<int:raster_id>/analysis",
        analysis_views.RasterAnalysisApi.as_view(),
        name="raster-analysis",
    ),
    path(
        "rasters/<int:raster_id>/pixel", pixel_views.RasterPixelApi.as_view(), name="raster-pixel"
    ),
    path(
        "rasters/<int:raster_id>/histogram",
        pixel_views.RasterHistogramApi.as_view(),
        name="raster-histogram",
    ),
    re_path(
        r"^rasters/(?P<raster_id>[0-9]+)/region\.(?P<fmt>tif|png|jpg)$",
        image_views.RasterRegionApi.as_view(),
        name="raster-region",
    ),
    re_path(
        r"^rasters/(?P<raster_id>[0-9]+)/thumbnail\.(?P<fmt>png|jpg|webp)$",
        image_views.RasterThumbnailApi.as_view(),
        name="raster-thumbnail",
    ),
    path("rasters/<int:raster_id>/cog", cog_views.RasterCogApi.as_view(), name="raster-cog"),
    path("cog/validate", cog_views.CogValidateApi.as_view(), name="cog-validate"),
    # Map tiles, TileJSON and colormaps (tile_views). z/x/y accept any integer so that values out
    # of range get a 400 that says so, and any suffix so that an unsupported format is named.
    re_path(
        r"^rasters/(?P<raster_id>[0-9]+)/tiles/(?P<z>-?[0-9]+)/(?P<x>-?[0-9]+)/(?P<y>-?[0-9]+)"
        r"\.(?P<fmt>[A-Za-z0-9]+)$",
        tile_views.RasterTileApi.as_view(),
        name="raster-tile",
    ),
    re_path(
        r"^rasters/(?P<raster_id>[0-9]+)/tiles/(?P<z>-?[0-9]+)/(?P<x>-?[0-9]+)/(?P<y>-?[0-9]+)"
        r"@2x\.(?P<fmt>[A-Za-z0-9]+)$",
        tile_views.RasterTileApi.as_view(),
        {"scale": "@2x"},
        name="raster-tile-2x",
    ),
    path(
        "rasters/<int:raster_id>/tilejson.json",
        tile_views.RasterTileJsonApi.as_view(),
        name="raster-tilejson",
    ),
    path("colormaps/", tile_views.ColormapListApi.as_view(), name="colormap-list"),
    re_path(
        r"^colormaps/(?P<name>[A-Za-z0-9_.+-]+?)\.png$",
        tile_views.ColormapLegendApi.as_view(),
        name="colormap-legend",
    ),
]
