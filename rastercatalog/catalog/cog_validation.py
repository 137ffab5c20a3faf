"""COG verdicts on demand: for a catalogued raster again, or for files that are not catalogued
(an upload or an allow-listed URI).

The same rules as ingestion apply before rio-cogeo sees the file: the URI allow-lists (untrusted),
the driver allow-list (a VRT or any other non-GeoTIFF is refused by name, never handed to rio-cogeo),
the pixel-count limit and the truncated-tile check. Nothing is written to the catalog.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from ..errors import IngestError, IngestInternalError, SourceRefused, one_line
from ..models import Raster
from .cog import CogReport, cog_report
from .reader import dataset_check_structure, dataset_open
from .sources import RasterSource, source_resolve, source_size

logger = logging.getLogger(__name__)


def cog_validate_uri(*, uri: str) -> CogReport:
    """Validate the raster at an allow-listed URI; raise SourceRefused or RasterRejected if refused."""
    return _validate(source_resolve(uri, trusted=False))


def cog_validate_upload(*, upload: UploadedFile) -> CogReport:
    """Validate an uploaded file from a temporary copy that is deleted afterwards."""
    with tempfile.TemporaryDirectory(
        prefix="rastercatalog-cog-", dir=settings.FILE_UPLOAD_TEMP_DIR
    ) as directory:
        # A name of our own: the client's file name never reaches GDAL.
        path = Path(directory) / "upload.tif"
        with open(path, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        upload.close()  # Django deletes its own spooled copy of a large upload on close
        return _validate(source_resolve(str(path), trusted=True))


def _validate(source: RasterSource) -> CogReport:
    dataset = dataset_open(source)
    try:
        dataset_check_structure(dataset, file_size=source_size(source))
    finally:
        dataset = None  # close before rio-cogeo opens the file again
    return cog_report(source)


def raster_revalidate_cog(*, raster: Raster) -> Raster:
    """Run rio-cogeo on the raster again and store the verdict."""
    try:
        source = source_resolve(raster.uri, trusted=True)
    except SourceRefused as exc:
        raise IngestError(str(exc), uri=raster.uri, raster=raster) from exc
    try:
        cog = cog_report(source)
    except Exception as exc:
        logger.exception("unexpected error validating %s", raster.uri)
        reason = f"internal error while validating ({exc.__class__.__name__}: {one_line(exc)})"
        raise IngestInternalError(reason, uri=raster.uri, raster=raster) from exc
    Raster.objects.filter(pk=raster.pk).update(
        is_cog=cog.is_valid, cog_errors=cog.errors, cog_warnings=cog.warnings, cog_info=cog.info
    )
    raster.refresh_from_db()
    return raster
