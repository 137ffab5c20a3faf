"""Operations middleware: database outages as 503s, and one observation per request.

`RequestObservationMiddleware` (first in MIDDLEWARE, so it sees the final status) collects the
request's Server-Timing phases, counts it in the Prometheus metrics and writes its JSON log line.
`DatabaseUnavailableMiddleware` answers a view's lost database connection with a 503 JSON body and
Retry-After instead of a 500 page; `server_error` (handler500) does the same for an outage met
outside a view (a session saved by SessionMiddleware), where process_exception is not called.
"""

from __future__ import annotations

import sys
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.functional import SimpleLazyObject, empty
from django.views.defaults import server_error as django_server_error

from .logs import request_log
from .metrics import request_observe
from .timing import timing_collect

# The errors of a database that is restarting, unreachable or refusing connections. Other
# DatabaseErrors (a bad query, an integrity error) are bugs or client errors, not outages.
OUTAGE_ERRORS = (OperationalError, InterfaceError)
OUTAGE_DETAIL = "the database is unavailable (restarting or unreachable); try again shortly"


def database_unavailable_response(body: dict | None = None) -> JsonResponse:
    """The 503 every request gets while the database is down (`body`: other than the default)."""
    response = JsonResponse(body or {"detail": OUTAGE_DETAIL}, status=503)
    response["Retry-After"] = str(settings.RASTERCATALOG_DB_RETRY_AFTER)
    # Never cached by a proxy or a browser: the next try should reach the server again.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer a view that lost the database with 503, JSON and Retry-After, not a 500 page."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # DRF re-raises what its EXCEPTION_HANDLER does not know, so API views land here too.
        if isinstance(exception, OUTAGE_ERRORS):
            return database_unavailable_response()
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage met outside a view is a 503 too; anything else, Django's."""
    if isinstance(sys.exc_info()[1], OUTAGE_ERRORS):
        return database_unavailable_response()
    return django_server_error(request)


class RequestObservationMiddleware:
    """Time, count and log every request: Server-Timing phases, Prometheus, one JSON line."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        with timing_collect():
            response = self.get_response(request)
        seconds = time.perf_counter() - started
        request_observe(
            family=endpoint_family(request),
            method=request.method or "",
            status=response.status_code,
            seconds=seconds,
        )
        request_log(
            method=request.method or "",
            path=request.path,
            status=response.status_code,
            duration_ms=seconds * 1000,
            user=_user_label(request),
            bytes_sent=_bytes_sent(response),
        )
        return response


def endpoint_family(request: HttpRequest) -> str:
    """catalog, data (tiles and other pixels), stac, uploads, pages, metrics, or unmatched (404)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    if match.url_name == "metrics":
        return "metrics"
    # The API's families are its sub-packages: rastercatalog.api.<family>.views…
    module = getattr(match.func, "view_class", match.func).__module__
    if module.startswith("rastercatalog.api."):
        return module.split(".")[2]
    return "pages"


def _user_label(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None:
        return "anonymous"
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        # Nobody asked who it was (a public tile): looking now would cost the session and user
        # queries the tile path avoids, so the line says only whether there was a session.
        return "session" if settings.SESSION_COOKIE_NAME in request.COOKIES else "anonymous"
    return str(user.pk) if user.is_authenticated else "anonymous"


def _bytes_sent(response: HttpResponse) -> int | None:
    if response.streaming:
        length = response.get("Content-Length")
        return int(length) if length and length.isdigit() else None
    return len(response.content)
