"""Read queries. Views and the admin read through these, never through ad-hoc ORM calls."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, QuerySet

from ..models import Raster


def raster_counts_by_status() -> dict[str, int]:
    """How many rasters are in each ingest status."""
    rows = Raster.objects.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def raster_list_ready() -> QuerySet[Raster]:
    """Rasters whose ingestion finished, newest first."""
    return Raster.objects.filter(status=Raster.Status.READY).select_related("collection")


def raster_footprints_geojson(
    rasters: Iterable[Raster], *, url_for: Callable[[Raster], str]
) -> dict:
    """A GeoJSON FeatureCollection of the footprints of `rasters` (those that have one)."""
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(raster.footprint.geojson),
            "properties": {
                "id": raster.pk,
                "name": raster.name,
                "status": raster.status,
                "bbox": list(raster.bbox) if raster.bbox else None,
                "url": url_for(raster),
            },
        }
        for raster in rasters
        if raster.footprint is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def raster_visible_to(raster: Raster, *, user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """The rule of `raster_list_visible` for one row already loaded (its visibility and owner)."""
    if raster.visibility == Raster.Visibility.PUBLIC:
        return True
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or raster.owner_id == user.pk
