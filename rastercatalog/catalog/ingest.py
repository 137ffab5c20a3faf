"""raster_ingest(): the one service that catalogues a raster. The CLI, the admin and the worker call it.

Steps: vet the URI (sources) -> stream its sha256 -> open it with the driver allow-list (reader) ->
check its structure -> metadata, statistics, footprint (inspection) -> COG verdict (cog) -> save
everything in one transaction. Until that last step nothing is written but a placeholder's status,
so a failure or a kill leaves no row, or a placeholder marked `failed` with the reason — never a
half-filled `ready` row.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q

from ..errors import IngestError, IngestInternalError, one_line
from ..models import Band, Collection, Raster
from .cog import cog_report
from .inspection import RasterFacts, raster_inspect
from .leases import LeaseHeld, lease_claim, lease_gave_up_reason, lease_heartbeat
from .observe import ingest_observed
from .overviews import overviews_mark_stale
from .reader import RasterRejected, dataset_check_structure, dataset_open, dataset_verify_pixels
from .sources import RasterSource, SourceRefused, source_checksum, source_resolve

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    raster: Raster
    created: bool  # False: the same bytes were already catalogued, and `raster` is that row

    @property
    def message(self) -> str:
        if self.created:
            return f"ingested as raster {self.raster.pk} ({self.raster.name})"
        return f"already present as raster {self.raster.pk} ({self.raster.name}), same checksum"


@ingest_observed
def raster_ingest(
    *,
    uri: str,
    name: str = "",
    collection: Collection | None = None,
    acquired_at: datetime | None = None,
    trusted: bool = False,
    placeholder: Raster | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestResult:
    """Catalogue the raster at `uri` and return its row; raise IngestError saying why not.

    `trusted` lifts the allow-lists (the operator's CLI). `placeholder` is a pending row made by
    `raster_create_pending`: it is filled on success, marked failed with the reason on failure, and
    deleted when the bytes turn out to be catalogued already.
    """
    try:
        source = source_resolve(uri, trusted=trusted)
        if placeholder is None:
            return _ingest(source, uri, name, collection, acquired_at, None, progress)
        _claim(placeholder)
        with lease_heartbeat(Raster, placeholder.pk):
            return _ingest(source, uri, name, collection, acquired_at, placeholder, progress)
    except LeaseHeld:
        raise  # another live process is on this row: nothing to record
    except (SourceRefused, RasterRejected) as exc:
        raise _failed(placeholder, uri, str(exc)) from exc
    except Exception as exc:
        # Whatever broke, this file's failure must not stop a batch: the caller gets an IngestError
        # like any other, and the traceback goes to the log.
        logger.exception("unexpected error ingesting %s", uri)
        reason = f"internal error while ingesting ({exc.__class__.__name__}: {one_line(exc)})"
        raise _failed(placeholder, uri, reason, internal=True) from exc


def _ingest(source, uri, name, collection, acquired_at, placeholder, progress) -> IngestResult:
    """The steps of `raster_ingest` once the source is vetted and the placeholder (if any) claimed."""
    # A placeholder that was never ingested may simply go if its bytes are catalogued already.
    fresh = placeholder is None or placeholder.width is None
    checksum, size = _checksum(source, progress)
    duplicate = _ready_with_checksum(checksum, exclude=placeholder)
    if duplicate is not None:
        return _already_present(duplicate, placeholder, fresh=fresh)
    facts, cog = _inspect(source, size)
    raster = placeholder or Raster(uri=source.uri)
    _fill(raster, facts, cog, checksum=checksum, size=size, name=name or _name_from(uri))
    if collection is not None:
        raster.collection = collection
    if acquired_at is not None:
        raster.acquired_at = acquired_at
    try:
        _save(raster, facts)
    except IntegrityError:
        # Another ingestion of the same bytes committed first.
        duplicate = _ready_with_checksum(checksum, exclude=placeholder)
        if duplicate is None:
            raise
        return _already_present(duplicate, placeholder, fresh=fresh)
    logger.info("ingested %s as raster %s", uri, raster.pk)
    return IngestResult(raster, created=True)


def _claim(placeholder: Raster) -> None:
    """Take the row for this process (LeaseHeld if a live one has it); give up after too many tries."""
    attempt = lease_claim(
        Raster,
        placeholder.pk,
        statuses=(Raster.Status.PENDING, Raster.Status.READY, Raster.Status.FAILED),
    )
    placeholder.status = Raster.Status.PROCESSING
    if attempt > settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS:
        raise RasterRejected(lease_gave_up_reason())


def raster_create_pending(
    *,
    uri: str,
    name: str = "",
    collection: Collection | None = None,
    acquired_at: datetime | None = None,
    trusted: bool = False,
    to_cog: bool = False,
    cog_compression: str = "",
) -> Raster:
    """Vet `uri` and record a pending raster that a worker will ingest (see tasks.py).

    `to_cog`: the worker converts it to a COG once ingested (catalog/convert.py).
    """
    # Refuse now, while the user is still there to read why.
    source = source_resolve(uri, trusted=trusted)
    compression = cog_compression or settings.RASTERCATALOG_COG_COMPRESSION
    return Raster.objects.create(
        uri=source.uri,
        name=name or _name_from(uri),
        collection=collection,
        acquired_at=acquired_at,
        status=Raster.Status.PENDING,
        conversion_status=Raster.ConversionStatus.PENDING if to_cog else "",
        conversion_profile={"compression": compression} if to_cog else {},
    )


def raster_reingest(*, raster: Raster) -> IngestResult:
    """Ingest an existing row again from its URI (the file may have changed)."""
    # The URI passed the allow-lists when the row was made.
    return raster_ingest(uri=raster.uri, name=raster.name, trusted=True, placeholder=raster)


def _already_present(duplicate: Raster, placeholder: Raster | None, *, fresh: bool) -> IngestResult:
    """The bytes are catalogued as `duplicate`: drop a fresh placeholder, refuse to merge an old row."""
    if placeholder is not None:
        if not fresh:  # it was ingested before: never delete a catalogued row
            raise RasterRejected(
                f"the file now has the same bytes as raster {duplicate.pk} ({duplicate.name}); "
                "delete one of the two"
            )
        placeholder.delete()
    return IngestResult(duplicate, created=False)


def _checksum(source: RasterSource, progress: Callable[[int], None] | None) -> tuple[str, int]:
    try:
        return source_checksum(source, progress=progress)
    except (OSError, RuntimeError) as exc:
        raise SourceRefused(f"cannot read {source.uri}: {exc}") from exc


def _inspect(source: RasterSource, size: int):
    try:
        dataset = dataset_open(source)
        dataset_check_structure(dataset, file_size=size)
        facts = raster_inspect(dataset)
        dataset_verify_pixels(dataset)
    except RuntimeError as exc:  # GDAL errors not already turned into a reason
        raise RasterRejected(f"GDAL cannot read the raster: {exc}") from exc
    finally:
        dataset = None  # close before rio-cogeo opens the file again
    return facts, cog_report(source)


def _ready_with_checksum(checksum: str, *, exclude: Raster | None) -> Raster | None:
    # A raster converted to a COG is still "these bytes" for its original's checksum.
    same = Q(checksum_sha256=checksum) | Q(original_checksum_sha256=checksum)
    queryset = Raster.objects.filter(same, status=Raster.Status.READY)
    if exclude is not None and exclude.pk:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.first()


def _fill(raster: Raster, facts: RasterFacts, cog, *, checksum: str, size: int, name: str) -> None:
    raster.name = raster.name or name
    raster.checksum_sha256 = checksum
    raster.size_bytes = size
    raster.footprint = facts.footprint.geometry
    raster.footprint.srid = 4326
    raster.bbox_west, raster.bbox_south, raster.bbox_east, raster.bbox_north = facts.footprint.bbox
    raster.crs_wkt = facts.crs_wkt
    raster.crs_epsg = facts.crs_epsg
    raster.width, raster.height, raster.band_count = facts.width, facts.height, facts.band_count
    raster.dtype = facts.dtype
    raster.nodata = facts.nodata
    raster.geotransform = list(facts.geotransform)
    raster.resolution_x, raster.resolution_y = facts.resolution
    raster.ground_resolution_m = facts.ground_resolution_m
    # A time someone set on the row wins over the file's tags.
    raster.acquired_at = raster.acquired_at or facts.acquired_at
    raster.stats_width, raster.stats_height = facts.stats_size
    raster.is_cog = cog.is_valid
    raster.cog_errors, raster.cog_warnings, raster.cog_info = cog.errors, cog.warnings, cog.info
    raster.status = Raster.Status.READY
    raster.error = ""
    raster.heartbeat_at, raster.attempts = None, 0


@transaction.atomic
def _save(raster: Raster, facts: RasterFacts) -> None:
    raster.save()
    raster.bands.all().delete()
    Band.objects.bulk_create(
        Band(
            raster=raster,
            index=band.index,
            dtype=band.dtype,
            color_interpretation=band.color_interpretation,
            description=band.description[:255],
            nodata=band.nodata,
            valid_pixels=band.stats.get("valid_pixels"),
            min=_finite(band.stats.get("min")),
            max=_finite(band.stats.get("max")),
            mean=_finite(band.stats.get("mean")),
            std=_finite(band.stats.get("std")),
            p2=_finite(band.stats.get("p2")),
            p98=_finite(band.stats.get("p98")),
            histogram=band.stats.get("histogram", {}),
            approximate=facts.stats_approximate,
        )
        for band in facts.bands
    )
    # New or changed pixels: the collection's overview is rebuilt by the worker (debounced).
    overviews_mark_stale(collection_ids=[raster.collection_id])


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _set_status(raster: Raster, status: str, error: str = "", **fields) -> None:
    Raster.objects.filter(pk=raster.pk).update(status=status, error=error, **fields)
    raster.status, raster.error = status, error
    for key, value in fields.items():
        setattr(raster, key, value)


def _failed(
    placeholder: Raster | None, uri: str, reason: str, *, internal: bool = False
) -> IngestError:
    if placeholder is not None and placeholder.pk:
        try:
            # Only ready rows own a checksum, so the same bytes can be ingested again once fixed.
            _set_status(
                placeholder, Raster.Status.FAILED, reason, checksum_sha256=None, heartbeat_at=None
            )
            # A re-ingested raster that fails leaves its collection's mosaic.
            overviews_mark_stale(collection_ids=[placeholder.collection_id])
        except DatabaseError:
            # The database itself is the problem (down, restarting): the row stays as it was and
            # the caller still hears why this file failed.
            logger.exception("cannot mark raster %s failed", placeholder.pk)
    error_class = IngestInternalError if internal else IngestError
    return error_class(reason, uri=uri, raster=placeholder)


def _name_from(uri: str) -> str:
    path = urlsplit(uri).path if "://" in uri else uri
    return PurePosixPath(path).stem or uri[:255]
