"""Every domain exception of the catalog, in one place.

Services raise these with a message a user can act on; they never know about HTTP. The API turns
each class into a status in one table (`rastercatalog.api.errors`).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


class SourceRefused(ValueError):
    """The URI is malformed or not allowed; the message says which rule refused it."""


class RasterRejected(ValueError):
    """The file is not a raster the catalog accepts; the message names the problem."""


class RasterFileUnavailable(RuntimeError):
    """The raster's file cannot be opened for reading now; the message says why."""


class TileOutsideGrid(ValueError):
    """z/x/y names no tile of the Web Mercator grid; the message gives the valid range."""


class TileNotFound(LookupError):
    """The tile exists in the grid but not for this raster (outside it, or beyond its zooms)."""


class OutsideRaster(ValueError):
    """The point or box does not fall on the raster; the message says where the raster is."""


class StyleInvalid(ValueError):
    """A style parameter cannot be used; the message names the parameter and says why."""


class ColormapUnknown(ValueError):
    """No colormap has this name; the message lists the valid ones."""


class BandMissing(ValueError):
    """The band number does not exist in the raster; the message gives the valid range."""


class MosaicTooManyRasters(ValueError):
    """A mosaic tile or point matches more rasters than it may read; the message says what to do."""

    def __init__(self, message: str, *, count: int, limit: int) -> None:
        super().__init__(message)
        self.count, self.limit = count, limit


class ExpressionInvalid(ValueError):
    """A band-math expression that is refused before it runs; the message says what and where."""


class AnalysisInvalid(ValueError):
    """An analysis parameter (algorithm, its options, statistics options) that cannot be used."""


class GeometryInvalid(ValueError):
    """A posted GeoJSON geometry that is malformed, invalid or too large; the message says which."""


class ThumbnailInvalid(ValueError):
    """The size, method or format cannot make a thumbnail; the message says which."""


class FilterInvalid(ValueError):
    """A STAC filter (CQL2) that does not parse, names an unknown property or compares wrongly."""


class VectorTilesUnavailable(RuntimeError):
    """This database cannot make vector tiles; the message says why and what to do instead."""


class UploadInvalid(ValueError):
    """The uploaded body cannot be a raster: bad base64, too large, not a TIFF; the message says which."""


class UploadsNotConfigured(ImproperlyConfigured):
    """Direct-to-S3 uploads are not set up on this server; the message says what to set."""


class UploadNotReceived(ValueError):
    """`complete` was called but no object is at the upload's staging key (yet)."""


class IngestError(Exception):
    """Ingestion failed for a reason that names the problem; `raster` is the failed row, if any."""

    # True when the cause is a fault of ours or of a library (its exception is `__cause__`), not a
    # problem of the file the user gave: callers say "internal error" and log the traceback.
    internal = False

    def __init__(self, reason: str, *, uri: str, raster=None) -> None:
        # `raster`: the placeholder row now marked failed, if there was one.
        super().__init__(reason)
        self.reason = reason
        self.uri = uri
        self.raster = raster


class IngestInternalError(IngestError):
    """Ingestion failed on an unexpected exception; the reason names its class and message."""

    internal = True


class ConversionRefused(ValueError):
    """A conversion to COG that cannot be done as asked (JPEG for a float raster, no original)."""


class ConversionFailed(RuntimeError):
    """Converting a raster to a COG failed (disk full, a file rio-cogeo refuses); the row is kept."""


def one_line(exc: BaseException, limit: int = 500) -> str:
    """An exception's message on one line, cut to `limit` characters, for a reason shown to users.

    GDAL's and PROJ's messages can run to pages of JSON over many lines.
    """
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
