"""Catalog URI -> GDAL path. The only module that builds GDAL paths, and the one that owns the rules.

A URI is what a user gives: a local path, `http(s)://host/path` or `s3://bucket/key`. Everything
GDAL would otherwise interpret (`/vsi…` prefixes, `WMS:`/`PG:` connection strings, inline XML) is
refused here, because Debian's GDAL 3.6 will happily follow such strings to other files and hosts.

Two levels of trust:
- `trusted=True` (the operator's CLI): any local path, any HTTP host, any bucket.
- `trusted=False` (admin, API): local paths under RASTERCATALOG_ALLOWED_LOCAL_ROOTS, HTTP hosts in
  RASTERCATALOG_ALLOWED_HTTP_HOSTS that do not resolve to loopback, link-local or private addresses
  (unless named explicitly), S3 buckets in RASTERCATALOG_ALLOWED_S3_BUCKETS.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings

from ..errors import SourceRefused

CHECKSUM_CHUNK_BYTES = 4 * 1024 * 1024

# Prefixes GDAL treats as something other than a plain file name.
_GDAL_SPECIAL = re.compile(r"^\s*(/vsi|<|[A-Za-z][A-Za-z0-9_]+:(?!//))", re.IGNORECASE)
_S3_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


@dataclass(frozen=True)
class RasterSource:
    """A vetted raster location: what the user gave and the GDAL path that reads it."""

    uri: str
    kind: str  # "local" | "http" | "s3"
    gdal_path: str

    @property
    def is_remote(self) -> bool:
        return self.kind != "local"

    @property
    def streaming_path(self) -> str:
        """The GDAL path for one sequential pass (no range requests, no block cache)."""
        for prefix in ("/vsicurl/", "/vsis3/"):
            if self.gdal_path.startswith(prefix):
                return prefix[:-1] + "_streaming/" + self.gdal_path[len(prefix) :]
        return self.gdal_path

    @property
    def local_path(self) -> Path:
        if self.kind != "local":
            raise ValueError(f"{self.uri} is not a local file")
        return Path(self.gdal_path)


def source_resolve(uri: str, *, trusted: bool = False) -> RasterSource:
    """Check `uri` against the rules and return the GDAL path that reads it."""
    uri = (uri or "").strip()
    if not uri:
        raise SourceRefused("no source given: pass a local path, an http(s):// URL or an s3:// URI")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in uri):
        raise SourceRefused("the source contains control characters")
    if _GDAL_SPECIAL.match(uri):
        raise SourceRefused(
            f"{uri[:60]!r} looks like a GDAL virtual path or connection string, which is not allowed: "
            "give a local path, an http(s):// URL or an s3:// URI"
        )
    scheme = urlsplit(uri).scheme.lower() if "://" in uri else ""
    if scheme in ("http", "https"):
        return _resolve_http(uri, trusted=trusted)
    if scheme == "s3":
        return _resolve_s3(uri, trusted=trusted)
    if scheme == "file":
        return _resolve_local(unquote(urlsplit(uri).path), trusted=trusted, original=uri)
    if scheme:
        raise SourceRefused(
            f"scheme {scheme}:// is not supported: use a local path, http(s):// or s3://"
        )
    return _resolve_local(uri, trusted=trusted, original=uri)


def _resolve_local(path: str, *, trusted: bool, original: str) -> RasterSource:
    if ".." in Path(path).parts and not trusted:
        raise SourceRefused(f"'..' is not allowed in paths: {original}")
    absolute = os.path.abspath(os.path.expanduser(path))
    real = Path(os.path.realpath(absolute))
    if not trusted:
        roots = [Path(os.path.realpath(r)) for r in settings.RASTERCATALOG_ALLOWED_LOCAL_ROOTS]
        if not any(real == root or root in real.parents for root in roots):
            raise SourceRefused(
                f"local path {path} is outside the allowed directories "
                f"(RASTERCATALOG_ALLOWED_LOCAL_ROOTS: {', '.join(map(str, roots)) or 'none'})"
            )
    if not real.exists():
        raise SourceRefused(f"no such file: {path}")
    if not real.is_file():
        raise SourceRefused(f"not a regular file: {path}")
    if _GDAL_SPECIAL.match(str(real)):
        raise SourceRefused(f"path {real} starts like a GDAL virtual path, which is not allowed")
    # The catalog keeps the absolute path: a relative one means nothing to the next process.
    return RasterSource(uri=absolute, kind="local", gdal_path=str(real))


def _resolve_http(uri: str, *, trusted: bool) -> RasterSource:
    parts = urlsplit(uri)
    host = (parts.hostname or "").lower()
    if not host:
        raise SourceRefused(f"URL has no host: {uri}")
    if parts.username or parts.password:
        raise SourceRefused("URLs with credentials in them are not accepted")
    if not trusted:
        allowed = [h.lower() for h in settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS]
        named = host in allowed
        if not named and "*" not in allowed:
            raise SourceRefused(
                f"HTTP host {host} is not allowed (RASTERCATALOG_ALLOWED_HTTP_HOSTS: {', '.join(allowed)})"
            )
        if not named:
            _refuse_private_host(host, parts.port or (443 if parts.scheme == "https" else 80))
    # Spaces and other unsafe characters would be read by GDAL as option separators.
    safe_uri = quote(uri, safe=":/?&=%#@+,;~!$'()*[]")
    return RasterSource(uri=uri, kind="http", gdal_path=f"/vsicurl/{safe_uri}")


def _refuse_private_host(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise SourceRefused(f"HTTP host {host} does not resolve: {exc.strerror}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise SourceRefused(
                f"HTTP host {host} resolves to {address}, a loopback, link-local or private address; "
                "name it in RASTERCATALOG_ALLOWED_HTTP_HOSTS to allow it"
            )


def _resolve_s3(uri: str, *, trusted: bool) -> RasterSource:
    # Not urlsplit: '?' and '#' are legal in S3 keys and must stay part of the key.
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not _S3_BUCKET.match(bucket):
        raise SourceRefused(f"not a valid S3 bucket name: {bucket!r}")
    if not key or ".." in key.split("/"):
        raise SourceRefused(f"S3 URI needs an object key without '..': {uri}")
    if not trusted:
        allowed = settings.RASTERCATALOG_ALLOWED_S3_BUCKETS
        if bucket not in allowed and "*" not in allowed:
            raise SourceRefused(
                f"S3 bucket {bucket} is not allowed (RASTERCATALOG_ALLOWED_S3_BUCKETS: "
                f"{', '.join(allowed) or 'none'})"
            )
    return RasterSource(uri=uri, kind="s3", gdal_path=f"/vsis3/{bucket}/{key}")


def source_size(source: RasterSource) -> int:
    """Return the size in bytes of the file behind `source`."""
    if source.kind == "local":
        return source.local_path.stat().st_size
    from osgeo import gdal

    stat = gdal.VSIStatL(source.gdal_path)
    if stat is None:
        raise SourceRefused(f"cannot reach {source.uri}: no such object or the server refused")
    return stat.size


def source_checksum(
    source: RasterSource, *, progress: Callable[[int], None] | None = None
) -> tuple[str, int]:
    """Stream the file once in fixed chunks and return (sha256 hex digest, size in bytes)."""
    digest = hashlib.sha256()
    total = 0
    for chunk in _iter_chunks(source):
        digest.update(chunk)
        total += len(chunk)
        if progress:
            progress(len(chunk))
    return digest.hexdigest(), total


def _iter_chunks(source: RasterSource):
    if source.kind == "local":
        with open(source.gdal_path, "rb") as fh:
            while chunk := fh.read(CHECKSUM_CHUNK_BYTES):
                yield chunk
        return
    from osgeo import gdal

    handle = gdal.VSIFOpenL(source.streaming_path, "rb")
    if handle is None:
        raise SourceRefused(f"cannot read {source.uri}: {gdal.GetLastErrorMsg() or 'not found'}")
    try:
        while True:
            chunk = gdal.VSIFReadL(1, CHECKSUM_CHUNK_BYTES, handle)
            if not chunk:
                break
            yield chunk
    finally:
        gdal.VSIFCloseL(handle)
