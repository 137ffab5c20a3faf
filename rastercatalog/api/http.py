"""Shared by the per-raster data views: raster lookup and HTTP caching headers.

Views call `raster_get_ready(raster_id)` first: it turns a missing row into 404 and a row that is not
ready into 409, with messages that say which. Responses derived from a raster's bytes carry an ETag
built from its checksum plus the normalised parameters, so a re-ingested file with new bytes gets new
ETags (and new cache keys) while identical requests revalidate with 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

from ..models import Raster
from ..render.rasterinfo import RasterInfo, raster_info_get
from ..search.visible import raster_list_visible, raster_visible_to

T = TypeVar("T")


class RasterNotReady(APIException):
    """The raster exists but cannot be read: still being ingested, or ingestion failed (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "the raster is not ready"
    default_code = "raster_not_ready"


def raster_ready_check(raster: Raster) -> Raster:
    """Return `raster` if it is ready; raise RasterNotReady saying why it is not."""
    if raster.status == Raster.Status.READY:
        return raster
    if raster.status == Raster.Status.FAILED:
        raise RasterNotReady(
            f"raster {raster.pk} is failed: {raster.error or 'no reason recorded'}"
        )
    raise RasterNotReady(f"raster {raster.pk} is still being ingested (status {raster.status})")


def raster_get_ready(
    raster_id: int | str, *, user: Any = None, fields: Sequence[str] | None = None
) -> Raster:
    """Return the ready raster with this id, or raise 404 (no such row) / 409 (not ready).

    A private raster that `user` may not see is reported as missing (None: an anonymous reader).
    `fields` limits the columns fetched (the tile path reads a handful per request).
    """
    rasters = raster_list_visible(user=user)
    if fields is not None:
        rasters = rasters.only(*{"id", "status", "error", "visibility", *fields})
    try:
        raster = rasters.get(pk=int(raster_id))
    except (Raster.DoesNotExist, ValueError, OverflowError):
        raise NotFound(f"no raster with id {raster_id}") from None
    return raster_ready_check(raster)


def raster_info_get_ready(raster_id: int | str, *, user: Callable[[], Any]) -> RasterInfo:
    """`raster_get_ready` for the tile path: the row and bands from the per-process cache.

    `user` is called only for a private raster, so that a public tile never loads a session.
    """
    try:
        info = raster_info_get(int(raster_id))
    except (ValueError, OverflowError):
        info = None
    if info is None or not (
        info.raster.visibility == Raster.Visibility.PUBLIC
        or raster_visible_to(info.raster, user=user())
    ):
        raise NotFound(f"no raster with id {raster_id}")
    raster_ready_check(info.raster)
    return info


# --- HTTP caching: ETag, Cache-Control, 304. ---


def params_normalise(params: dict[str, Any]) -> str:
    """A canonical string for request parameters: sorted keys, None dropped, lists comma-joined."""
    parts = []
    for key in sorted(params):
        value = params[key]
        if value is None:
            continue
        if isinstance(value, list | tuple):
            value = ",".join(_canonical(v) for v in value)
        parts.append(f"{key}={_canonical(value)}")
    return "&".join(parts)


def _canonical(value: Any) -> str:
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value)


def etag_for(raster: Raster, *parts: Any) -> str:
    """A strong ETag (quoted) for a response computed from `raster`'s bytes and `parts`."""
    text = "|".join([raster.checksum_sha256 or "", *map(str, parts)])
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """True when the request's If-None-Match names `etag` (weak or strong) or is `*`."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in candidates or etag in candidates


def response_not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 response with caching headers if the client already has `etag`, else None."""
    if not etag_matches(request, etag):
        return None
    return cache_headers_set(HttpResponseNotModified(), etag)


def cache_headers_set(response: HttpResponse, etag: str, *, public: bool = True) -> HttpResponse:
    """Add ETag and `Cache-Control: public, max-age=RASTERCATALOG_DATA_MAX_AGE` to `response`.

    `public=False` (a private raster) lets only the client's own cache keep it, not shared proxies.
    """
    response["ETag"] = etag
    scope = "public" if public else "private"
    response["Cache-Control"] = f"{scope}, max-age={settings.RASTERCATALOG_DATA_MAX_AGE}"
    return response
