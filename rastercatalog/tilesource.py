"""The only module that imports large_image: catalog rows -> large-image GDAL tile sources.

Sources are opened from the GDAL path that `sources.py` builds from the catalog row (never from a
client string), after `reader.dataset_open` has checked the driver allow-list, because large-image
itself opens with every GDAL driver enabled. large-image keeps opened sources in its LRU cache
(keyed by path and options), so a source is opened once per process, not once per request.
"""

from __future__ import annotations

import threading

import large_image_source_gdal
from large_image.exceptions import TileSourceError

from .models import Raster
from .reader import RasterRejected, dataset_open
from .sources import source_resolve

# Checksums whose files passed the driver allow-list in this process: vetting costs one open.
_vetted: set[str] = set()
_vetted_lock = threading.Lock()


class TileSourceUnavailable(RuntimeError):
    """The raster's file cannot be opened for reading now; the message says why."""


def tilesource_open(raster: Raster, *, projection: str | None = "EPSG:3857", **options):
    """Return the (cached) large-image GDAL source for a ready catalog row."""
    source = source_resolve(raster.uri, trusted=True)  # the URI passed the allow-lists at ingest
    key = f"{raster.checksum_sha256}:{source.gdal_path}"
    if key not in _vetted:
        try:
            dataset_open(source)
        except RasterRejected as exc:
            raise TileSourceUnavailable(str(exc)) from exc
        with _vetted_lock:
            _vetted.add(key)
    try:
        return large_image_source_gdal.open(source.gdal_path, projection=projection, **options)
    except TileSourceError as exc:
        raise TileSourceUnavailable(f"the raster cannot be opened: {exc}") from exc
