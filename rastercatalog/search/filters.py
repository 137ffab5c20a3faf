"""Search selectors: which rasters a user may see, and which of those match a search.

Geometries are EPSG:4326 longitude/latitude, as the footprints are. A footprint that crosses the
antimeridian is stored split into parts on either side of it, so a query geometry that crosses it
must be split the same way (a bbox given as minx > maxx is split here). Each part of a multi-part
query geometry gets its own bounding-box test, because PostGIS's index test on the whole geometry
would use one box spanning the globe and read every row.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import (
    GEOSGeometry,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
)
from django.db import connection
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from ..models import Band, Collection, Raster

PREDICATES = ("intersects", "within", "contains")
EARTH_RADIUS_M = 6_371_008.8  # mean radius: the distance ordering is spherical, not ellipsoidal
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
# Above this many parts a query geometry is tested against its overall bounding box only.
MAX_PREFILTER_PARTS = 32

User = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class RasterQuery:
    """What a search asks for. Empty fields constrain nothing; the spatial ones are ANDed."""

    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    intersects: GEOSGeometry | None = None
    point: tuple[float, float] | None = None  # lon, lat
    predicate: str = "intersects"  # footprint <predicate> each query geometry
    datetime_start: datetime | None = None
    datetime_end: datetime | None = None
    collections: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    q: str = ""
    dtypes: tuple[str, ...] = ()
    band_count: int | None = None
    is_cog: bool | None = None
    statuses: tuple[str, ...] = field(default=(Raster.Status.READY,))
    resolution_min: float | None = None  # metres per pixel (ground_resolution_m)
    resolution_max: float | None = None


def raster_list_visible(*, user: User | None) -> QuerySet[Raster]:
    """Rasters `user` may see: public ones, plus their own private ones; staff see all."""
    rasters = Raster.objects.all()
    if user is None or not user.is_authenticated:
        return rasters.filter(visibility=Raster.Visibility.PUBLIC)
    if user.is_staff:
        return rasters
    return rasters.filter(Q(visibility=Raster.Visibility.PUBLIC) | Q(owner=user))


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


def raster_search(query: RasterQuery, *, user: User | None) -> QuerySet[Raster]:
    """Visible rasters matching `query`; annotated with `distance_m` when it has a point."""
    return raster_filter(raster_list_visible(user=user), query)


def raster_filter(rasters: QuerySet[Raster], query: RasterQuery) -> QuerySet[Raster]:
    """Narrow `rasters` to those matching `query` (see raster_search)."""
    conditions = [_spatial_condition(g, query.predicate) for g in query_geometries(query)]
    if query.datetime_start is not None:
        conditions.append(Q(acquired_at__gte=query.datetime_start))
    if query.datetime_end is not None:
        conditions.append(Q(acquired_at__lte=query.datetime_end))
    if query.collections:
        conditions.append(Q(collection__slug__in=query.collections))
    if query.ids:
        conditions.append(Q(pk__in=query.ids))
    if query.q:
        conditions.append(Q(name__icontains=query.q))
    if query.dtypes:
        conditions.append(Q(dtype__in=query.dtypes))
    if query.band_count is not None:
        conditions.append(Q(band_count=query.band_count))
    if query.is_cog is not None:
        conditions.append(Q(is_cog=query.is_cog))
    if query.statuses:
        conditions.append(Q(status__in=query.statuses))
    if query.resolution_min is not None:
        conditions.append(Q(ground_resolution_m__gte=query.resolution_min))
    if query.resolution_max is not None:
        conditions.append(Q(ground_resolution_m__lte=query.resolution_max))
    if conditions:
        rasters = rasters.filter(reduce(operator.and_, conditions))
    if query.point is not None:
        rasters = rasters.annotate(distance_m=distance_to_centre(*query.point))
    return rasters


def query_geometries(query: RasterQuery) -> list[GEOSGeometry]:
    """The query's spatial constraints as EPSG:4326 geometries (a bbox across 180° as two parts)."""
    geometries = []
    if query.bbox is not None:
        geometries.append(bbox_geometry(query.bbox))
    if query.intersects is not None:
        geometries.append(query.intersects)
    if query.point is not None:
        geometries.append(Point(*query.point, srid=4326))
    return geometries


def bbox_geometry(bbox: tuple[float, float, float, float]) -> GEOSGeometry:
    """The area of a west, south, east, north box; west > east means it crosses the antimeridian."""
    west, south, east, north = bbox
    if west > east:
        parts = [_box(west, south, 180.0, north), _box(-180.0, south, east, north)]
        if all(isinstance(part, Polygon) for part in parts):
            return MultiPolygon(parts, srid=4326)
        return parts[0].union(parts[1])
    return _box(west, south, east, north)


def _box(west: float, south: float, east: float, north: float) -> GEOSGeometry:
    # A box with no width or height is a line or a point: as a polygon it would be invalid.
    if west == east and south == north:
        return Point(west, south, srid=4326)
    if west == east or south == north:
        return LineString((west, south), (east, north), srid=4326)
    ring = ((west, south), (east, south), (east, north), (west, north), (west, south))
    return Polygon(ring, srid=4326)


def _spatial_condition(geometry: GEOSGeometry, predicate: str) -> Q:
    exact = Q(**{f"footprint__{predicate}": geometry})
    parts = list(geometry) if geometry.geom_type.startswith(("Multi", "GeometryCollection")) else []
    if connection.vendor != "postgresql" or not 1 < len(parts) <= MAX_PREFILTER_PARTS:
        return exact
    prefilter = reduce(operator.or_, (Q(footprint__bboverlaps=part) for part in parts))
    return prefilter & exact


def distance_to_centre(lon: float, lat: float) -> ExpressionWrapper:
    """Great-circle metres from (lon, lat) to the centre of each raster's bbox (haversine).

    Written with portable math functions so that it runs on SpatiaLite too. The centre of a bbox
    that crosses the antimeridian is (west + east + 360) / 2; the haversine only uses the
    longitude difference through sin², which is the same 360° later, so it needs no wrapping.
    """
    centre_lon = Case(
        When(bbox_west__gt=F("bbox_east"), then=(F("bbox_west") + F("bbox_east") + 360.0) / 2),
        default=(F("bbox_west") + F("bbox_east")) / 2,
        output_field=FloatField(),
    )
    centre_lat = (F("bbox_south") + F("bbox_north")) / 2
    half_dlat = Radians(centre_lat - Value(lat)) / 2
    half_dlon = Radians(centre_lon - Value(lon)) / 2
    a = Power(Sin(half_dlat), 2) + Cos(Radians(Value(lat))) * Cos(Radians(centre_lat)) * Power(
        Sin(half_dlon), 2
    )
    return ExpressionWrapper(2 * EARTH_RADIUS_M * ASin(Sqrt(a)), output_field=FloatField())


# --- Collections ------------------------------------------------------------------------------


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
