"""Map tiles of a raster (XYZ, Web Mercator), its TileJSON, and the colormaps tiles can use."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ....geo.webmercator import TILE_SIZE, Tile
from ....models import Raster
from ....render.analysis import Analysis
from ....render.colormaps import (
    REVERSED_SUFFIX,
    colormap_legend_png,
    colormap_names,
    colormap_resolve,
)
from ....render.style import TileStyle
from ....render.tiles import (
    TileRequest,
    tile_check,
    tile_get,
    tilejson_build,
)
from ....timing import timing_header
from ...http import (
    cache_headers_set,
    etag_for,
    raster_get_ready,
    raster_info_get_ready,
    response_not_modified,
)
from ...params.analysis import ANALYSIS_PARAMETERS, analysis_parse
from ...params.tiles import (
    LEGEND_PARAMETERS,
    STYLE_PARAMETERS,
    TILE_FORMAT,
    TILE_PATH,
    TILESIZE,
    format_parse,
    legend_discrete_parse,
    legend_size_parse,
    style_parse,
    tile_size_parse,
)

TAGS = ["tiles"]


class TileApiView(APIView):
    """Errors are JSON whatever the client accepts; images bypass DRF's renderers."""

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        # An image client (Accept: image/png) must still get a readable JSON error, not a 406.
        return super().perform_content_negotiation(request, force=True)


class RasterTileApi(TileApiView):
    """One 256-pixel (or 512-pixel) Web Mercator tile of the raster, styled by the parameters."""

    def perform_authentication(self, request):
        # Lazily: a public raster's tile needs no user, and finding one costs a session query.
        pass

    @extend_schema(
        tags=TAGS,
        summary="XYZ tile (Web Mercator); transparent where there is no data",
        parameters=[*TILE_PATH, *STYLE_PARAMETERS, *ANALYSIS_PARAMETERS, TILESIZE],
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (200, "image/webp"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag)"),
            400: OpenApiResponse(description="Bad parameter, or z/x/y outside the grid"),
            404: OpenApiResponse(description="No such raster, or the tile is outside it"),
            409: OpenApiResponse(description="The raster is being ingested or failed"),
            503: OpenApiResponse(description="The raster's file cannot be read now"),
        },
    )
    def get(
        self, request: Request, raster_id: str, z: str, x: str, y: str, fmt: str, scale: str = ""
    ) -> HttpResponse:
        tile = _tile(z, x, y)
        size = tile_size_parse(request.query_params, scale)
        fmt = format_parse(fmt)
        info = raster_info_get_ready(raster_id, user=lambda: request.user)
        raster = info.raster
        style = _style(request, raster)
        analysis = _analysis(request, raster, style)
        tile_request = TileRequest(tile, size, fmt, style, analysis)
        tile_check(raster, tile_request)
        etag = etag_for(raster, tile_request.token())
        public = raster.visibility == Raster.Visibility.PUBLIC
        not_modified = response_not_modified(request, etag)
        if not_modified is not None:
            return cache_headers_set(not_modified, etag, public=public)
        rendered = tile_get(raster, tile_request, bands=info.bands)
        response = HttpResponse(rendered.content, content_type=rendered.content_type)
        response["X-Tile-Cache"] = "hit" if rendered.cached else "miss"
        response["Server-Timing"] = timing_header()  # db, open, read, render, encode, app
        return cache_headers_set(response, etag, public=public)


class RasterTileJsonApi(TileApiView):
    """TileJSON 3.0.0 for the raster, with the tile URL carrying the style parameters given."""

    @extend_schema(
        tags=TAGS,
        summary="TileJSON 3.0.0: tile URL template, bounds, zoom range",
        parameters=[
            *STYLE_PARAMETERS,
            *ANALYSIS_PARAMETERS,
            TILESIZE,
            TILE_FORMAT,
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, raster_id: str) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        fmt = format_parse(request.query_params.get("format") or "png", parameter="format")
        size = tile_size_parse(request.query_params, "")
        style = _style(request, raster)
        analysis = _analysis(request, raster, style)
        query = {**style.query(), **(analysis.query() if analysis is not None else {})}
        if size != TILE_SIZE:
            query["tilesize"] = str(size)
        base = reverse("raster-tilejson", kwargs={"raster_id": raster.pk}).rsplit("/", 1)[0]
        template = request.build_absolute_uri(f"{base}/tiles/") + "{z}/{x}/{y}." + fmt
        if query:
            template += "?" + urlencode(query, safe=",")
        return Response(tilejson_build(raster, tiles_url=template, size=size))


class ColormapListApi(APIView):
    """The colormap names `palette` accepts."""

    @extend_schema(tags=TAGS, summary="Colormap names", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        names = colormap_names()
        return Response(
            {
                "count": len(names),
                "colormaps": list(names),
                "reversed_suffix": REVERSED_SUFFIX,
                "legend": request.build_absolute_uri(reverse("colormap-list")) + "{name}.png",
            }
        )


class ColormapLegendApi(TileApiView):
    """A legend bar of one colormap: low values left (or at the bottom when taller than wide)."""

    @extend_schema(
        tags=TAGS,
        summary="Colormap legend bar (PNG)",
        parameters=LEGEND_PARAMETERS,
        responses={(200, "image/png"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, name: str) -> HttpResponse:
        name = colormap_resolve(name)
        width, height = legend_size_parse(request.query_params)
        discrete = legend_discrete_parse(request.query_params)
        png = colormap_legend_png(name, width=width, height=height, discrete=discrete)
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = f"public, max-age={settings.RASTERCATALOG_DATA_MAX_AGE}"
        return response


def _tile(z: str, x: str, y: str) -> Tile:
    return Tile.checked(int(z), int(x), int(y))


def _style(request: Request, raster: Raster) -> TileStyle:
    return style_parse(request.query_params, band_count=raster.band_count or 1)


def _analysis(request: Request, raster: Raster, style: TileStyle) -> Analysis | None:
    return analysis_parse(request.query_params, band_count=raster.band_count or 1, style=style)
