"""raster_convert_to_cog(): turn a catalogued raster into a Cloud-Optimized GeoTIFF beside its original.

The COG is written with rio-cogeo (catalog/cog.py) to a scratch file, checked (rio-cogeo's verdict),
named by its own sha256 (`<sha256>.cog.tif`, content-addressed) and put beside the original: the
same directory for a local file, the same key prefix for s3://, RASTERCATALOG_COG_DIR for an
http(s) URL (a web server cannot be written to). Only then, in one UPDATE, does the row change:
`uri` and `checksum_sha256` become the COG's, so reads, the tile cache keys and the ETags follow
the new bytes, and `original_uri` / `original_checksum_sha256` keep the file the user gave.

A conversion holds a lease on the row (catalog/leases.py, its own status column
`conversion_status`), so a killed worker's conversion is retried or failed with a reason by the
recovery sweep. A failure (disk full, a file rio-cogeo refuses, an original that changed or went
away) leaves `uri`, `checksum_sha256` and everything read from them untouched and sets
`conversion_status = failed` with the reason in `conversion_error`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import TextIO

import numpy as np
from django.conf import settings
from django.utils import timezone

from ..errors import ConversionFailed, ConversionRefused, SourceRefused, one_line
from ..models import Raster
from .cog import cog_pixels_differ, cog_profile_choose, cog_report, cog_write
from .leases import LeaseHeld, lease_claim, lease_gave_up_reason, lease_heartbeat
from .sources import RasterSource, source_checksum, source_resolve

logger = logging.getLogger(__name__)

Status = Raster.ConversionStatus
# Room a conversion needs where it writes: rio-cogeo's intermediate file (uncompressed pixels and
# overviews, a third more) beside the COG, and the COG itself (taken as the original's size).
INTERMEDIATE_FACTOR = 1.4


def to_cog_requested(value: bool | None) -> bool:
    """The per-request option, or RASTERCATALOG_INGEST_TO_COG when the request did not say."""
    return settings.RASTERCATALOG_INGEST_TO_COG if value is None else bool(value)


def raster_conversion_request(*, raster: Raster, compression: str = "") -> None:
    """Mark `raster` as waiting for conversion (a worker, or the ingestion that follows, runs it)."""
    compression = compression or settings.RASTERCATALOG_COG_COMPRESSION
    Raster.objects.filter(pk=raster.pk).exclude(conversion_status=Status.PROCESSING).update(
        conversion_status=Status.PENDING,
        conversion_error="",
        conversion_profile={"compression": compression},
        updated=timezone.now(),  # the recovery sweep's clock for a lost message
    )
    raster.refresh_from_db()


def raster_convert_now(
    *, raster: Raster, compression: str = "", progress: TextIO | None = None
) -> Raster:
    """Convert `raster` here and now; a failure is recorded on the row, which is returned."""
    raster_conversion_request(raster=raster, compression=compression)
    return raster_convert_requested(raster=raster, progress=progress)


def raster_convert_requested(*, raster: Raster, progress: TextIO | None = None) -> Raster:
    """Run the conversion a request left pending on `raster` (after its ingestion); else nothing.

    A failure is recorded on the row, not raised; another process converting it is left alone.
    """
    if raster.conversion_status != Status.PENDING:
        return raster
    compression = (raster.conversion_profile or {}).get("compression", "")
    try:
        return raster_convert_to_cog(raster=raster, compression=compression, progress=progress)
    except LeaseHeld:
        logger.info("raster %s is being converted by another process", raster.pk)
        return raster
    except (ConversionFailed, ConversionRefused) as exc:
        logger.warning("raster %s stays on its original: %s", raster.pk, exc)
        raster.refresh_from_db()
        return raster


def raster_convert_to_cog(
    *, raster: Raster, compression: str = "", force: bool = False, progress: TextIO | None = None
) -> Raster:
    """Convert a ready raster to a COG and catalogue the COG; ConversionFailed says why not.

    An already valid COG is left as it is (`not-needed`) unless `force` (to recompress it, or
    give it overviews). Raises LeaseHeld when another live process converts it.
    """
    compression = compression or settings.RASTERCATALOG_COG_COMPRESSION
    raster.refresh_from_db()
    if raster.status != Raster.Status.READY:
        raise ConversionRefused(
            f"raster {raster.pk} is {raster.status}, not ready: ingest it first"
        )
    attempt = lease_claim(
        Raster,
        raster.pk,
        statuses=tuple(s for s in Status.values if s != Status.PROCESSING),
        field="conversion_status",
        status=Raster.Status.READY,
    )
    try:
        if attempt > settings.RASTERCATALOG_INGEST_MAX_ATTEMPTS:
            raise ConversionFailed(lease_gave_up_reason().replace("ingesting", "converting"))
        with lease_heartbeat(Raster, raster.pk, field="conversion_status"):
            return _convert(raster, compression, force, progress)
    except (ConversionFailed, ConversionRefused) as exc:
        _record_failure(raster, str(exc))
        raise
    except Exception as exc:
        logger.exception("unexpected error converting raster %s", raster.pk)
        text = one_line(exc)
        reason = f"internal error while converting ({exc.__class__.__name__}: {text})"
        _record_failure(raster, reason)
        raise ConversionFailed(reason) from exc


def _convert(raster: Raster, compression: str, force: bool, progress: TextIO | None) -> Raster:
    if raster.is_cog and not force:
        _update(raster, conversion_status=Status.NOT_NEEDED, conversion_error="")
        return raster
    try:
        # Trusted: the URI passed the allow-lists when the raster was ingested.
        source = source_resolve(raster.uri, trusted=True)
    except SourceRefused as exc:
        raise ConversionFailed(f"the original cannot be read any more: {exc}") from exc
    started = time.monotonic()
    # The catalog's facts (footprint, statistics) describe the bytes that were ingested: a file
    # changed since then must be ingested again before it is converted.
    try:
        checksum, _ = source_checksum(source)
    except (OSError, RuntimeError, SourceRefused) as exc:
        raise ConversionFailed(f"the original cannot be read any more: {exc}") from exc
    if checksum != raster.checksum_sha256:
        raise ConversionFailed(
            "the original changed since it was ingested (its sha256 differs): re-ingest it, then "
            "convert"
        )
    profile = cog_profile_choose(source, compression=compression)
    scratch_dir = _scratch_dir(source)
    _check_free_space(scratch_dir, raster)
    scratch = scratch_dir / f".{uuid.uuid4().hex}.cog.tmp.tif"
    try:
        cog_write(source, destination=scratch, profile=profile, progress=progress)
        written = RasterSource(uri=str(scratch), kind="local", gdal_path=str(scratch))
        report = cog_report(written)
        if not report.is_valid:
            raise ConversionFailed(
                "rio-cogeo wrote a file that is not a valid COG: " + "; ".join(report.errors)
            )
        if profile.lossless and (changed := cog_pixels_differ(source, scratch)):
            raise ConversionFailed(
                f"rio-cogeo changed {changed} pixel(s) of a lossless conversion (a pixel that is "
                "nodata in some bands only, which GDAL's warper cannot keep): the original is kept"
            )
        cog_checksum, cog_size = source_checksum(written)
        twin = Raster.objects.filter(checksum_sha256=cog_checksum).exclude(pk=raster.pk).first()
        if twin is not None:
            raise ConversionFailed(
                f"the COG has the same bytes as raster {twin.pk} ({twin.name}), catalogued already"
            )
        cog_uri = _place(scratch, source, f"{cog_checksum}.cog.tif")
    finally:
        with contextlib.suppress(FileNotFoundError):
            scratch.unlink()
    profile_record = profile.as_dict() | {"seconds": round(time.monotonic() - started, 3)}
    with _removed_on_failure(cog_uri):
        _update(
            raster,
            original_uri=raster.original_uri or raster.uri,
            original_checksum_sha256=raster.original_checksum_sha256 or raster.checksum_sha256,
            uri=cog_uri,
            checksum_sha256=cog_checksum,
            size_bytes=cog_size,
            is_cog=report.is_valid,
            cog_errors=report.errors,
            cog_warnings=report.warnings,
            cog_info=report.info,
            conversion_status=Status.CONVERTED,
            conversion_error="",
            conversion_profile=profile_record,
        )
    logger.info("raster %s converted to COG %s", raster.pk, cog_uri)
    return raster


@contextlib.contextmanager
def _removed_on_failure(cog_uri: str):
    """Remove a placed local COG if the row cannot be pointed at it (an S3 one is left)."""
    try:
        yield
    except ConversionFailed:
        if "://" not in cog_uri:
            with contextlib.suppress(FileNotFoundError):
                Path(cog_uri).unlink()
        raise


def _scratch_dir(source: RasterSource) -> Path:
    """Where the COG is written first: beside a local original (so the rename is atomic)."""
    directory = (
        source.local_path.parent if source.kind == "local" else settings.RASTERCATALOG_COG_DIR
    )
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConversionFailed(f"cannot create {directory} for the COG: {exc}") from exc
    if not os.access(directory, os.W_OK):
        raise ConversionFailed(
            f"cannot write the COG beside the original: {directory} is not writable by this process"
        )
    return Path(directory)


def _check_free_space(directory: Path, raster: Raster) -> None:
    try:
        itemsize = np.dtype(raster.dtype).itemsize
    except TypeError:
        itemsize = 8
    pixels = (raster.width or 0) * (raster.height or 0) * (raster.band_count or 0) * itemsize
    needed = int(pixels * INTERMEDIATE_FACTOR) + (raster.size_bytes or 0)
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise ConversionFailed(
            f"not enough free disk space in {directory} to convert: about {needed // 2**20} MiB "
            f"needed, {free // 2**20} MiB free"
        )


def _place(scratch: Path, source: RasterSource, name: str) -> str:
    """Move the finished COG to its content-addressed home and return its URI."""
    if source.kind == "s3":
        from ..uploads.s3 import object_upload

        bucket, _, key = source.uri[len("s3://") :].partition("/")
        parent = key.rpartition("/")[0]
        cog_key = f"{parent}/{name}" if parent else name
        try:
            object_upload(scratch, bucket, cog_key)
        except Exception as exc:  # boto3's errors: credentials, bucket policy, network
            raise ConversionFailed(
                f"cannot upload the COG to s3://{bucket}/{cog_key}: {exc}"
            ) from exc
        return f"s3://{bucket}/{cog_key}"
    final = scratch.parent / name
    os.replace(scratch, final)
    return str(final)


def _update(raster: Raster, **fields) -> None:
    fields |= {"heartbeat_at": None, "attempts": 0, "updated": timezone.now()}
    # Only the row as this conversion read it: a re-ingestion meanwhile (status no longer ready,
    # or other bytes) wins, and this conversion fails rather than overwrite it.
    same_row = {"status": Raster.Status.READY, "checksum_sha256": raster.checksum_sha256}
    updated = Raster.objects.filter(
        pk=raster.pk, conversion_status=Status.PROCESSING, **same_row
    ).update(**fields)
    if not updated:
        raise ConversionFailed(
            "the raster was re-ingested or changed while it was converted: convert it again"
        )
    for key, value in fields.items():
        setattr(raster, key, value)


def _record_failure(raster: Raster, reason: str) -> None:
    logger.warning("conversion of raster %s failed: %s", raster.pk, reason)
    # Only the conversion columns: the row keeps reading its original.
    Raster.objects.filter(pk=raster.pk, conversion_status=Status.PROCESSING).update(
        conversion_status=Status.FAILED,
        conversion_error=reason,
        heartbeat_at=None,
        attempts=0,
        updated=timezone.now(),
    )
    raster.conversion_status, raster.conversion_error = Status.FAILED, reason
