"""Per-raster data routes (tiles, metadata, pixel, histogram, region, thumbnail, cog)."""

urlpatterns: list = []
