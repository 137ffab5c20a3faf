"""A search as one layer: mosaic tiles, their TileJSON, and the time series at a point."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ...errors import AnalysisInvalid, MosaicTooManyRasters
from ...geo.webmercator import TILE_SIZE, Tile
from ...render.mosaic_point import point_series
from ...render.mosaic_tiles import mosaic_tile_get, mosaic_tilejson
from ...render.tiles import TileRequest
from ...search.mosaic import mosaic_extent, mosaic_rasters_at
from ...timing import timing_header
from ..data.views.tiles import TileApiView
from ..http import cache_headers_set, response_not_modified
from ..params.mosaic import (
    METHOD,
    MOSAIC_ANALYSIS_PARAMETERS,
    MOSAIC_STYLE_PARAMETERS,
    POINT_ANALYSIS_PARAMETERS,
    POINT_PARAMETERS,
    SEARCH_PARAMETERS,
    method_parse,
    mosaic_analysis_parse,
    mosaic_search_parse,
    mosaic_style_parse,
    point_analysis_parse,
    point_parse,
)
from ..params.tiles import TILE_FORMAT, TILE_PATH, TILESIZE, format_parse, tile_size_parse
from .plan import mosaic_tile_plan

TAGS = ["mosaic"]
MOSAIC_TILE_PATH = [parameter for parameter in TILE_PATH if parameter.name != "raster_id"]
TOO_MANY = OpenApiResponse(
    description="More rasters than a tile (RASTERCATALOG_MOSAIC_MAX_RASTERS) or a point "
    "(RASTERCATALOG_MOSAIC_POINT_MAX_RASTERS) may read, and no overview draws it: the message "
    "says what to do (zoom in, narrow the search, ask for one collection)"
)


class MosaicTileApi(TileApiView):
    """One Web Mercator tile of every raster the search matches, combined by `method`."""

    @extend_schema(
        tags=TAGS,
        summary="XYZ tile of a search drawn as one layer (Web Mercator)",
        parameters=[
            *MOSAIC_TILE_PATH,
            *SEARCH_PARAMETERS,
            METHOD,
            *MOSAIC_STYLE_PARAMETERS,
            *MOSAIC_ANALYSIS_PARAMETERS,
            TILESIZE,
        ],
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/webp"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
            400: OpenApiResponse(description="Bad parameter, or z/x/y outside the grid"),
            422: TOO_MANY,
            503: OpenApiResponse(description="A raster's file cannot be read now"),
        },
    )
    def get(
        self, request: Request, z: str, x: str, y: str, fmt: str, scale: str = ""
    ) -> HttpResponse:
        tile = Tile.checked(int(z), int(x), int(y))
        size = tile_size_parse(request.query_params, scale)
        fmt = format_parse(fmt)
        search = mosaic_search_parse(request.query_params)
        method = method_parse(request.query_params)
        style = mosaic_style_parse(request.query_params)
        analysis = mosaic_analysis_parse(request.query_params, style=style, method=method)
        tile_request = TileRequest(tile, size, fmt, style, analysis)
        plan = mosaic_tile_plan(search, tile_request, method=method, user=request.user)
        etag = plan.etag(tile_request, method)
        not_modified = response_not_modified(request, etag)
        if not_modified is not None:
            return cache_headers_set(not_modified, etag, public=plan.public)
        rendered = mosaic_tile_get(
            plan.rasters,
            tile_request,
            method=method,
            bands=plan.bands,
            paint=plan.paint,
            version=plan.version,
            check_zooms=plan.source == "rasters",
            band_nodata=plan.band_nodata,
        )
        response = HttpResponse(rendered.content, content_type=rendered.content_type)
        response["X-Tile-Cache"] = "hit" if rendered.cached else "miss"
        response["X-Mosaic-Source"] = plan.source  # rasters, overview or empty
        response["X-Mosaic-Rasters"] = str(plan.matched)
        response["Server-Timing"] = timing_header()
        return cache_headers_set(response, etag, public=plan.public)


class MosaicTileJsonApi(TileApiView):
    """TileJSON 3.0.0 of the search as one layer: the tile URL carries the search and the style."""

    @extend_schema(
        tags=TAGS,
        summary="TileJSON 3.0.0 of a search drawn as one layer",
        parameters=[
            *SEARCH_PARAMETERS,
            METHOD,
            *MOSAIC_STYLE_PARAMETERS,
            *MOSAIC_ANALYSIS_PARAMETERS,
            TILESIZE,
            TILE_FORMAT,
        ],
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiResponse(description="Bad parameter")},
    )
    def get(self, request: Request) -> Response:
        search = mosaic_search_parse(request.query_params)
        method = method_parse(request.query_params)
        style = mosaic_style_parse(request.query_params)
        analysis = mosaic_analysis_parse(request.query_params, style=style, method=method)
        fmt = format_parse(request.query_params.get("format") or "png", parameter="format")
        size = tile_size_parse(request.query_params, "")
        query = {**search.params, **style.query()}
        if analysis is not None:
            query.update(analysis.query())
        if method != "first":
            query["method"] = method
        if size != TILE_SIZE:
            query["tilesize"] = str(size)
        base = reverse("mosaic-tilejson").rsplit("/", 1)[0]
        template = request.build_absolute_uri(f"{base}/tiles/") + "{z}/{x}/{y}." + fmt
        if query:
            template += "?" + urlencode(query, safe=",")
        extent = mosaic_extent(search.query, user=request.user)
        _check_bands(analysis, style, most=extent.max_band_count)
        body = mosaic_tilejson(
            tiles_url=template,
            count=extent.count,
            bbox=extent.bbox,
            finest_resolution_m=extent.finest_resolution_m,
            size=size,
        )
        return Response(body)


class MosaicPointApi(TileApiView):
    """Every matching raster's values at a point, oldest acquisition first: the time series."""

    @extend_schema(
        tags=TAGS,
        summary="Values of every raster of a search at a point (time series), as JSON or CSV",
        parameters=[*POINT_PARAMETERS, *SEARCH_PARAMETERS, *POINT_ANALYSIS_PARAMETERS],
        responses={
            200: OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            400: OpenApiResponse(description="Bad parameter"),
            422: TOO_MANY,
            503: OpenApiResponse(description="A raster's file cannot be read now"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        lon, lat, fmt = point_parse(request.query_params)
        search = mosaic_search_parse(request.query_params)
        analysis, band = point_analysis_parse(request.query_params)
        limit = settings.RASTERCATALOG_MOSAIC_POINT_MAX_RASTERS
        rasters = mosaic_rasters_at(
            search.query, user=request.user, lon=lon, lat=lat, limit=limit + 1
        )
        if len(rasters) > limit:
            raise MosaicTooManyRasters(
                f"the point ({lon}, {lat}) lies on more than the {limit:,} rasters a time series "
                "may read: narrow the search (datetime, collection, ...)",
                count=len(rasters),
                limit=limit,
            )
        series = point_series(rasters, lon=lon, lat=lat, analysis=analysis, band=band)
        if fmt == "csv":
            content = _csv(series, analysis=analysis is not None)
            response = HttpResponse(content, content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'inline; filename="timeseries.csv"'
            return response
        body = {"lon": lon, "lat": lat}
        if analysis is not None and analysis.expression is not None:
            body["expression"] = analysis.expression.text
        elif analysis is not None:
            body.update(algorithm=analysis.algorithm, band=band)
        return Response({**body, "values": series})


def _csv(series: list[dict], *, analysis: bool = False) -> str:
    """raster,name,acquired_at,b1,b2,... (,value with an analysis) then a row per raster (empty
    where null)."""
    width = max((len(entry["values"]) for entry in series), default=1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = ["raster", "name", "acquired_at", *(f"b{i}" for i in range(1, width + 1))]
    writer.writerow(header + (["value"] if analysis else []))
    for entry in series:
        values = [entry["values"][i] if i < len(entry["values"]) else None for i in range(width)]
        if analysis:
            values.append(entry["value"])
        cells = ["" if value is None else value for value in values]
        writer.writerow([entry["raster"], entry["name"], _instant(entry["acquired_at"]), *cells])
    return out.getvalue()


def _check_bands(analysis, style, *, most: int | None) -> None:
    """A 400 when no raster of the search has a band the analysis reads (None: no rasters)."""
    if analysis is None or most is None:
        return
    if analysis.expression is not None:
        needed, what = max(analysis.expression.bands), "expression reads band b"
    else:
        needed, what = (style.bands or (1,))[0], "band "
    if needed > most:
        raise AnalysisInvalid(
            f"parameter {what}{needed}, and the rasters of this search have at most {most} "
            "band(s) (a raster without it takes no part)"
        )


def _instant(value: datetime | None) -> str:
    return "" if value is None else value.isoformat().replace("+00:00", "Z")
