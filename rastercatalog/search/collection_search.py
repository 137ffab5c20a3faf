"""Collection search (STAC API collection search, free text): which collections match q, bbox
and datetime, judged by their description and by the extent of the rasters the reader may see."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.db.models import Q

from ..models import Collection
from .collections import EMPTY_EXTENT, CollectionExtent, collection_extents, collection_list
from .visible import User


@dataclass(frozen=True)
class CollectionQuery:
    """Free-text terms (any may match), a west, south, east, north box and a time interval."""

    terms: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None


def collection_search(
    query: CollectionQuery, *, user: User | None
) -> list[tuple[Collection, CollectionExtent]]:
    """The collections matching `query`, each with its extent (what `user` may see of it)."""
    collections = collection_list()
    if query.terms:
        fields = ("name", "slug", "description", "license")
        matches = [Q(**{f"{field}__icontains": term}) for term in query.terms for field in fields]
        collections = collections.filter(reduce(operator.or_, matches))
    collections = list(collections)
    extents = collection_extents(user=user, collection_ids=[c.pk for c in collections])
    found = []
    for collection in collections:
        extent = extents.get(collection.pk, EMPTY_EXTENT)
        if query.bbox is not None and not _overlaps_box(extent, query.bbox):
            continue
        if (query.start or query.end) and not _overlaps_time(extent, query.start, query.end):
            continue
        found.append((collection, extent))
    return found


def _overlaps_box(extent: CollectionExtent, bbox: tuple[float, float, float, float]) -> bool:
    if extent.bbox is None:
        return False
    west, south, east, north = bbox
    e_west, e_south, e_east, e_north = extent.bbox
    if south > e_north or north < e_south:
        return False
    # A box across the antimeridian is two boxes, one on each side.
    spans = [(west, 180.0), (-180.0, east)] if west > east else [(west, east)]
    return any(low <= e_east and high >= e_west for low, high in spans)


def _overlaps_time(extent: CollectionExtent, start: datetime | None, end: datetime | None) -> bool:
    if extent.start is None or extent.end is None:
        return False  # no acquisition time: as in the item search, never matched by datetime
    return (end is None or extent.start <= end) and (start is None or extent.end >= start)
