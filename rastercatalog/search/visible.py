"""Read queries: which rasters a user may see, shaped for what reads them (GeoJSON Features, STAC
items, the admin map). Views and the admin read through these, never through ad-hoc ORM calls."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import Count, F, Prefetch, Q, QuerySet

from ..models import Band, Raster

# What a Feature does not show: left in the database when listing.
FEATURE_DEFERRED_FIELDS = [
    "footprint",
    "uri",
    "error",
    "geotransform",
    "cog_errors",
    "cog_warnings",
    "cog_info",
]

User = AbstractBaseUser | AnonymousUser


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


def raster_list_visible(*, user: User | None) -> QuerySet[Raster]:
    """Rasters `user` may see: public ones, plus their own private ones; staff see all."""
    # raster_visible_sql writes the same rule for the written-out search (search/area_page.py).
    rasters = Raster.objects.all()
    if user is None or not user.is_authenticated:
        return rasters.filter(visibility=Raster.Visibility.PUBLIC)
    if user.is_staff:
        return rasters
    return rasters.filter(Q(visibility=Raster.Visibility.PUBLIC) | Q(owner=user))


def raster_visible_sql(*, user: User | None, table: str) -> tuple[str, list]:
    """raster_list_visible's rule as SQL on the rasters `table` (or alias), and its values; no
    SQL ("") for staff."""
    public = Raster.Visibility.PUBLIC.value
    if user is None or not user.is_authenticated:
        return f"{table}.visibility = %s", [public]
    if user.is_staff:
        return "", []
    return f"({table}.visibility = %s OR {table}.owner_id = %s)", [public, user.pk]


def raster_list_as_features(*, user: User | None) -> QuerySet[Raster]:
    """Visible rasters shaped for GeoJSON: collection joined, footprint as GeoJSON text.

    `footprint_geojson` is written by the database; the geometry itself and the bulky fields a
    Feature does not show are not fetched.
    """
    return (
        raster_list_visible(user=user)
        .select_related("collection")
        .defer(*FEATURE_DEFERRED_FIELDS)
        .annotate(footprint_geojson=AsGeoJSON("footprint", precision=7))
    )


def raster_list_as_stac(*, user: User | None) -> QuerySet[Raster]:
    """Visible rasters shaped for STAC items: footprint as GeoJSON text, `collection_slug`, grid
    and `band_list`."""
    deferred = [f for f in FEATURE_DEFERRED_FIELDS if f not in ("geotransform", "uri")]
    return (
        raster_list_visible(user=user)
        # The slug alone: a whole Collection per row would parse two more timestamps each.
        .annotate(collection_slug=F("collection__slug"))
        # A list, not a related manager: `raster.bands.all()` would clone a queryset per raster.
        .prefetch_related(
            Prefetch("bands", queryset=Band.objects.order_by("index"), to_attr="band_list")
        )
        .defer(*deferred)
        .annotate(footprint_geojson=AsGeoJSON("footprint", precision=7))
    )


def raster_get_visible_as_feature(*, pk: int, user: User | None) -> Raster | None:
    """The raster with this id shaped as in raster_list_as_features, if `user` may see it."""
    return raster_list_as_features(user=user).filter(pk=pk).first()


def raster_get_visible(*, pk: int, user: User | None) -> Raster | None:
    """The raster with this id if `user` may see it (whatever its status), else None."""
    return raster_list_visible(user=user).select_related("collection").filter(pk=pk).first()


def raster_visible_to(raster: Raster, *, user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """The rule of `raster_list_visible` for one row already loaded (its visibility and owner)."""
    if raster.visibility == Raster.Visibility.PUBLIC:
        return True
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or raster.owner_id == user.pk
