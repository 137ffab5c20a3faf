"""The API's EXCEPTION_HANDLER: one table from domain exception to HTTP status.

Views let the domain exceptions of `rastercatalog.errors` rise; here each becomes a JSON body
`{"detail": message}` with the status below, through DRF's own handler (so 304s, throttling and
authentication headers behave as for any APIException). The STAC views answer the same statuses in
STAC API's own body, `{"code": …, "description": …}` (stac_error_body below).

A view still catches a domain exception itself only where the body must name a request field as
a serializer would (`{"data": ["…"]}` for the base64 upload) or the parameter the client sent
(`parameter band=9 is invalid: …`): the table gives every exception one body.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from .. import errors

# Most specific first: the first class that matches wins.
STATUS_BY_EXCEPTION: dict[type[Exception], int] = {
    errors.SourceRefused: status.HTTP_400_BAD_REQUEST,
    errors.RasterRejected: status.HTTP_400_BAD_REQUEST,
    errors.TileOutsideGrid: status.HTTP_400_BAD_REQUEST,
    errors.StyleInvalid: status.HTTP_400_BAD_REQUEST,
    errors.ThumbnailInvalid: status.HTTP_400_BAD_REQUEST,
    errors.ExpressionInvalid: status.HTTP_400_BAD_REQUEST,
    errors.AnalysisInvalid: status.HTTP_400_BAD_REQUEST,
    errors.GeometryInvalid: status.HTTP_400_BAD_REQUEST,
    errors.UploadNotReceived: status.HTTP_400_BAD_REQUEST,
    errors.FilterInvalid: status.HTTP_400_BAD_REQUEST,
    errors.ConversionRefused: status.HTTP_400_BAD_REQUEST,
    errors.TileNotFound: status.HTTP_404_NOT_FOUND,
    # Not 400: the request is right, but drawing it would read too many files (README, "Collections
    # as one layer"); the viewer tells it apart from a bad parameter by this status.
    errors.MosaicTooManyRasters: status.HTTP_422_UNPROCESSABLE_ENTITY,
    errors.OutsideRaster: status.HTTP_404_NOT_FOUND,
    errors.ColormapUnknown: status.HTTP_404_NOT_FOUND,
    errors.VectorTilesUnavailable: status.HTTP_501_NOT_IMPLEMENTED,
    # Not 5xx: nothing is broken, the feature is simply off here (as an unknown URL would be).
    errors.UploadsNotConfigured: status.HTTP_404_NOT_FOUND,
    errors.RasterFileUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


class DomainError(APIException):
    """A domain exception on its way out, with the status the table gives it."""

    def __init__(self, exc: Exception, status_code: int) -> None:
        super().__init__(detail=str(exc), code=type(exc).__name__)
        self.status_code = status_code


def status_for(exc: Exception) -> int | None:
    """The table's status for a domain exception, or None (for views outside DRF)."""
    error = api_error(exc)
    return error.status_code if error is not None else None


def api_error(exc: Exception) -> APIException | None:
    """Return the APIException for a domain exception, or None when the table does not know it."""
    for exception_class, status_code in STATUS_BY_EXCEPTION.items():
        if isinstance(exc, exception_class):
            return DomainError(exc, status_code)
    return None


def exception_handler(exc: Exception, context: dict):
    """Answer a domain exception with its status and a JSON message; anything else as DRF does."""
    return drf_exception_handler(api_error(exc) or exc, context)


def stac_error_body(exc: Exception, *, parameter_names: dict[str, str]) -> dict | None:
    """STAC API's error body for an APIException, or None to keep the `{"detail": …}` body.

    `parameter_names` maps the catalog search's parameter names to the STAC names the client used.
    """
    if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
        problems = [
            f"{parameter_names.get(name, name)}: {' '.join(str(m) for m in messages)}"
            for name, messages in exc.detail.items()
        ]
        return {"code": "InvalidParameterValue", "description": "; ".join(problems)}
    if isinstance(exc, APIException):
        code = "NotFound" if isinstance(exc, NotFound) else exc.default_code
        return {"code": code, "description": str(exc.detail)}
    return None
