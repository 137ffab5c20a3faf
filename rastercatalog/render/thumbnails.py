"""Signed thumbnail URLs: /thumbs/{raster_id}/{size}/{method}/{signature}.{ext}, rendered once, stored.

The signature is an HMAC over the rest of the URL and the raster's checksum, so strangers cannot
make the server render arbitrary sizes, and new bytes at the same raster id get new URLs (old files
are never served for new bytes). The file is stored under the URL's own path in Django's default
storage (`thumbs/…` under MEDIA_ROOT), so nginx can serve every later request straight from disk
with `try_files` and never ask Django again; a signed URL is therefore the capability to see that
thumbnail, whatever the raster's visibility.

Sizes reuse api/sizes.py: `fit` is `WxH` (inside the box), `crop` is `WxH!` (the middle, cropped to
the box's aspect ratio), `smart` is a crop of the same size placed where the raster shows the most
detail.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from ..errors import ThumbnailInvalid
from ..geo.pixelgrid import Window
from ..geo.sizes import SizePlan, SizeSpec, size_parse, size_plan
from ..models import Raster
from .cache import cache_get_or_render
from .encode import image_encode
from .regions import region_image
from .source import tilesource_render

THUMBNAIL_METHODS = ("fit", "crop", "smart")
THUMBNAIL_FORMATS = ("jpg", "png", "webp")
SIZE_PATTERN = r"\d+x\d*|x\d+"
_SIZE = re.compile(rf"^(?:{SIZE_PATTERN})$")
# How many crop positions `smart` compares, and the size of the preview it scores them on.
SMART_CANDIDATES = 5
SMART_PREVIEW_SIZE = 256


@dataclass(frozen=True)
class Thumbnail:
    """A signed thumbnail: where to fetch it and the size of the image it returns."""

    raster_id: int
    size: str
    method: str
    fmt: str
    signature: str
    width: int
    height: int

    @property
    def url(self) -> str:
        return reverse(
            "raster-thumbnail-signed",
            kwargs={
                "raster_id": self.raster_id,
                "size": self.size,
                "method": self.method,
                "signature": self.signature,
                "fmt": self.fmt,
            },
        )

    @property
    def storage_name(self) -> str:
        # The URL's own path: nginx finds the file where the URL points (try_files).
        return f"thumbs/{self.raster_id}/{self.size}/{self.method}/{self.signature}.{self.fmt}"


def thumbnail_get(raster: Raster, *, size: str, method: str, fmt: str) -> Thumbnail:
    """Return the signed thumbnail of a ready raster; raise ThumbnailInvalid for bad parameters."""
    plan = thumbnail_plan(raster, size=size, method=method, fmt=fmt)
    return Thumbnail(
        raster_id=raster.pk,
        size=size,
        method=method,
        fmt=fmt,
        signature=thumbnail_sign(raster, size=size, method=method, fmt=fmt),
        width=plan.width,
        height=plan.height,
    )


def thumbnail_sign(raster: Raster, *, size: str, method: str, fmt: str) -> str:
    """The HMAC (32 hex digits) of a thumbnail URL's parts and the raster's checksum."""
    secret = settings.RASTERCATALOG_THUMBNAIL_SECRET or _derived_secret()
    message = f"{raster.pk}/{size}/{method}/{fmt}/{raster.checksum_sha256}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def thumbnail_signature_valid(
    raster: Raster, *, size: str, method: str, fmt: str, signature: str
) -> bool:
    """True when `signature` is the one this server gives for these parts."""
    expected = thumbnail_sign(raster, size=size, method=method, fmt=fmt)
    return hmac.compare_digest(expected, signature)


def _derived_secret() -> str:
    # Its own key, so a thumbnail signature never doubles as any other signature made with SECRET_KEY.
    return hmac.new(settings.SECRET_KEY.encode(), b"rastercatalog.thumbnails", "sha256").hexdigest()


def thumbnail_plan(raster: Raster, *, size: str, method: str, fmt: str) -> SizePlan:
    """The source pixels and output size of a thumbnail, checked against the limits."""
    if method not in THUMBNAIL_METHODS:
        raise ThumbnailInvalid(f"method {method!r}: expected one of {', '.join(THUMBNAIL_METHODS)}")
    if fmt not in THUMBNAIL_FORMATS:
        raise ThumbnailInvalid(f"format {fmt!r}: expected one of {', '.join(THUMBNAIL_FORMATS)}")
    if not _SIZE.match(size):
        raise ThumbnailInvalid(f"size {size!r}: expected WxH, Wx or xH, e.g. 200x200")
    spec = size_parse(size)
    if method != "fit" and spec.width and spec.height:
        spec = SizeSpec(spec.width, spec.height, exact=True)
    plan = size_plan(spec, raster.width, raster.height)
    limit = settings.RASTERCATALOG_THUMBNAIL_MAX_SIZE
    if max(plan.width, plan.height) > limit:
        raise ThumbnailInvalid(
            f"size {size!r} gives a {plan.width}x{plan.height} image, more than the limit of "
            f"{limit} pixels a side (RASTERCATALOG_THUMBNAIL_MAX_SIZE)"
        )
    return plan


def _store_whole(name: str, body: bytes) -> None:
    """Store `body` so that a reader (nginx) never sees a half-written file."""
    try:
        final = Path(default_storage.path(name))
    except NotImplementedError:  # not a filesystem storage: nginx does not read it directly
        default_storage.save(name, ContentFile(body))
        return
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.{os.getpid()}.partial")
    partial.write_bytes(body)
    os.replace(partial, final)  # atomic on one filesystem


def thumbnail_store(raster: Raster, thumbnail: Thumbnail) -> bool:
    """Render and store the thumbnail unless it is stored already; True when this call rendered it."""
    name = thumbnail.storage_name
    if default_storage.exists(name):
        return False
    rendered = False

    def render() -> bytes:
        nonlocal rendered
        if not default_storage.exists(name):  # another process may have stored it meanwhile
            body = thumbnail_render(
                raster, size=thumbnail.size, method=thumbnail.method, fmt=thumbnail.fmt
            )
            _store_whole(name, body)
            rendered = True
        return b"stored"

    # Concurrent first requests (threads here, other processes through a shared cache) wait for
    # the one that renders instead of rendering the same file again.
    cache_get_or_render(f"thumbnail-file:{name}", render, timeout=30)
    return rendered


def thumbnail_render(raster: Raster, *, size: str, method: str, fmt: str) -> bytes:
    """Render the thumbnail's image and encode it."""
    plan = thumbnail_plan(raster, size=size, method=method, fmt=fmt)
    if method == "smart":
        plan = _most_informative(raster, plan)
    window = Window(plan.left, plan.top, plan.right - plan.left, plan.bottom - plan.top)
    return image_encode(region_image(raster, window, size=(plan.width, plan.height)), fmt)


def _most_informative(raster: Raster, plan: SizePlan) -> SizePlan:
    """Slide the centred crop along its free axis and keep the position with the most entropy."""
    crop_width, crop_height = plan.right - plan.left, plan.bottom - plan.top
    free_x, free_y = raster.width - crop_width, raster.height - crop_height
    if free_x <= 0 and free_y <= 0:
        return plan  # the crop is the whole raster
    scale = SMART_PREVIEW_SIZE / max(raster.width, raster.height)
    preview = tilesource_render(
        raster,
        left=0,
        top=0,
        right=raster.width,
        bottom=raster.height,
        width=max(1, round(raster.width * scale)),
        height=max(1, round(raster.height * scale)),
    )
    gray = np.asarray(preview.convert("L"), dtype=np.uint8)
    scale_x, scale_y = gray.shape[1] / raster.width, gray.shape[0] / raster.height
    # The centre first: on a tie (a uniform raster) the plain crop wins.
    steps = sorted(range(SMART_CANDIDATES), key=lambda i: abs(i - (SMART_CANDIDATES - 1) / 2))
    best, best_score = plan, -1.0
    for step in steps:
        fraction = step / (SMART_CANDIDATES - 1)
        left = round(free_x * fraction) if free_x > 0 else 0
        top = round(free_y * fraction) if free_y > 0 else 0
        rows = _preview_span(top, crop_height, scale_y)
        columns = _preview_span(left, crop_width, scale_x)
        score = _entropy(gray[rows, columns])
        if score > best_score + 1e-9:
            best_score = score
            best = SizePlan(
                left, top, left + crop_width, top + crop_height, plan.width, plan.height
            )
    return best


def _preview_span(start: int, length: int, scale: float) -> slice:
    """The preview's pixels covering source pixels [start, start + length), at least one."""
    first = int(start * scale)
    return slice(first, max(first + 1, int((start + length) * scale)))


def _entropy(gray: np.ndarray) -> float:
    counts = np.bincount(gray.ravel(), minlength=256).astype(float)
    probabilities = counts[counts > 0] / counts.sum()
    return float(-(probabilities * np.log2(probabilities)).sum())


def thumbnail_open(thumbnail: Thumbnail):
    """Open the stored file for reading (the direct response backend)."""
    return default_storage.open(thumbnail.storage_name, "rb")
