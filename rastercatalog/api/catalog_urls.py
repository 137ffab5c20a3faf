"""Catalog search routes (GeoJSON rasters, collections, footprint vector tiles)."""

urlpatterns: list = []
