"""Tiles of catalogued rasters: render through large-image, keep in the Django cache, describe.

A rendered tile is cached under the raster's checksum plus the normalised request, so a file
re-ingested with new bytes gets new keys (and new ETags) and its old tiles are never served.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings

from ..geo.webmercator import TILE_SIZE, Tile, tile_check_covers, zoom_range
from ..metrics import tile_cache_count
from ..models import Band, Raster
from .analysis import Analysis
from .analysis_tiles import analysis_tile
from .cache import cache_get_or_render
from .encode import image_encode, media_type
from .paint import paint_apply, paint_resolve, tiles_mosaic
from .rasterinfo import BAND_FIELDS
from .source import tilesource_tile
from .style import TileStyle

TILE_SIZES = (TILE_SIZE, 2 * TILE_SIZE)
# Bump when the rendering changes, so caches filled by an older version are not served.
RENDER_VERSION = 1


@dataclass(frozen=True)
class TileRequest:
    """One tile as a client asked for it: where, how big, which format, which style."""

    tile: Tile
    size: int
    fmt: str
    style: TileStyle
    analysis: Analysis | None = None  # band math or a terrain algorithm, coloured by `style`

    @property
    def drawn_zoom(self) -> int:
        """The zoom whose resolution the tile is drawn at (a 512-pixel tile has z+1's pixels)."""
        return self.tile.z + (1 if self.size == 2 * TILE_SIZE else 0)

    def token(self) -> str:
        """Everything that decides the tile's bytes besides the raster, as one stable string."""
        token = f"v{RENDER_VERSION}/{self.tile}@{self.size}.{self.fmt}?{self.style.cache_token()}"
        return token if self.analysis is None else f"{token}&{self.analysis.cache_token()}"


@dataclass(frozen=True)
class RenderedTile:
    content: bytes
    content_type: str
    cached: bool
    render_ms: float | None  # None when it came from the cache


def tile_check(raster: Raster, request: TileRequest) -> None:
    """Raise TileNotFound if the tile is beyond the raster's zooms or outside it (no file read)."""
    tile_check_covers(raster, request.tile, zoom=request.drawn_zoom)


def tile_get(
    raster: Raster, request: TileRequest, *, bands: Sequence[Band] | None = None
) -> RenderedTile:
    """Return the tile from the cache, or render it once (concurrent identical misses wait).

    `bands`: the raster's bands with their statistics, when the caller has them already.
    """
    digest = hashlib.sha256(request.token().encode()).hexdigest()[:40]
    return tile_cached(
        f"tile:{raster.checksum_sha256}:{digest}",
        request.fmt,
        lambda: tile_render(raster, request, bands=bands),
    )


def tile_cached(key: str, fmt: str, render: Callable[[], bytes]) -> RenderedTile:
    """Return the tile cached under `key`, or `render` it once, timed (identical misses wait)."""
    timings: list[float] = []

    def timed_render() -> bytes:
        started = time.perf_counter()
        content = render()
        timings.append((time.perf_counter() - started) * 1000)
        return content

    content, cached = cache_get_or_render(
        key, timed_render, timeout=settings.RASTERCATALOG_TILE_CACHE_TIMEOUT
    )
    tile_cache_count(hit=cached)
    return RenderedTile(content, media_type(fmt), cached, timings[0] if timings else None)


def tile_render(
    raster: Raster, request: TileRequest, *, bands: Sequence[Band] | None = None
) -> bytes:
    """Read the tile through large-image, colour it, encode it (no cache)."""
    if bands is None:
        bands = list(raster.bands.only(*BAND_FIELDS))
    if request.analysis is not None:
        image = analysis_tile(
            raster,
            tile=request.tile,
            size=request.size,
            style=request.style,
            analysis=request.analysis,
            bands=bands,
        )
        return image_encode(image, request.fmt)
    style = request.style.style or _colour_table_style(request.style, raster, bands)
    tiles = request.tile.children() if request.size == 2 * TILE_SIZE else [request.tile]
    reads = [tilesource_tile(raster, z=t.z, x=t.x, y=t.y, style=style) for t in tiles]
    raw = reads[0] if len(reads) == 1 else tiles_mosaic(reads)
    if style is None:
        raw = paint_apply(raw, paint_resolve(request.style, dtype=raster.dtype, bands=bands))
    return image_encode(raw, request.fmt)


def _colour_table_style(style: TileStyle, raster: Raster, bands: Sequence[Band]) -> dict | None:
    """A single paletted band asked for with no style of its own is drawn with its colour table."""
    if style != TileStyle() or len(bands) != 1 or bands[0].color_interpretation != "palette":
        return None
    # A GeoTIFF colour table has one entry per value of the type: 256 for Byte, 65536 for UInt16.
    entries = 256 if raster.dtype == "Byte" else 65536
    return {"band": 1, "palette": "colortable", "scheme": "discrete", "min": 0, "max": entries}


def tilejson_build(
    raster: Raster, *, tiles_url: str, size: int = TILE_SIZE, name: str | None = None
) -> dict:
    """TileJSON 3.0.0 for the raster: `tiles_url` is the template, with its query already in it."""
    zooms = zoom_range(raster)
    # A 512-pixel tile at zoom z has the pixels of zoom z + 1.
    shift = 1 if size == 2 * TILE_SIZE else 0
    minzoom = max(0, zooms.minzoom - shift)
    maxzoom = max(minzoom, zooms.native - shift)
    west, south, east, north = raster.bbox
    span = (east - west) % 360.0 or (360.0 if east != west else 0.0)
    centre_lon = (west + span / 2 + 180.0) % 360.0 - 180.0
    return {
        "tilejson": "3.0.0",
        "name": name or raster.name,
        "description": f"Raster {raster.pk} of the catalog, as Web Mercator tiles",
        "version": f"{RENDER_VERSION}.0.0",
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": minzoom,
        "maxzoom": maxzoom,
        # West > east when the raster crosses the antimeridian, as in the catalog and in STAC.
        "bounds": [west, south, east, north],
        "center": [
            round(centre_lon, 7),
            round((south + north) / 2, 7),
            _centre_zoom(minzoom, maxzoom),
        ],
    }


def _centre_zoom(minzoom: int, maxzoom: int) -> int:
    return max(minzoom, min(maxzoom, math.ceil((minzoom + maxzoom) / 2)))
