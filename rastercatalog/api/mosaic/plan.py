"""What a mosaic request reads: the rasters or the collection's overview, the paint, the ETag.

The search selects the rasters (search/mosaic.py); the cap (RASTERCATALOG_MOSAIC_MAX_RASTERS) decides
between reading them, reading the collection's overview, and a 422 that says what to do. Band math
and terrain (render/mosaic_analysis.py) read the bands they name.

Each process remembers for RASTERCATALOG_RASTER_INFO_TTL seconds (0: not at all), as
render/rasterinfo.py does for single rasters: per tile, scope, search and cap, the rasters the
search matched (shared row copies, no geometry: a pointer each); per scope and search, whatever
paint needs from the whole search (the widest band statistics, the raster count, an expression's
range); per collection, its overview. So a warm worker plans a tile, serves it from the tile cache
or answers If-None-Match without a query, and a raster ingested, deleted, re-ingested or hidden
reaches its tiles within the TTL. The scope (public, staff, user:<pk>) is in every key: a private
raster is remembered only for those who may see it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings

from ...errors import AnalysisInvalid, MosaicTooManyRasters, StyleInvalid
from ...models import Raster
from ...render.analysis import Analysis
from ...render.mosaic_analysis import EXPRESSION_RANGE_RASTERS, expression_range_over
from ...render.mosaic_tiles import mosaic_bands, mosaic_paint
from ...render.paint import Paint
from ...render.tiles import TileRequest
from ...search.mosaic import (
    mosaic_band_envelopes,
    mosaic_band_nodata,
    mosaic_count,
    mosaic_extent,
    mosaic_rasters,
    mosaic_top_rasters,
    overview_as_raster,
    overview_ready,
)
from ..params.mosaic import MosaicSearch

T = TypeVar("T")
MEMO_ENTRIES = 1024
# The footprint is traced on the statistics level: a pixel of slack finds rasters whose edge
# pixels reach into the tile although their simplified outline stops short of it.
TILE_MARGIN = 1 / 256


@dataclass(frozen=True)
class TilePlan:
    """The rasters a mosaic tile reads (top first), how it is painted, and its validators."""

    rasters: Sequence[Raster]
    bands: tuple[int, ...]
    paint: Paint | None  # None: no raster, a blank tile
    version: str
    public: bool
    source: str  # "rasters", "overview" or "empty"
    matched: int  # rasters the search has on this tile (at most the cap + 1)
    band_nodata: dict[int, dict[int, float | None]] = field(default_factory=dict)  # band math

    def etag(self, request: TileRequest, method: str) -> str:
        text = "|".join([request.token(), method, repr(self.bands), repr(self.paint), self.version])
        return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def mosaic_tile_plan(
    search: MosaicSearch, request: TileRequest, *, method: str, user: Any
) -> TilePlan:
    """Plan the tile: raise MosaicTooManyRasters when it can be drawn neither way."""
    limit = settings.RASTERCATALOG_MOSAIC_MAX_RASTERS
    bounds = _bounds(request)
    found = _remembered(
        f"tile|{_scope(user)}|{limit}|{request.tile}|{search.token()}",
        lambda: mosaic_rasters(search.query, user=user, bounds=bounds, limit=limit + 1),
    )
    rasters = found.rasters
    if len(rasters) > limit:
        return _overview_plan(search, request, method=method, user=user, bounds=bounds)
    if not rasters:
        return TilePlan((), (), None, "empty", True, "empty", 0)
    all_byte = all(raster.dtype == "Byte" for raster in rasters)
    bands = _bands(request, rasters, all_byte=all_byte, where="the rasters of this tile")
    paint = _paint(search, request, method=method, user=user, bands=bands, all_byte=all_byte)
    expression = request.analysis.expression if request.analysis is not None else None
    nodata = mosaic_band_nodata(rasters) if expression is not None else {}
    return TilePlan(
        rasters, bands, paint, found.version, found.public, "rasters", len(rasters), nodata
    )


def _bounds(request: TileRequest) -> tuple[float, float, float, float]:
    west, south, east, north = request.tile.bounds
    pad_x, pad_y = (east - west) * TILE_MARGIN, (north - south) * TILE_MARGIN
    return max(-180.0, west - pad_x), south - pad_y, min(180.0, east + pad_x), north + pad_y


def _bands(
    request: TileRequest, rasters: Sequence[Raster], *, all_byte: bool, where: str
) -> tuple[int, ...]:
    """The bands drawn, or read by the analysis; a 400 when no raster of the tile has them.

    A raster without one of them takes no part; `where` names the rasters in the message.
    """
    counts = [raster.band_count or 1 for raster in rasters]
    analysis = request.analysis
    if analysis is not None and analysis.expression is not None:
        bands = analysis.expression.bands
        if max(bands) > max(counts):
            raise AnalysisInvalid(
                f"parameter expression reads band b{max(bands)}, and {where} have at most "
                f"{max(counts)} band(s) (a raster without a band the expression reads takes "
                "no part)"
            )
        return bands
    if analysis is not None:  # an algorithm reads one band: `band`, else band 1
        bands = (request.style.bands or (1,))[:1]
    else:
        bands = mosaic_bands(request.style, band_count=min(counts), all_byte=all_byte)
    if max(bands) > max(counts):
        raise StyleInvalid(
            f"parameter band: band {max(bands)} is out of range: {where} have at most "
            f"{max(counts)} band(s)"
        )
    return bands


def _paint(
    search: MosaicSearch,
    request: TileRequest,
    *,
    method: str,
    user: Any,
    bands: tuple[int, ...],
    all_byte: bool,
) -> Paint:
    style = request.style
    statistics, count = None, None
    scope = _scope(user)
    analysis = request.analysis
    if analysis is not None and method != "count":
        return mosaic_paint(
            style,
            bands=bands,
            method=method,
            all_byte=all_byte,
            analysis=analysis,
            expression_range=_expression_range(search, analysis, user=user),
        )
    if method == "count":
        if not style.maximum:
            key = f"count|{scope}|{search.token()}"
            count = _remembered(key, lambda: mosaic_extent(search.query, user=user).count)
    elif (style.stretch or not all_byte) and not (style.minimum and style.maximum):
        key = f"bands|{scope}|{bands}|{search.token()}"
        statistics = _remembered(
            key, lambda: mosaic_band_envelopes(search.query, user=user, bands=bands)
        )
    return mosaic_paint(
        style, bands=bands, method=method, all_byte=all_byte, statistics=statistics, count=count
    )


def _expression_range(
    search: MosaicSearch, analysis: Analysis, *, user: Any
) -> Callable[[str], tuple[float, float]] | None:
    """An expression's default colour range over the search: the widest of the own ranges of its
    top EXPRESSION_RANGE_RASTERS rasters (in `first`'s order), remembered per search."""
    expression = analysis.expression
    if expression is None:
        return None

    def compute(stretch: str) -> tuple[float, float]:
        rasters = mosaic_top_rasters(
            search.query,
            user=user,
            band_count=max(expression.bands),
            limit=EXPRESSION_RANGE_RASTERS,
        )
        return expression_range_over(rasters, expression, stretch=stretch)

    def stretched(stretch: str) -> tuple[float, float]:
        key = f"expression|{_scope(user)}|{stretch}|{expression.text}|{search.token()}"
        return _remembered(key, lambda: compute(stretch))

    return stretched


def _overview_plan(
    search: MosaicSearch,
    request: TileRequest,
    *,
    method: str,
    user: Any,
    bounds: tuple[float, float, float, float],
) -> TilePlan:
    limit = settings.RASTERCATALOG_MOSAIC_MAX_RASTERS
    overview = None
    if search.collection is not None and method == "first":
        overview = _remembered(
            f"overview|{search.collection}",
            lambda: overview_ready(collection_slug=search.collection),
        )
    if overview is None or request.drawn_zoom > (overview.zoom or 0):
        count = mosaic_count(search.query, user=user, bounds=bounds)
        raise MosaicTooManyRasters(
            _too_many(search, request, method, count, limit, overview),
            count=count,
            limit=limit,
        )
    stand_in = overview_as_raster(overview)
    all_byte = overview.dtype == "Byte"
    where = f"the overview of collection {search.collection} that draws this zoom and its rasters"
    bands = _bands(request, [stand_in], all_byte=all_byte, where=where)
    paint = _paint(search, request, method=method, user=user, bands=bands, all_byte=all_byte)
    return TilePlan(
        (stand_in,), bands, paint, f"overview-{overview.version}", True, "overview", limit + 1
    )


def _too_many(
    search: MosaicSearch, request: TileRequest, method: str, count: int, limit: int, overview
) -> str:
    start = (
        f"tile {request.tile} touches {count:,} rasters, more than the {limit:,} a tile may read"
    )
    if search.collection is None:
        return (
            f"{start}: zoom in, narrow the search, or ask for one collection and nothing else "
            "(collection=<slug>): low zooms of a collection are drawn from its overview"
        )
    if method != "first":
        return (
            f"{start}: zoom in, narrow the search, or use method=first (overviews are drawn first)"
        )
    if overview is None:
        return (
            f"{start}: the overview of collection {search.collection} that draws its low zooms "
            "is not built yet (the worker builds it after a change): zoom in meanwhile"
        )
    return (
        f"{start}: the overview of collection {search.collection} draws zooms up to "
        f"{overview.zoom}: zoom in further, or narrow the search"
    )


def _scope(user: Any) -> str:
    """Who the memo's answers are for: what a reader may see decides them."""
    if user is None or not user.is_authenticated:
        return "public"
    return "staff" if user.is_staff else f"user:{user.pk}"


_memo: dict[str, tuple[float, Any]] = {}
_memo_lock = threading.Lock()


def _remembered(key: str, compute: Callable[[], T]) -> T:
    """compute(), or its value from the last RASTERCATALOG_RASTER_INFO_TTL seconds."""
    ttl = settings.RASTERCATALOG_RASTER_INFO_TTL
    now = time.monotonic()
    held = _memo.get(key)
    if held is not None and now - held[0] < ttl:
        return held[1]
    value = compute()
    if ttl > 0:
        with _memo_lock:
            _memo.pop(key, None)  # re-inserted last: the dict's order is the computing order
            _memo[key] = (now, value)
            # Expired entries go too: a tile's entry holds its rows (which the row memo may
            # have dropped since), and is of no use after the TTL.
            while len(_memo) > MEMO_ENTRIES or now - next(iter(_memo.values()))[0] >= ttl:
                del _memo[next(iter(_memo))]
    return value


def plan_memo_forget() -> None:
    """Forget every remembered plan, so the next tile reads the database."""
    with _memo_lock:
        _memo.clear()
