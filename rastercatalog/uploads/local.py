"""Where uploaded raster files are kept: one new directory per upload under RASTERCATALOG_UPLOAD_DIR."""

from __future__ import annotations

import base64
import binascii
import re
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import get_valid_filename

from ..errors import UploadInvalid


def upload_save(upload: UploadedFile | ContentFile) -> Path:
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


# --- Base64 bodies (POST /api/rasters/ with "data"). ---

_DATA_URL = re.compile(r"^data:(?P<media>[\w.+-]+/[\w.+-]+)?(?:;[\w-]+=[^;,]*)*;base64,", re.I)
# Little- and big-endian TIFF, and BigTIFF: anything else is not a raster the catalog accepts.
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def upload_decode_base64(text: str, *, max_bytes: int) -> bytes:
    """Decode a data URL or bare base64 string, refusing it before decoding when it is too large."""
    if not isinstance(text, str) or not text.strip():
        raise UploadInvalid(
            "data is empty: send the file as base64 or a data:image/tiff;base64 URL"
        )
    match = _DATA_URL.match(text)
    body = text[match.end() :] if match else text
    body = "".join(body.split())  # line breaks are common in base64 written by tools
    # Four characters encode three bytes: the decoded size is known before anything is decoded.
    estimate = len(body) * 3 // 4 - body[-2:].count("=")
    if estimate > max_bytes:
        raise UploadInvalid(
            f"the file is {estimate} bytes, more than the limit of {max_bytes} bytes "
            "(RASTERCATALOG_BASE64_MAX_BYTES): upload larger files with POST /api/uploads/"
        )
    try:
        content = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        try:  # URL-safe alphabet (- and _), as some clients send it
            content = base64.b64decode(body, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise UploadInvalid("data is not valid base64") from None
    if not content.startswith(_TIFF_MAGIC):
        raise UploadInvalid("data is not a GeoTIFF (the file does not start with a TIFF header)")
    return content


def upload_save_bytes(content: bytes, *, filename: str) -> Path:
    """Write decoded bytes to their own upload directory and return the path."""
    return upload_save(ContentFile(content, name=filename))
