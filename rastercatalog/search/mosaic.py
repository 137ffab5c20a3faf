"""Mosaic selectors: which rasters a mosaic tile or point reads, in which order, and their summary.

A mosaic is a search (RasterQuery, every filter of GET /api/rasters/) drawn as one layer: the ready
rasters the reader may see that match it. A tile reads those whose footprint meets the tile's
lon/lat box, found through the footprint's spatial index; the rows come without their geometry
(the columns a tile needs only). `first` puts the latest acquisition on top, then the latest
catalogued; rasters with no acquisition time go under those with one.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.contrib.gis.geos import Point
from django.db.models import Count, F, Max, Min, Q, QuerySet

from ..models import Band, CollectionOverview, Raster
from ..render.rasterinfo import TILE_FIELDS
from .filters import RasterQuery, bbox_geometry, raster_search
from .visible import User

# What a mosaic tile reads of each row: the single-raster tile's columns, plus who may see it.
MOSAIC_FIELDS = ("id", "visibility", "owner", "acquired_at", "created", *TILE_FIELDS)
# A point also needs the grid, to find its pixel, and the name it is reported under.
POINT_FIELDS = (*MOSAIC_FIELDS, "name", "crs_wkt", "crs_epsg", "geotransform", "height")


def mosaic_matching(
    query: RasterQuery, *, user: User | None, bounds: tuple[float, ...] | None = None
) -> QuerySet[Raster]:
    """Ready rasters `user` may see that match `query`, and meet `bounds` (west, south, east, north)."""
    rasters = raster_search(replace(query, statuses=(Raster.Status.READY,)), user=user)
    if bounds is not None:
        rasters = rasters.filter(footprint__intersects=bbox_geometry(tuple(bounds)))
    return rasters


def mosaic_order(rasters: QuerySet[Raster], *, oldest_first: bool = False) -> QuerySet[Raster]:
    """`first`'s order: latest acquisition on top (no time: below), then latest catalogued."""
    if oldest_first:
        return rasters.order_by(F("acquired_at").asc(nulls_last=True), "created", "id")
    return rasters.order_by(F("acquired_at").desc(nulls_last=True), "-created", "-id")


@dataclass(frozen=True, slots=True)
class MosaicRasters:
    """The rasters of a mosaic tile, top first, whether everyone may see them, and their version.

    The rasters are this process's shared copies of the rows' tile columns (never saved, never
    changed; the other columns are deferred): who may see them is this search's answer,
    `public`, never a copy's. Small enough to be remembered per tile (a pointer per raster).
    """

    rasters: tuple[Raster, ...]
    public: bool
    version: str  # members_version of `rasters`


def mosaic_rasters(
    query: RasterQuery, *, user: User | None, bounds: tuple[float, ...], limit: int
) -> MosaicRasters:
    """At most `limit` rasters of the mosaic that meet `bounds`, top first (tile columns only).

    The search reads the light columns; the rest of each row (its COG layout is a JSON document
    that costs more to decode than a tile to read) comes from a per-process memo keyed by the
    row's id, `updated` stamp and checksum, so a raster is fetched in full once until its row
    changes.
    """
    rasters = mosaic_matching(query, user=user, bounds=bounds)
    found = _keyed(mosaic_order(rasters).values_list(*SEARCH_FIELDS)[:limit])
    fetched: dict[tuple[int, object, str | None], Raster] = {}
    missing = {key[0]: key for key, _ in found if key not in _rows}
    if missing:
        # Kept under the key the search saw (a row changed in between is simply newer).
        for row in Raster.objects.filter(pk__in=list(missing)).only("id", *TILE_FIELDS):
            fetched[missing[row.pk]] = row
            _remember(missing[row.pk], row)
    complete, public = [], True
    for key, visibility in found:
        known = fetched.get(key) or _rows.get(key)
        if known is None:
            continue  # deleted since the search: it takes no part
        complete.append(known)
        public = public and visibility == Raster.Visibility.PUBLIC
    return MosaicRasters(tuple(complete), public, members_version(complete))


# The columns the search reads for every tile: the row memo's key, and who may see the raster.
SEARCH_FIELDS = ("id", "updated", "checksum_sha256", "visibility")
MEMO_ROWS = 8192
_rows: dict[tuple[int, object, str | None], Raster] = {}
_rows_lock = threading.Lock()


def _keyed(found) -> list[tuple[tuple[int, object, str | None], str]]:
    """(memo key, visibility) of each row the search found."""
    return [((pk, updated, checksum), visibility) for pk, updated, checksum, visibility in found]


def _remember(key: tuple[int, object, str | None], raster: Raster) -> None:
    with _rows_lock:
        _rows[key] = raster
        while len(_rows) > MEMO_ROWS:
            del _rows[next(iter(_rows))]


def mosaic_count(query: RasterQuery, *, user: User | None, bounds: tuple[float, ...]) -> int:
    """How many rasters of the mosaic meet `bounds`."""
    return mosaic_matching(query, user=user, bounds=bounds).count()


def mosaic_rasters_at(
    query: RasterQuery, *, user: User | None, lon: float, lat: float, limit: int
) -> list[Raster]:
    """At most `limit` rasters of the mosaic over (lon, lat), oldest acquisition first.

    Over: within the footprint's bounding box (through its index), not the footprint itself, so
    a raster with no data at the point is listed too (its values null), as in a time series.
    """
    rasters = mosaic_matching(query, user=user).filter(
        footprint__bbcontains=Point(lon, lat, srid=4326)
    )
    return list(mosaic_order(rasters, oldest_first=True).only(*POINT_FIELDS)[:limit])


def members_version(rasters: Sequence[Raster]) -> str:
    """A hash of the ordered (id, checksum) of `rasters`: it changes when the set or order does."""
    text = ",".join(f"{raster.pk}:{raster.checksum_sha256}" for raster in rasters)
    return hashlib.sha256(text.encode()).hexdigest()


def mosaic_top_rasters(
    query: RasterQuery, *, user: User | None, band_count: int, limit: int
) -> list[Raster]:
    """The first `limit` rasters of the mosaic in `first`'s order that have `band_count` bands."""
    rasters = mosaic_matching(query, user=user).filter(band_count__gte=band_count)
    return list(mosaic_order(rasters).only(*MOSAIC_FIELDS, "height")[:limit])


def mosaic_band_nodata(rasters: Sequence[Raster]) -> dict[int, dict[int, float | None]]:
    """Per raster id: each band's nodata value, which band math checks band by band.

    Kept per process by checksum (the nodata values are read from the bytes at ingest), so a
    tile of rasters seen before asks nothing.
    """
    missing = [r for r in rasters if r.pk is not None and r.checksum_sha256 not in _nodata]
    if missing:
        found: dict[int, dict[int, float | None]] = {raster.pk: {} for raster in missing}
        rows = Band.objects.filter(raster_id__in=list(found)).values_list(
            "raster_id", "index", "nodata"
        )
        for raster_id, index, nodata in rows:
            found[raster_id][index] = nodata
        with _rows_lock:
            for raster in missing:
                _nodata[raster.checksum_sha256] = found[raster.pk]
            while len(_nodata) > MEMO_ROWS:
                del _nodata[next(iter(_nodata))]
    return {r.pk: _nodata.get(r.checksum_sha256, {}) for r in rasters if r.pk is not None}


_nodata: dict[str | None, dict[int, float | None]] = {}


@dataclass(frozen=True)
class BandEnvelope:
    """The widest range of a band's statistics over the rasters of a mosaic."""

    min: float | None
    max: float | None
    p2: float | None
    p98: float | None


def mosaic_band_envelopes(
    query: RasterQuery, *, user: User | None, bands: Sequence[int]
) -> dict[int, BandEnvelope]:
    """Per band number: the lowest min and p2, the highest max and p98 of the mosaic's rasters."""
    ids = mosaic_matching(query, user=user).order_by().values("id")
    rows = (
        Band.objects.filter(raster_id__in=ids, index__in=list(bands))
        .order_by()
        .values("index")
        .annotate(low=Min("min"), high=Max("max"), p2=Min("p2"), p98=Max("p98"))
    )
    return {
        row["index"]: BandEnvelope(row["low"], row["high"], row["p2"], row["p98"]) for row in rows
    }


@dataclass(frozen=True)
class MosaicExtent:
    count: int
    bbox: tuple[float, float, float, float] | None  # west > east: across the antimeridian
    finest_resolution_m: float | None
    max_band_count: int | None


def mosaic_extent(query: RasterQuery, *, user: User | None) -> MosaicExtent:
    """How many rasters the mosaic has, where they lie and how fine the finest is (one query)."""
    found = (
        mosaic_matching(query, user=user)
        .order_by()
        .aggregate(
            count=Count("id"),
            crossing=Count("id", filter=Q(bbox_west__gt=F("bbox_east"))),
            west=Min("bbox_west"),
            south=Min("bbox_south"),
            east=Max("bbox_east"),
            north=Max("bbox_north"),
            resolution=Min("ground_resolution_m"),
            bands=Max("band_count"),
        )
    )
    if not found["count"]:
        return MosaicExtent(0, None, None, None)
    west, east = found["west"], found["east"]
    if found["crossing"]:
        west, east = -180.0, 180.0  # a raster across the antimeridian: the whole width
    bbox = (west, found["south"], east, found["north"])
    return MosaicExtent(found["count"], bbox, found["resolution"], found["bands"])


# --- Per-collection overviews (built by catalog/overviews.py). ---


def overview_members(*, collection_id: int) -> list[Raster]:
    """The rasters an overview draws: the collection's public ready ones, top first."""
    rasters = Raster.objects.filter(
        collection_id=collection_id,
        status=Raster.Status.READY,
        visibility=Raster.Visibility.PUBLIC,
    )
    return list(mosaic_order(rasters).only(*MOSAIC_FIELDS, "crs_wkt", "band_count", "dtype"))


def overview_ready(*, collection_slug: str) -> CollectionOverview | None:
    """The collection's overview if one is built and has a file, else None."""
    return (
        CollectionOverview.objects.filter(
            collection__slug=collection_slug, status=CollectionOverview.Status.READY
        )
        .exclude(path="")
        .first()
    )


def overview_as_raster(overview: CollectionOverview) -> Raster:
    """An unsaved Raster standing for the overview's file, for the tile path to read it."""
    return Raster(
        name=f"overview of collection {overview.collection_id}",
        uri=overview.path,
        status=Raster.Status.READY,
        checksum_sha256=f"overview-{overview.version}",
        bbox_west=overview.bbox_west,
        bbox_south=overview.bbox_south,
        bbox_east=overview.bbox_east,
        bbox_north=overview.bbox_north,
        band_count=overview.band_count,
        dtype=overview.dtype,
    )
