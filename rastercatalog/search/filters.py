"""Search selectors: which of the rasters a user may see (visible.py) match a search.

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
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from ..models import Raster
from .visible import User, raster_list_visible

PREDICATES = ("intersects", "within", "contains")
EARTH_RADIUS_M = 6_371_008.8  # mean radius: the distance ordering is spherical, not ellipsoidal
# Above this many parts a query geometry is tested against its overall bounding box only.
MAX_PREFILTER_PARTS = 32


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


def query_area_deg2(query: RasterQuery) -> float:
    """The size of the query's area in square degrees: its bbox (both parts of one across the
    antimeridian) and the bounding box of `intersects`; a point has none."""
    total = 0.0
    if query.bbox is not None:
        west, south, east, north = query.bbox
        width = east - west if west <= east else (180.0 - west) + (east + 180.0)
        total += width * (north - south)
    if query.intersects is not None:
        west, south, east, north = query.intersects.extent
        total += (east - west) * (north - south)
    return total


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
    # Read from text in one GEOS call (repr keeps every digit of the floats): built from tuples,
    # point by point, a ring costs ~25 calls through ctypes, a tenth of a millisecond a search.
    ring = ",".join(f"{x!r} {y!r}" for x, y in ((west, south), (east, south), (east, north)))
    return GEOSGeometry(f"POLYGON(({ring},{west!r} {north!r},{west!r} {south!r}))", srid=4326)


def _spatial_condition(geometry: GEOSGeometry, predicate: str) -> Q:
    # spatial_sql writes the same condition for the written-out search (search/area_page.py).
    exact = Q(**{f"footprint__{predicate}": geometry})
    parts = list(geometry) if geometry.geom_type.startswith(("Multi", "GeometryCollection")) else []
    if connection.vendor != "postgresql" or not 1 < len(parts) <= MAX_PREFILTER_PARTS:
        return exact
    prefilter = reduce(operator.or_, (Q(footprint__bboverlaps=part) for part in parts))
    return prefilter & exact


# The PostGIS function of each predicate, as Django's lookups write it (footprint__<predicate>).
_PREDICATE_FUNCTIONS = {
    "intersects": "ST_Intersects",
    "within": "ST_Within",
    "contains": "ST_Contains",
}


def spatial_sql(geometry: GEOSGeometry, predicate: str, *, footprint: str) -> tuple[str, list]:
    """_spatial_condition written out for PostgreSQL, on the column `footprint`: SQL and values."""
    field = Raster._meta.get_field("footprint")
    exact = f"{_PREDICATE_FUNCTIONS[predicate]}({footprint}, %s)"
    parts = list(geometry) if geometry.geom_type.startswith(("Multi", "GeometryCollection")) else []
    if not 1 < len(parts) <= MAX_PREFILTER_PARTS:
        return exact, [field.get_db_prep_value(geometry, connection)]
    prefilter = " OR ".join(f"{footprint} && %s" for _ in parts)
    values = [field.get_db_prep_value(g, connection) for g in (*parts, geometry)]
    return f"({prefilter}) AND {exact}", values


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
