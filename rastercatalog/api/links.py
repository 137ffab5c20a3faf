"""Absolute URLs that responses link to.

The per-raster data routes (tiles, tilejson, thumbnail, metadata, cog) belong to the data API
(data_urls.py); their URLs are built here from the raster id as strings, because a tile URL is an
XYZ template whose braces reverse() would percent-encode.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from rest_framework.request import Request


@dataclass(frozen=True)
class ApiRoot:
    """Absolute URLs, each ending in "/", of the rasters, collections and STAC roots."""

    rasters: str
    collections: str
    stac: str


def api_root(request: Request) -> ApiRoot:
    """The roots as seen by this request's client (scheme, host and script prefix included)."""
    return ApiRoot(
        rasters=rasters_root(request),
        collections=request.build_absolute_uri(reverse("collection-list")),
        stac=request.build_absolute_uri(reverse("stac-landing")),
    )


def rasters_root(request: Request) -> str:
    """ApiRoot.rasters alone (a search page's links need no other root)."""
    return request.build_absolute_uri(reverse("raster-list"))


def raster_links(root: ApiRoot, raster_id: int) -> dict[str, str]:
    """Where to read a raster: its Feature, XYZ tiles, TileJSON, thumbnail, metadata, file."""
    return raster_links_under(root.rasters, raster_id)


def raster_links_under(rasters_url: str, raster_id: int | str) -> dict[str, str]:
    """raster_links from the rasters' root URL alone (ApiRoot.rasters); `raster_id` may be a
    placeholder for a template."""
    base = f"{rasters_url}{raster_id}/"
    return {
        "self": base,
        "tiles": base + "tiles/{z}/{x}/{y}.png",
        "tilejson": base + "tilejson.json",
        "thumbnail": base + "thumbnail.png",
        "metadata": base + "metadata",
        "cog": base + "cog",
    }


def collection_links(root: ApiRoot, slug: str) -> dict[str, str]:
    """A collection's own URL, its rasters' search and its STAC collection."""
    return {
        "self": f"{root.collections}{slug}/",
        "rasters": f"{root.rasters}?collection={quote(slug)}",
        "stac": f"{root.stac}collections/{slug}",
    }
