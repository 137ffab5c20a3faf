"""Where uploaded raster files are kept: one new directory per upload under RASTERCATALOG_UPLOAD_DIR."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename


def upload_save(upload: UploadedFile) -> Path:
    """Write an uploaded file to its own directory (chunk by chunk) and return its path."""
    directory = Path(settings.RASTERCATALOG_UPLOAD_DIR) / uuid.uuid4().hex
    directory.mkdir(parents=True)
    path = directory / (get_valid_filename(Path(upload.name or "upload.tif").name) or "upload.tif")
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def upload_discard(path: str | Path) -> None:
    """Remove an upload's directory (when its bytes were catalogued already)."""
    path = Path(path)
    root = Path(settings.RASTERCATALOG_UPLOAD_DIR).resolve()
    if root in path.resolve().parents:
        shutil.rmtree(path.parent, ignore_errors=True)
