"""STAC API routes under /stac/."""

urlpatterns: list = []
