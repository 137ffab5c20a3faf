"""Per-collection overviews: a low-resolution Web Mercator COG of a collection, kept up to date.

A mosaic tile that touches more rasters than RASTERCATALOG_MOSAIC_MAX_RASTERS cannot read them all
in time; at low zooms it reads the collection's overview instead (one file). The overview draws the
collection's public ready rasters `first` (latest acquisition on top): each is warped in turn, the
bottom one first, into one GeoTIFF in EPSG:3857 whose pixels are those of a zoom level (aligned to
the tile grid, so its finest zoom is read without resampling), at most
RASTERCATALOG_MOSAIC_OVERVIEW_MAX_SIZE pixels a side; rio-cogeo then makes it a COG
(catalog/cog.py). Private rasters are never drawn in it: everyone may see an overview.

Keeping it up to date: whatever changes a collection's members (ingest, re-ingest, deletion, a
visibility or collection change) calls `overviews_mark_stale`, which only stamps the row. The
worker's recovery sweep (tasks.ingests_recover) rebuilds an overview once its collection has had
no change for RASTERCATALOG_MOSAIC_OVERVIEW_DEBOUNCE seconds, so ingesting a thousand rasters
costs one build, not a thousand. A build compares the members' version (a hash of their ordered
ids and checksums) with the one it was built from and does nothing when they match. A collection
with no more rasters than a tile may read needs no overview (`not-needed`).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from osgeo import gdal, osr

from ..errors import one_line
from ..geo.webmercator import (
    EARTH_CIRCUMFERENCE_M,
    GRID,
    MAX_LATITUDE,
    MERCATOR_HALF_WORLD,
    TILE_SIZE,
)
from ..models import CollectionOverview, Raster
from ..search.mosaic import members_version, overview_members
from .cog import cog_profile_choose, cog_write
from .reader import dataset_open, gdal_env
from .sources import source_resolve

logger = logging.getLogger(__name__)
Status = CollectionOverview.Status
# A build that stamped its claim longer ago than this is taken for dead (its worker was killed).
BUILD_STALE = timedelta(hours=1)


def overviews_mark_stale(*, collection_ids: Iterable[int | None]) -> None:
    """Note that the members of these collections changed (the worker rebuilds them later)."""
    now = timezone.now()
    for collection_id in {c for c in collection_ids if c is not None}:
        overview, created = CollectionOverview.objects.get_or_create(
            collection_id=collection_id, defaults={"stale_since": now, "changed_at": now}
        )
        if not created:
            CollectionOverview.objects.filter(pk=overview.pk, stale_since__isnull=True).update(
                stale_since=now
            )
            CollectionOverview.objects.filter(pk=overview.pk).update(changed_at=now)


def overviews_due(*, debounce: float | None = None) -> list[int]:
    """Collection ids whose overview is stale and whose last change is `debounce` seconds old."""
    if debounce is None:
        debounce = settings.RASTERCATALOG_MOSAIC_OVERVIEW_DEBOUNCE
    now = timezone.now()
    rows = CollectionOverview.objects.filter(
        stale_since__isnull=False, changed_at__lte=now - timedelta(seconds=debounce)
    ).filter(Q(building_since__isnull=True) | Q(building_since__lt=now - BUILD_STALE))
    return list(rows.values_list("collection_id", flat=True))


def collection_overview_build(*, collection_id: int, force: bool = False) -> CollectionOverview:
    """Bring the collection's overview up to date (build, or nothing to do); return its row.

    A failure is recorded on the row (`error`; `failed` when there was no overview before, else
    the previous file keeps being served), never raised. Another build running on the same
    collection is left alone.
    """
    overview, _ = CollectionOverview.objects.get_or_create(collection_id=collection_id)
    started = timezone.now()
    claimed = CollectionOverview.objects.filter(pk=overview.pk).filter(
        Q(building_since__isnull=True) | Q(building_since__lt=started - BUILD_STALE)
    )
    if not claimed.update(building_since=started):
        return overview
    try:
        _bring_up_to_date(overview, force=force)
    except Exception as exc:  # a file gone, a disk full, GDAL refusing: recorded, not raised
        logger.exception("overview of collection %s failed", collection_id)
        overview.error = f"the overview could not be built: {one_line(exc)}"
        if not overview.path:
            overview.status = Status.FAILED
        overview.save(update_fields=["status", "error"])
    finally:
        CollectionOverview.objects.filter(pk=overview.pk).update(building_since=None)
        # A change that came during the build is built next time.
        CollectionOverview.objects.filter(pk=overview.pk).filter(
            Q(changed_at__isnull=True) | Q(changed_at__lte=started)
        ).update(stale_since=None)
    overview.refresh_from_db()
    return overview


def _bring_up_to_date(overview: CollectionOverview, *, force: bool) -> None:
    members = overview_members(collection_id=overview.collection_id)
    version = members_version(members)
    if len(members) <= settings.RASTERCATALOG_MOSAIC_MAX_RASTERS:
        _replace_file(overview, None)
        _record(overview, Status.NOT_NEEDED, version=version, count=len(members))
        return
    fresh = overview.status == Status.READY and Path(overview.path or "/nonexistent").exists()
    if fresh and overview.version == version and not force:
        return
    drawn = _same_kind(members)
    directory = Path(settings.RASTERCATALOG_MOSAIC_OVERVIEW_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"collection-{overview.collection_id}-{version[:16]}.tif"
    zoom, bounds = _grid(drawn)
    _write(drawn, path, zoom=zoom, bounds=bounds)
    previous = overview.path
    overview.path = str(path)
    overview.zoom = zoom
    overview.bbox_west, overview.bbox_south, overview.bbox_east, overview.bbox_north = _lonlat(
        bounds
    )
    overview.band_count, overview.dtype = drawn[0].band_count, drawn[0].dtype
    overview.size_bytes = path.stat().st_size
    _record(overview, Status.READY, version=version, count=len(drawn))
    if previous and previous != str(path):
        Path(previous).unlink(missing_ok=True)


def _record(overview: CollectionOverview, status: str, *, version: str, count: int) -> None:
    overview.status, overview.version, overview.raster_count = status, version, count
    overview.error = ""
    overview.built_at = timezone.now()
    overview.save()


def _replace_file(overview: CollectionOverview, path: str | None) -> None:
    if overview.path and overview.path != path:
        Path(overview.path).unlink(missing_ok=True)
    overview.path = path or ""
    overview.zoom = None


def _same_kind(members: list[Raster]) -> list[Raster]:
    """The members of the most common band count and type (one file holds one kind)."""
    kinds = Counter((raster.band_count, raster.dtype) for raster in members)
    kind = max(kinds, key=lambda k: (kinds[k], k == (members[0].band_count, members[0].dtype)))
    return [raster for raster in members if (raster.band_count, raster.dtype) == kind]


def _grid(members: list[Raster]) -> tuple[int, tuple[float, float, float, float]]:
    """The overview's zoom and its EPSG:3857 bounds, aligned to that zoom's tiles."""
    crosses = any(raster.bbox_west > raster.bbox_east for raster in members)
    west = -180.0 if crosses else min(raster.bbox_west for raster in members)
    east = 180.0 if crosses else max(raster.bbox_east for raster in members)
    south = max(-MAX_LATITUDE, min(raster.bbox_south for raster in members))
    north = min(MAX_LATITUDE, max(raster.bbox_north for raster in members))
    xmin, ymin = _mercator(west, south)
    xmax, ymax = _mercator(east, north)
    finest = min(raster.ground_resolution_m or math.inf for raster in members)
    native = math.ceil(math.log2(EARTH_CIRCUMFERENCE_M / (TILE_SIZE * finest))) if finest else 0
    zoom = max(0, min(native, settings.RASTERCATALOG_MOSAIC_OVERVIEW_MAX_ZOOM))
    limit = settings.RASTERCATALOG_MOSAIC_OVERVIEW_MAX_SIZE
    while zoom > 0:
        tile = EARTH_CIRCUMFERENCE_M / 2**zoom
        aligned = _align((xmin, ymin, xmax, ymax), tile)
        pixel = tile / TILE_SIZE
        if max(aligned[2] - aligned[0], aligned[3] - aligned[1]) / pixel <= limit:
            return zoom, aligned
        zoom -= 1
    return 0, (-MERCATOR_HALF_WORLD, -MERCATOR_HALF_WORLD, MERCATOR_HALF_WORLD, MERCATOR_HALF_WORLD)


def _align(bounds: tuple[float, ...], tile: float) -> tuple[float, float, float, float]:
    """Widen `bounds` to whole tiles of size `tile` (metres), within the Mercator square."""
    xmin, ymin, xmax, ymax = bounds
    origin = -MERCATOR_HALF_WORLD

    def down(value: float) -> float:
        return max(origin, origin + math.floor((value - origin) / tile) * tile)

    def up(value: float) -> float:
        return min(-origin, origin + math.ceil((value - origin) / tile) * tile)

    return (
        down(xmin),
        down(ymin),
        max(up(xmax), down(xmin) + tile),
        max(up(ymax), down(ymin) + tile),
    )


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    x, y = GRID.xy(lon, lat)
    return x, y


def _lonlat(bounds: tuple[float, ...]) -> tuple[float, float, float, float]:
    west, south = GRID.lnglat(bounds[0], bounds[1])
    east, north = GRID.lnglat(bounds[2], bounds[3])
    return west, south, east, north


def _write(members: list[Raster], path: Path, *, zoom: int, bounds: tuple[float, ...]) -> None:
    """Warp the members bottom first into a scratch GeoTIFF, then write it as a COG at `path`."""
    scratch = path.with_suffix(".scratch.tif")
    pixel = EARTH_CIRCUMFERENCE_M / 2**zoom / TILE_SIZE
    width = round((bounds[2] - bounds[0]) / pixel)
    height = round((bounds[3] - bounds[1]) / pixel)
    first = members[0]
    gdal_type = gdal.GetDataTypeByName(first.dtype)
    try:
        target = gdal.GetDriverByName("GTiff").Create(
            str(scratch),
            width,
            height,
            (first.band_count or 1) + 1,
            gdal_type,
            options=["TILED=YES", "COMPRESS=DEFLATE", "BIGTIFF=IF_SAFER"],
        )
        target.SetProjection(_web_mercator_wkt())
        target.SetGeoTransform((bounds[0], pixel, 0.0, bounds[3], 0.0, -pixel))
        target.GetRasterBand(target.RasterCount).SetColorInterpretation(gdal.GCI_AlphaBand)
        for raster in reversed(members):  # the top raster last: it is drawn over the others
            source = source_resolve(raster.uri, trusted=True)
            with gdal_env(source):
                dataset = dataset_open(source)
                gdal.Warp(target, dataset, dstAlpha=True, resampleAlg="average", multithread=False)
                dataset = None
        target.FlushCache()
        target = None
        scratch_source = source_resolve(str(scratch), trusted=True)
        cog_write(scratch_source, destination=path, profile=cog_profile_choose(scratch_source))
    finally:
        target = None
        scratch.unlink(missing_ok=True)


def _web_mercator_wkt() -> str:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    return srs.ExportToWkt()
