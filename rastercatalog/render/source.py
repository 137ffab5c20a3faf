"""The only module that imports large_image: catalog rows -> large-image GDAL tile sources.

Sources are opened from the GDAL path that `sources.py` builds from the catalog row (never from a
client string), after `reader.dataset_open` has checked the driver allow-list, because large-image
itself opens with every GDAL driver enabled. large-image keeps opened sources in its LRU cache
(keyed by path and options), so a source is opened once per process, not once per request.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
from collections.abc import Iterator

import large_image
import large_image_source_gdal
import numpy as np
from django.conf import settings
from large_image.cache_util import cachesClear
from large_image.constants import TILE_FORMAT_PIL
from large_image.exceptions import TileSourceError
from large_image.tilesource.utilities import isValidPalette
from osgeo import gdal
from PIL import Image

from ..catalog.reader import RasterRejected, dataset_open, gdal_env
from ..catalog.sources import SourceRefused, source_resolve
from ..errors import RasterFileUnavailable
from ..models import Raster
from ..timing import timed
from .memo import BoundedMemo
from .overview_reads import OverviewChoice
from .sampled_bounds import bounds_finite, bounds_from_samples

# Importing large-image sets Pillow's decompression-bomb limit to None (no limit): put Pillow's own
# default back, so a hostile PNG or JPEG that reaches Pillow still fails instead of eating memory.
PILLOW_MAX_IMAGE_PIXELS = 1024 * 1024 * 1024 // 4 // 3
Image.MAX_IMAGE_PIXELS = PILLOW_MAX_IMAGE_PIXELS
# In-process caches only: large-image otherwise probes for memcached on first use. Its cache of
# decoded tiles is kept small because rendered tiles live in the Django cache, already encoded.
# Both are bounded in count by settings (README, "Memory"); large-image would otherwise size them
# from the machine's memory, not from how many workers share it.
large_image.config.setConfig("cache_backend", "python")
large_image.config.setConfig(
    "cache_tileCache_maximum", settings.RASTERCATALOG_TILESOURCE_TILE_CACHE_SIZE
)

# A style that makes large-image return the warped bands as they are (plus the warp's alpha band):
# its default style would rescale non-byte data. `tilerender` colours these raw tiles itself.
RAW_STYLE = {"icc": False}

# Spherical Mercator centred on the antimeridian: EPSG:3857's grid shifted by half a world. A raster
# across 180 degrees is drawn in it, because large-image decides that a tile misses a raster from the
# raster's corners in the map projection, and in EPSG:3857 those lie at both ends of the world.
ANTIMERIDIAN_MERCATOR = "+proj=merc +lon_0=180 +a=6378137 +b=6378137 +x_0=0 +y_0=0 +k=1 +units=m"
WEB_MERCATOR_UNITS_PER_PIXEL = 2 * math.pi * 6378137 / 256

# Checksums whose files passed the driver allow-list in this process: vetting costs one open.
# Bounded, as a catalog may hold millions of rasters (a forgotten file is vetted again).
_vetted = BoundedMemo(settings.RASTERCATALOG_VETTED_SOURCES_MAX)
# GDAL path -> checksum of the bytes that large-image's cached sources for that path were opened on.
# Every open refreshes its path, so the paths of the (far fewer) cached sources are never forgotten.
_opened = BoundedMemo(settings.RASTERCATALOG_VETTED_SOURCES_MAX)
# "srs|path" -> the file's bounds in that projection, as its first source computed them. large-image
# computes them on every open through a new pyproj Transformer (~15 ms): a source reopened after the
# LRU dropped it (a mosaic tile reads dozens of rasters), or its unstyled twin, starts from these.
_bounds_known = BoundedMemo(settings.RASTERCATALOG_VETTED_SOURCES_MAX)


class CatalogGDALTileSource(large_image_source_gdal.GDALFileTileSource):
    """large-image's GDAL source, with sturdier bounds and overview blocks that stay cached.

    large-image bounds a raster by its four corners; a geostationary full disk's corners look past
    the Earth's limb, so they come out infinite and it cannot even count its zoom levels. Here such
    bounds come from a grid of sample points instead, keeping those that land on the Earth.
    """

    # Our own LRU of sources (`cachesClear` clears it too), sized by a setting: large-image's
    # "tilesource" cache takes its size from the machine's memory when its module is imported.
    cacheName = "catalog_tilesource"
    cacheMaxSize = settings.RASTERCATALOG_TILESOURCE_CACHE_SIZE

    @staticmethod
    def getLRUHash(*args, **kwargs):
        # One source, so one GDAL dataset, per thread: large-image holds a source's dataset lock
        # through each whole warp and read, so the threads of a gthread worker sharing a source
        # would render a raster's tiles one at a time, waits on remote byte ranges included.
        key = large_image_source_gdal.GDALFileTileSource.getLRUHash(*args, **kwargs)
        return f"{key},thread {threading.get_ident()}"

    def getBounds(self, srs=None):
        if srs is None or srs in self._bounds:
            return super().getBounds(srs)
        key = f"{srs}|{self.largeImagePath}"
        known = _bounds_known.get(key)
        if known is not None:
            self._bounds[srs] = copy.deepcopy(known)
            return self._bounds[srs]
        bounds = super().getBounds(srs)
        if bounds is not None and not bounds_finite(bounds):
            sampled = bounds_from_samples(self, srs)
            if sampled is not None:
                self._bounds[srs] = bounds = sampled
        _bounds_known.put(key, copy.deepcopy(bounds))
        return bounds

    def getTile(self, x, y, z, *args, **kwargs):
        # A tile drawn from an overview is warped from that overview opened once and kept, so its
        # decoded blocks outlive the tile: GDAL drops them with the wrapper it makes for each warp
        # (render/overview_reads.py). large-image takes the dataset from _getFrameDataset.
        self._tile_dataset = self._overview_dataset(x, y, z, frame=kwargs.get("frame"))
        try:
            return super().getTile(x, y, z, *args, **kwargs)
        finally:
            self._tile_dataset = None

    def _getFrameDataset(self, frame):
        tile_dataset = vars(self).get("_tile_dataset")
        return tile_dataset if tile_dataset is not None else super()._getFrameDataset(frame)

    def _overview_dataset(self, x: int, y: int, z: int, *, frame) -> gdal.Dataset | None:
        choice = vars(self).get("_overview_choice")
        if choice is None or frame:
            return None
        # The tile's bounds and resolution exactly as large-image's getTile computes them.
        resolution = (self.unitsAcrossLevel0 / self.tileSize) * (2**-z)
        level = choice.level(self.getTileCorners(z, x, y), resolution)
        return choice.dataset(level) if level is not None and level >= 0 else None


class MosaicGDALTileSource(CatalogGDALTileSource):
    """The same source in an LRU of its own, for mosaic tiles (render/mosaic_tiles.py).

    A mosaic tile reads up to RASTERCATALOG_MOSAIC_MAX_RASTERS rasters (two sources each: large-image
    keeps an unstyled twin), which would flush every single-raster source from the LRU above.
    """

    cacheName = "catalog_mosaic_tilesource"
    cacheMaxSize = settings.RASTERCATALOG_MOSAIC_SOURCE_CACHE_SIZE


@timed("open")
def tilesource_open(
    raster: Raster, *, projection: str | None = "EPSG:3857", mosaic: bool = False, **options
):
    """Return the (cached) large-image GDAL source for a ready catalog row (`mosaic`: its LRU)."""
    try:
        # Trusted: the URI passed the allow-lists when it was ingested.
        source = source_resolve(raster.uri, trusted=True)
    except SourceRefused as exc:  # e.g. a local file deleted since ingestion
        raise RasterFileUnavailable(str(exc)) from exc
    key = f"{raster.checksum_sha256}:{source.gdal_path}"
    if key not in _vetted:
        try:
            dataset_open(source)
        except RasterRejected as exc:
            raise RasterFileUnavailable(str(exc)) from exc
        _vetted.put(key, "ok")
    _forget_if_replaced(source.gdal_path, raster.checksum_sha256, remote=source.is_remote)
    try:
        # Remote: GDAL must not list the "directory" when large-image opens the file. (Local
        # files need no options, and entering rasterio's Env costs ~0.3 ms a request.)
        with gdal_env(source) if source.is_remote else contextlib.nullcontext():
            source_class = MosaicGDALTileSource if mosaic else CatalogGDALTileSource
            tilesource = source_class(source.gdal_path, projection=projection, **options)
    except TileSourceError as exc:
        raise RasterFileUnavailable(f"the raster cannot be opened: {exc}") from exc
    if projection and "_warpSRS" not in vars(tilesource):
        # large-image warps each tile from the source's PROJ.4 string, and building a transform
        # from PROJ.4 costs ~5 ms per tile; from the dataset's own WKT (exact) it costs next to
        # nothing.
        tilesource._warpSRS = (tilesource.dataset.GetProjection(), projection.lower())
    if projection and "_overview_choice" not in vars(tilesource):
        source_srs, tile_srs = tilesource._warpSRS
        tilesource._overview_choice = OverviewChoice(
            tilesource.dataset,
            source_srs=source_srs,
            tile_srs=tile_srs,
            open_level=lambda level: _overview_open(source, level),
        )
    return tilesource


def _overview_open(source, level: int) -> gdal.Dataset:
    try:
        return dataset_open(source, overview_level=level)
    except RasterRejected as exc:  # replaced or removed since the source was opened
        raise RasterFileUnavailable(str(exc)) from exc


def _forget_if_replaced(gdal_path: str, checksum: str, *, remote: bool) -> None:
    """Drop cached sources and remote byte caches opened on older bytes at the same path."""
    # large-image caches sources by path, so a file re-ingested with new bytes at the same URI
    # would otherwise keep being read through the handle (and blocks) of the old file.
    previous = _opened.get(gdal_path)
    if previous == checksum:
        return
    if previous is not None:
        cachesClear()
        _bounds_known.clear()
        if remote:
            gdal.VSICurlPartialClearCache(gdal_path)
    _opened.put(gdal_path, checksum)


def tilesource_tile(
    raster: Raster, *, z: int, x: int, y: int, style: dict | None = None, mosaic: bool = False
) -> np.ndarray:
    """Read one 256-pixel Web Mercator tile: raw bands and alpha (last), or uint8 RGBA if `style`.

    `mosaic`: for a mosaic tile, through the mosaic's own LRU of sources.
    """
    projection, x = _tile_projection(raster, z, x)
    source = tilesource_open(raster, style=RAW_STYLE, mosaic=mosaic, **projection)
    raw = _tile_get(source, z, x, y)
    # large-image logs a failed read and returns a blank one-band tile: refuse it here so an I/O
    # error is never mistaken for (and cached as) an empty tile.
    if raw.ndim != 3 or raw.shape[2] < 2:
        raise RasterFileUnavailable(
            f"tile {z}/{x}/{y} of raster {raster.pk} cannot be read from its file now"
        )
    if style is None:
        return raw
    styled = _tile_get(tilesource_open(raster, style=style, **projection), z, x, y)
    return _as_rgba(np.clip(styled, 0, 255).astype(np.uint8))


def _tile_projection(raster: Raster, z: int, x: int) -> tuple[dict, int]:
    """The projection options to read tile column x in, and the column's number in that grid."""
    crosses_antimeridian = raster.bbox_west is not None and raster.bbox_west > raster.bbox_east
    if not crosses_antimeridian or z == 0:
        return {}, x
    options = {"projection": ANTIMERIDIAN_MERCATOR, "unitsPerPixel": WEB_MERCATOR_UNITS_PER_PIXEL}
    return options, (x + 2 ** (z - 1)) % 2**z


@timed("read")
def _tile_get(tilesource, z: int, x: int, y: int) -> np.ndarray:
    try:
        tile = tilesource.getTile(x, y, z, numpyAllowed="always")
    except TileSourceError as exc:
        raise RasterFileUnavailable(f"tile {z}/{x}/{y} cannot be rendered: {exc}") from exc
    if not isinstance(tile, np.ndarray):
        # A tile large-image finds outside the raster comes back encoded, whatever was asked.
        return np.zeros((256, 256, 4), np.uint8)
    return tile


def _as_rgba(image: np.ndarray) -> np.ndarray:
    channels = image.shape[2]
    if channels == 4:
        return image
    opaque = np.full(image.shape[:2] + (1,), 255, np.uint8)
    if channels == 1:
        return np.concatenate([image, image, image, opaque], axis=2)
    if channels == 2:
        gray = image[:, :, :1]
        return np.concatenate([gray, gray, gray, image[:, :, 1:]], axis=2)
    return np.concatenate([image[:, :, :3], opaque], axis=2)


def style_palette_valid(palette: object) -> bool:
    """True when large-image can use `palette` (a name or a list of colours) in a style."""
    return isinstance(palette, str | list) and isValidPalette(palette)


def tilesource_metadata(raster: Raster, *, internal: bool = False) -> dict:
    """Return large-image's metadata in the raster's own pixel grid (`internal`: GDAL's details)."""
    source = tilesource_open(raster, projection=None)
    return dict(source.getInternalMetadata() if internal else source.getMetadata())


@contextlib.contextmanager
def tilesource_dataset(raster: Raster) -> Iterator[gdal.Dataset]:
    """Lend the cached source's GDAL dataset to a block, holding large-image's lock on it."""
    source = tilesource_open(raster, projection=None)
    # A GDAL dataset is not thread-safe: large-image serialises its own reads with this lock.
    with source._getDatasetLock:
        yield source.dataset


def tilesource_render(
    raster: Raster, *, left: int, top: int, right: int, bottom: int, width: int, height: int
) -> Image.Image:
    """Render base pixels [left, right) x [top, bottom) in the default style, fitted in width x height."""
    source = tilesource_open(raster, projection=None)
    region = {"left": left, "top": top, "right": right, "bottom": bottom, "units": "base_pixels"}
    try:
        image, _ = source.getRegion(
            region=region, output={"maxWidth": width, "maxHeight": height}, format=TILE_FORMAT_PIL
        )
    except TileSourceError as exc:
        raise RasterFileUnavailable(f"the raster cannot be rendered: {exc}") from exc
    return image
