"""OGC tiles for desktop GIS and web maps: WMTS capabilities and OGC API Tiles, per raster.

Both describe the raster's existing XYZ tiles (WebMercatorQuad), so QGIS ("add WMTS layer" with the
capabilities URL), OpenLayers (WMTS or OGCMapTile sources) and OWSLib read them from one URL.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ...geo.webmercator import zoom_range
from ...models import Raster
from ..data.views.tiles import TileApiView
from ..http import raster_get_ready
from ..links import api_root
from ..params.tiles import STYLE_PARAMETERS, TILE_FORMAT, format_parse, style_parse
from .tilematrix import (
    TMS_CRS,
    TMS_ID,
    TMS_URI,
    tile_limits,
    tile_matrix_set_document,
)
from .wmts import wmts_capabilities

TAGS = ["ogc tiles"]
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
RASTER_ID = OpenApiParameter("raster_id", int, OpenApiParameter.PATH)
TMS_PATH = OpenApiParameter("tms_id", str, OpenApiParameter.PATH, enum=[TMS_ID])
ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Bad style parameter"),
    404: OpenApiResponse(OpenApiTypes.OBJECT, description="No such raster or tile matrix set"),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="The raster is being ingested or failed"),
}
WMTS_KVP = [
    OpenApiParameter("SERVICE", str, enum=["WMTS"], description="KVP form (QGIS, OWSLib)"),
    OpenApiParameter("REQUEST", str, enum=["GetCapabilities"]),
    OpenApiParameter("VERSION", str, enum=["1.0.0"]),
]


def _tile_template(request: Request, raster: Raster, *, names: tuple[str, str, str]) -> str:
    """The raster's XYZ route with z/x/y placeholders named `names`, and the style asked for."""
    fmt = format_parse(request.query_params.get("format") or "png", parameter="format")
    query = style_parse(request.query_params, band_count=raster.band_count or 1).query()
    z, col, row = names
    template = f"{api_root(request).rasters}{raster.pk}/tiles/{{{z}}}/{{{col}}}/{{{row}}}.{fmt}"
    return template + ("?" + urlencode(query, safe=",") if query else "")


def _limits(raster: Raster):
    zooms = zoom_range(raster)
    return tile_limits(raster.bbox, minzoom=zooms.minzoom, maxzoom=zooms.native)


class RasterWmtsApi(TileApiView):
    """WMTS 1.0.0 GetCapabilities (RESTful tiles) of one raster: one layer, WebMercatorQuad."""

    @extend_schema(
        tags=TAGS,
        summary="WMTS capabilities (the URL to give QGIS or OpenLayers)",
        parameters=[RASTER_ID, *STYLE_PARAMETERS, TILE_FORMAT, *WMTS_KVP],
        responses={(200, "application/xml"): OpenApiTypes.STR, **ERRORS},
    )
    def get(self, request: Request, raster_id: int) -> HttpResponse:
        raster = raster_get_ready(raster_id, user=request.user)
        fmt = format_parse(request.query_params.get("format") or "png", parameter="format")
        document = wmts_capabilities(
            layer_id=f"raster-{raster.pk}",
            title=raster.name,
            bbox=raster.bbox,
            tile_template=_tile_template(
                request, raster, names=("TileMatrix", "TileCol", "TileRow")
            ),
            fmt=fmt,
            limits=_limits(raster),
            capabilities_url=request.build_absolute_uri(),
        )
        return HttpResponse(document, content_type="application/xml")


class RasterTilesetListApi(TileApiView):
    """OGC API Tiles: the tilesets of one raster (one: WebMercatorQuad)."""

    @extend_schema(
        tags=TAGS,
        operation_id="raster_tilesets",
        summary="OGC API Tiles: the raster's tilesets",
        parameters=[RASTER_ID],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        own = f"{api_root(request).rasters}{raster.pk}/ogc/tiles"
        tileset = {
            "title": raster.name,
            "dataType": "map",
            "crs": TMS_CRS,
            "tileMatrixSetURI": TMS_URI,
            "links": [
                {"rel": "self", "href": f"{own}/{TMS_ID}", "type": "application/json"},
                {"rel": TILING_SCHEME, "href": _tms_url(request), "type": "application/json"},
            ],
        }
        links = [{"rel": "self", "href": own, "type": "application/json"}]
        return Response({"tilesets": [tileset], "links": links})


class RasterTilesetApi(TileApiView):
    """OGC API Tiles: one tileset's metadata, with the tile URL template as its `item` link."""

    @extend_schema(
        tags=TAGS,
        operation_id="raster_tileset",
        summary="OGC API Tiles: tileset metadata and tile template",
        parameters=[RASTER_ID, TMS_PATH, *STYLE_PARAMETERS, TILE_FORMAT],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request: Request, raster_id: int, tms_id: str) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        if tms_id != TMS_ID:
            raise NotFound(f"no tile matrix set {tms_id!r}: tiles are in {TMS_ID}")
        fmt = format_parse(request.query_params.get("format") or "png", parameter="format")
        template = _tile_template(request, raster, names=("tileMatrix", "tileCol", "tileRow"))
        west, south, east, north = raster.bbox
        if west > east:
            west, east = -180.0, 180.0
        limits = [
            {
                "tileMatrix": str(limit.zoom),
                "minTileRow": limit.min_row,
                "maxTileRow": limit.max_row,
                "minTileCol": limit.min_col,
                "maxTileCol": limit.max_col,
            }
            for limit in _limits(raster)
        ]
        own = f"{api_root(request).rasters}{raster.pk}/ogc/tiles/{TMS_ID}"
        media_type = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}[fmt]
        return Response(
            {
                "title": raster.name,
                "dataType": "map",
                "crs": TMS_CRS,
                "tileMatrixSetURI": TMS_URI,
                "tileMatrixSetLimits": limits,
                "boundingBox": {
                    "lowerLeft": [west, south],
                    "upperRight": [east, north],
                    "crs": CRS84,
                },
                "links": [
                    {"rel": "self", "href": own, "type": "application/json"},
                    {"rel": TILING_SCHEME, "href": _tms_url(request), "type": "application/json"},
                    {"rel": "item", "href": template, "templated": True, "type": media_type},
                ],
            }
        )


def _tms_url(request: Request) -> str:
    return request.build_absolute_uri(reverse("tms", kwargs={"tms_id": TMS_ID}))


class TileMatrixSetListApi(TileApiView):
    """OGC API Tiles: the tile matrix sets tiles are served in."""

    @extend_schema(
        tags=TAGS,
        operation_id="tile_matrix_sets",
        summary="Tile matrix sets",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        entry = {
            "id": TMS_ID,
            "title": "Google Maps Compatible for the World",
            "uri": TMS_URI,
            "links": [{"rel": "self", "href": _tms_url(request), "type": "application/json"}],
        }
        return Response({"tileMatrixSets": [entry]})


class TileMatrixSetApi(TileApiView):
    """OGC API Tiles: one tile matrix set's definition (OGC Tile Matrix Set 2.0)."""

    @extend_schema(
        tags=TAGS,
        operation_id="tile_matrix_set",
        summary="A tile matrix set's definition",
        parameters=[TMS_PATH],
        responses={200: OpenApiTypes.OBJECT, 404: ERRORS[404]},
    )
    def get(self, request: Request, tms_id: str) -> Response:
        if tms_id != TMS_ID:
            raise NotFound(f"no tile matrix set {tms_id!r}: tiles are in {TMS_ID}")
        return Response(tile_matrix_set_document())
