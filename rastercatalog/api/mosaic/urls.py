"""Mosaic routes: a search drawn as one layer (tiles, TileJSON) and its time series at a point."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    # z/x/y accept any integer and any suffix, so that a value out of range or an unsupported
    # format gets a 400 that names it (as the single-raster tiles do).
    re_path(
        r"^mosaic/tiles/(?P<z>-?[0-9]+)/(?P<x>-?[0-9]+)/(?P<y>-?[0-9]+)\.(?P<fmt>[A-Za-z0-9]+)$",
        views.MosaicTileApi.as_view(),
        name="mosaic-tile",
    ),
    re_path(
        r"^mosaic/tiles/(?P<z>-?[0-9]+)/(?P<x>-?[0-9]+)/(?P<y>-?[0-9]+)@2x\.(?P<fmt>[A-Za-z0-9]+)$",
        views.MosaicTileApi.as_view(),
        {"scale": "@2x"},
        name="mosaic-tile-2x",
    ),
    path("mosaic/tilejson.json", views.MosaicTileJsonApi.as_view(), name="mosaic-tilejson"),
    path("mosaic/point", views.MosaicPointApi.as_view(), name="mosaic-point"),
]
