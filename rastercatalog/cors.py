"""Cross-origin requests: the only django-cors-headers importer.

Two policies, decided per request:

- Anonymous reads of the map and catalog routes (XYZ tiles, TileJSON, WMTS and OGC API Tiles, and
  the STAC API, whose POST searches and aggregations are reads) are allowed from any origin, so a
  web map or STAC Browser elsewhere can use them. The answer is `Access-Control-Allow-Origin: *`
  without `Allow-Credentials`: a browser then sends no cookie and reads no credentialed answer, so
  a private raster never leaks to a page of another site through a visitor's session.
- Everything else, and any request with credentials, only from the origins listed in
  `RASTERCATALOG_CORS_ALLOWED_ORIGINS` (django-cors-headers' CORS_ALLOWED_ORIGINS), which get their
  own origin back with `Allow-Credentials: true`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from corsheaders.middleware import (
    ACCESS_CONTROL_ALLOW_CREDENTIALS,
    ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN,
    CorsMiddleware,
)
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# Paths whose anonymous reads any origin may make (path_info, so a script prefix does not matter).
PUBLIC_READ_PATHS = re.compile(
    r"^/(?:stac(?:/.*)?"
    r"|api/rasters/[0-9]+/(?:tiles/.*|tilejson\.json|wmts(?:/.*)?|ogc/.*)"
    r"|api/ogc/.*|api/colormaps/.*)$"
)
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# POST bodies that only read: STAC item search and aggregation (the same as their GETs).
READ_POSTS = re.compile(r"^/stac/(?:search|aggregate|collections/[^/]+/aggregate)$")
PUBLIC_METHODS = "GET, HEAD, OPTIONS, POST"


def is_public_read(request: HttpRequest) -> bool:
    """Whether any origin may make this request (or the one this preflight announces) anonymously."""
    path = request.path_info
    if not PUBLIC_READ_PATHS.match(path):
        return False
    method = request.method or "GET"
    if method == "OPTIONS":
        method = request.headers.get("access-control-request-method", "OPTIONS").upper()
    return method in READ_METHODS or (method == "POST" and bool(READ_POSTS.match(path)))


class CatalogCorsMiddleware(CorsMiddleware):
    """django-cors-headers, plus the anonymous public-read policy of the module docstring."""

    def add_response_headers(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        origin = request.headers.get("origin")
        if not origin or self._listed(origin) or not is_public_read(request):
            return super().add_response_headers(request, response)
        response = super().add_response_headers(request, response)  # Vary: origin
        response[ACCESS_CONTROL_ALLOW_ORIGIN] = "*"
        if ACCESS_CONTROL_ALLOW_CREDENTIALS in response:
            del response[ACCESS_CONTROL_ALLOW_CREDENTIALS]
        if request.method == "OPTIONS":
            response[ACCESS_CONTROL_ALLOW_METHODS] = PUBLIC_METHODS
        return response

    def check_signal(self, request: HttpRequest) -> bool:
        # django-cors-headers asks its signal about origins it does not list; answering here keeps
        # the policy in one place. The headers are then rewritten to "*" above.
        return is_public_read(request) or super().check_signal(request)

    def _listed(self, origin: str) -> bool:
        try:
            return self.origin_found_in_white_lists(origin, urlsplit(origin))
        except ValueError:
            return False
