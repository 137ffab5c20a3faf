"""COG verdicts on demand, for files that are not catalogued: an upload or an allow-listed URI.

The same rules as ingestion apply before rio-cogeo sees the file: the URI allow-lists (untrusted),
the driver allow-list (a VRT or any other non-GeoTIFF is refused by name, never handed to rio-cogeo),
the pixel-count limit and the truncated-tile check. Nothing is written to the catalog.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from .cog import CogReport, cog_report
from .reader import dataset_check_structure, dataset_open
from .sources import RasterSource, source_resolve, source_size


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
