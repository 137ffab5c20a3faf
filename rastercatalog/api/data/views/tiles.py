"""Map tiles of a raster (XYZ, Web Mercator), its TileJSON, and the colormaps tiles can use."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ....geo.webmercator import TILE_SIZE, Tile
from ....models import Raster
from ....render.colormaps import (
    REVERSED_SUFFIX,
    colormap_legend_png,
    colormap_names,
    colormap_resolve,
)
from ....render.encode import FORMATS
from ....render.style import TileStyle, style_from_query
from ....render.tiles import (
    TILE_SIZES,
    TileRequest,
    tile_check,
    tile_get,
    tilejson_build,
)
from ...http import (
    ParameterInvalid,
    cache_headers_set,
    etag_for,
    raster_get_ready,
    raster_info_get_ready,
    response_not_modified,
)

TAGS = ["tiles"]
FORMAT_ALIASES = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}
STYLE_PARAMETERS = [
    OpenApiParameter("band", str, description="1-based band, or three for RGB: `3,2,1`"),
    OpenApiParameter("min", str, description="Value drawn darkest: one, or one per band"),
    OpenApiParameter("max", str, description="Value drawn brightest: one, or one per band"),
    OpenApiParameter(
        "stretch",
        str,
        enum=["p2p98", "minmax"],
        description="min/max from the statistics stored at ingest (2nd-98th percentile, or the "
        "extremes). Default: 0-255 for byte rasters, minmax otherwise.",
    ),
    OpenApiParameter(
        "palette",
        str,
        description="Colormap for one band (see /api/colormaps/); add _r to reverse it",
    ),
    OpenApiParameter("nodata", str, description="A value drawn transparent (besides the file's)"),
    OpenApiParameter("scheme", str, enum=["linear", "discrete"], description="Palette scheme"),
    OpenApiParameter(
        "style",
        str,
        description='A large-image style object as JSON, e.g. {"bands": [{"band": 1, '
        '"palette": "viridis", "min": 0, "max": 100}]}; not combined with the parameters above',
    ),
]
TILESIZE = OpenApiParameter("tilesize", int, enum=[256, 512], description="Tile size in pixels")
TILE_PATH = [
    OpenApiParameter("raster_id", int, OpenApiParameter.PATH),
    OpenApiParameter("z", int, OpenApiParameter.PATH, description="Zoom, 0-30"),
    OpenApiParameter(
        "x", int, OpenApiParameter.PATH, description="Column, 0 to 2^z-1, from the west"
    ),
    OpenApiParameter(
        "y", int, OpenApiParameter.PATH, description="Row, 0 to 2^z-1, from the north"
    ),
    OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["png", "jpg", "webp"]),
]


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
        parameters=[*TILE_PATH, *STYLE_PARAMETERS, TILESIZE],
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
        started = time.perf_counter()
        tile = _tile(z, x, y)
        size = _tile_size(request, scale)
        fmt = _format(fmt)
        info = raster_info_get_ready(raster_id, user=lambda: request.user)
        raster = info.raster
        tile_request = TileRequest(tile, size, fmt, _style(request, raster))
        tile_check(raster, tile_request)
        etag = etag_for(raster, tile_request.token())
        public = raster.visibility == Raster.Visibility.PUBLIC
        not_modified = response_not_modified(request, etag)
        if not_modified is not None:
            return cache_headers_set(not_modified, etag, public=public)
        rendered = tile_get(raster, tile_request, bands=info.bands)
        response = HttpResponse(rendered.content, content_type=rendered.content_type)
        response["X-Tile-Cache"] = "hit" if rendered.cached else "miss"
        timing = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        if rendered.render_ms is not None:
            timing += f", render;dur={rendered.render_ms:.2f}"
        response["Server-Timing"] = timing
        return cache_headers_set(response, etag, public=public)


class RasterTileJsonApi(TileApiView):
    """TileJSON 3.0.0 for the raster, with the tile URL carrying the style parameters given."""

    @extend_schema(
        tags=TAGS,
        summary="TileJSON 3.0.0: tile URL template, bounds, zoom range",
        parameters=[
            *STYLE_PARAMETERS,
            TILESIZE,
            OpenApiParameter("format", str, enum=list(FORMATS), description="Tile format (png)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, raster_id: str) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        fmt = _format(request.query_params.get("format") or "png", parameter="format")
        size = _tile_size(request, "")
        query = _style(request, raster).query()
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
        parameters=[
            OpenApiParameter("width", int, description="Pixels, 1-1024 (default 256)"),
            OpenApiParameter("height", int, description="Pixels, 1-1024 (default 16)"),
            OpenApiParameter("scheme", str, enum=["linear", "discrete"]),
        ],
        responses={(200, "image/png"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, name: str) -> HttpResponse:
        name = colormap_resolve(name)
        width = _int_param(request, "width", 256, 1, 1024)
        height = _int_param(request, "height", 16, 1, 1024)
        scheme = request.query_params.get("scheme", "linear")
        if scheme not in ("linear", "discrete"):
            raise ParameterInvalid(f"parameter scheme={scheme!r} is invalid: linear or discrete")
        png = colormap_legend_png(name, width=width, height=height, discrete=scheme == "discrete")
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = f"public, max-age={settings.RASTERCATALOG_DATA_MAX_AGE}"
        return response


def _tile(z: str, x: str, y: str) -> Tile:
    return Tile.checked(int(z), int(x), int(y))


def _tile_size(request: Request, scale: str) -> int:
    text = request.query_params.get("tilesize", "").strip()
    size = 2 * TILE_SIZE if scale == "@2x" else TILE_SIZE
    if text:
        if text not in {str(s) for s in TILE_SIZES}:
            raise ParameterInvalid(f"parameter tilesize={text!r} is invalid: 256 or 512")
        if scale and int(text) != size:
            raise ParameterInvalid("parameter tilesize contradicts the @2x suffix: use one")
        size = int(text)
    return size


def _format(fmt: str, *, parameter: str = "") -> str:
    normalised = FORMAT_ALIASES.get(fmt.lower())
    if normalised is None:
        what = f"parameter {parameter}={fmt!r}" if parameter else f"format .{fmt}"
        raise ParameterInvalid(f"{what} is not supported: use png, jpg or webp")
    return normalised


def _style(request: Request, raster: Raster) -> TileStyle:
    return style_from_query(request.query_params, band_count=raster.band_count or 1)


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    text = request.query_params.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise ParameterInvalid(f"parameter {name}={text!r} is invalid: a whole number {low}-{high}")
    return int(text)
