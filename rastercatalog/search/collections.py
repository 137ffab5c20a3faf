"""Collection selectors: the collections, and where and when the rasters a user may see lie in each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Max, Min, Q, QuerySet

from ..models import Collection, Raster
from .visible import User, raster_list_visible


def collection_list() -> QuerySet[Collection]:
    """Every collection, by name (collections themselves are public; their rasters may not be)."""
    return Collection.objects.order_by("name", "pk")


def collection_get(*, slug: str) -> Collection | None:
    """The collection with this slug, or None."""
    return Collection.objects.filter(slug=slug).first()


@dataclass(frozen=True)
class CollectionExtent:
    bbox: tuple[float, float, float, float] | None  # west, south, east, north
    start: datetime | None
    end: datetime | None
    raster_count: int


EMPTY_EXTENT = CollectionExtent(bbox=None, start=None, end=None, raster_count=0)


def collection_extents(
    *, user: User | None, collection_ids: list[int] | None = None
) -> dict[int, CollectionExtent]:
    """Where and when the ready rasters that `user` may see lie, and how many, per collection id.

    One grouped scan of the collections' rasters: fine for a catalog's few collections, but it
    reads every row of them, so callers ask for the collections they show, not for all.
    """
    rasters = raster_list_visible(user=user).filter(
        status=Raster.Status.READY, collection__isnull=False
    )
    if collection_ids is not None:
        rasters = rasters.filter(collection_id__in=collection_ids)
    not_crossing = Q(bbox_west__lte=F("bbox_east"))
    rows = (
        rasters.order_by()
        .values("collection_id")
        .annotate(
            n=Count("pk"),
            crossing=Count("pk", filter=~not_crossing),
            west=Min("bbox_west", filter=not_crossing),
            east=Max("bbox_east", filter=not_crossing),
            south=Min("bbox_south"),
            north=Max("bbox_north"),
            start=Min("acquired_at"),
            end=Max("acquired_at"),
        )
    )
    return {row["collection_id"]: _extent(row) for row in rows}


def _extent(row: dict) -> CollectionExtent:
    # A raster across the antimeridian: all longitudes cover the collection, if not minimally.
    west, east = (-180.0, 180.0) if row["crossing"] else (row["west"], row["east"])
    return CollectionExtent(
        bbox=(west, row["south"], east, row["north"]),
        start=row["start"],
        end=row["end"],
        raster_count=row["n"],
    )
