"""Catalog search views: rasters as GeoJSON, collections, footprint vector tiles.

Each view parses its parameters (RasterFilterSet, KeysetPagination), calls the selectors in
rastercatalog.search (visible, collections, filters), and serializes what they return.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...catalog.ingest import IngestError
from ...dispatch import raster_ingest_uploaded
from ...geo.webmercator import MAX_ZOOM
from ...search.collections import collection_extents, collection_get, collection_list
from ...search.vector_tiles import footprint_tile
from ...search.visible import (
    raster_get_visible_as_feature,
    raster_list_visible,
)
from ...uploads.local import UploadInvalid, upload_decode_base64, upload_save_bytes
from ..filters import RasterFilterSet, search_parameters
from ..links import api_root
from ..pagination import KeysetPagination
from ..params.search import search_data_from_json
from ..renderers import GeoJSONRenderer, MapboxVectorTileRenderer
from .search_page import search_page
from .serializers import CollectionSerializer, RasterFeatureSerializer, RasterUploadSerializer

SEARCH_BODY_SCHEMA = {
    "type": "object",
    "description": "The GET parameters as JSON: bbox as an array of 4 numbers, intersects as a "
    "GeoJSON geometry object, collection/ids/dtype/status as arrays or comma-separated strings, "
    "limit and cursor as in the next link's body.",
    "additionalProperties": True,
}


class RasterListApi(GenericAPIView):
    """Search the catalog: a page of rasters as a GeoJSON FeatureCollection."""

    serializer_class = RasterFeatureSerializer
    # The backend documents the parameters in OpenAPI; RasterFilterSet applies them.
    filter_backends = [DjangoFilterBackend]
    filterset_class = RasterFilterSet
    pagination_class = KeysetPagination
    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    def get_queryset(self):
        return raster_list_visible(user=self.request.user)

    @extend_schema(
        operation_id="rasters_search_get",
        responses={200: RasterFeatureSerializer(many=True), 400: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return search_page(request, request.query_params)


class RasterUploadApi(APIView):
    """Catalogue a small GeoTIFF sent as base64 in a JSON body (POST /api/rasters/)."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    @extend_schema(
        operation_id="rasters_upload_base64",
        request=RasterUploadSerializer,
        responses={
            201: RasterFeatureSerializer,
            200: RasterFeatureSerializer,
            202: OpenApiTypes.OBJECT,
            400: OpenApiTypes.OBJECT,
        },
        description="Catalogue a small GeoTIFF sent as base64 (staff or a token): 201 with the "
        "Feature, 200 with the existing one when the bytes are catalogued already, or 202 with a "
        "status URL when a worker ingests it.",
    )
    def post(self, request: Request) -> Response:
        limit = settings.RASTERCATALOG_BASE64_MAX_BYTES
        # Refuse a body that cannot fit before it is read at all (base64 is 4/3 of the bytes).
        try:
            declared = int(request.headers.get("Content-Length") or 0)
        except ValueError:
            raise ValidationError({"Content-Length": ["the header is not a number"]}) from None
        if declared > limit * 4 // 3 + 64 * 1024:
            raise ValidationError({"data": [f"the body is larger than {limit} bytes of base64"]})
        upload = RasterUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        fields = upload.validated_data
        # These two errors name the field ({"data": […]}) as the serializer's do, which the
        # exception table's {"detail": …} cannot: so they are translated here.
        try:
            content = upload_decode_base64(fields["data"], max_bytes=limit)
        except UploadInvalid as exc:
            raise ValidationError({"data": [str(exc)]}) from None
        name = fields["name"] or "upload"
        path = upload_save_bytes(content, filename=f"{name}.tif")
        try:
            outcome = raster_ingest_uploaded(
                path=path,
                size=len(content),
                name=fields["name"],
                collection=fields.get("collection"),
                to_cog=fields.get("to_cog"),
            )
        except IngestError as exc:
            raise ValidationError({"data": [exc.reason]}) from None
        location = reverse("raster-detail", args=[outcome.raster.pk])
        if outcome.queued:
            body = {
                "id": outcome.raster.pk,
                "status": outcome.raster.status,
                "status_url": request.build_absolute_uri(location),
            }
            return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": location})
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return _feature_response(request, outcome.raster.pk, code, headers={"Location": location})


class RasterSearchApi(APIView):
    """Search the catalog with the parameters in a JSON body (for geometries too large for a URL)."""

    post_is_read = True  # a search changes nothing: CatalogAccess treats it as a read
    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    @extend_schema(
        operation_id="rasters_search_post",
        request={"application/json": SEARCH_BODY_SCHEMA},
        responses={200: RasterFeatureSerializer(many=True), 400: OpenApiTypes.OBJECT},
    )
    def post(self, request: Request) -> Response:
        params = search_data_from_json(request.data)
        return search_page(request, params, body=dict(request.data))


class RasterDetailApi(APIView):
    """One raster as a GeoJSON Feature."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    @extend_schema(responses={200: RasterFeatureSerializer, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, raster_id: int) -> Response:
        return _feature_response(request, raster_id)


def _feature_response(
    request: Request, raster_id: int, code: int = status.HTTP_200_OK, headers: dict | None = None
) -> Response:
    """One raster as a GeoJSON Feature, as GET /api/rasters/{id}/ returns it."""
    raster = raster_get_visible_as_feature(pk=raster_id, user=request.user)
    if raster is None:
        raise NotFound(f"no raster with id {raster_id}")
    context = {"request": request, "api_root": api_root(request)}
    data = RasterFeatureSerializer(raster, context=context).data
    return Response(data, status=code, headers=headers)


class CollectionListApi(APIView):
    """Every collection, with the extent and count of the rasters you may see in it."""

    @extend_schema(responses=CollectionSerializer(many=True))
    def get(self, request: Request) -> Response:
        collections = list(collection_list())
        context = {
            "api_root": api_root(request),
            "extents": collection_extents(
                user=request.user, collection_ids=[c.pk for c in collections]
            ),
        }
        return Response(CollectionSerializer(collections, many=True, context=context).data)


class CollectionDetailApi(APIView):
    """One collection, with the extent and count of the rasters you may see in it."""

    @extend_schema(responses={200: CollectionSerializer, 404: OpenApiTypes.OBJECT})
    def get(self, request: Request, slug: str) -> Response:
        collection = collection_get(slug=slug)
        if collection is None:
            raise NotFound(f"no collection {slug!r}")
        context = {
            "api_root": api_root(request),
            "extents": collection_extents(user=request.user, collection_ids=[collection.pk]),
        }
        return Response(CollectionSerializer(collection, context=context).data)


class JSONErrorsNegotiation(BaseContentNegotiation):
    """Whatever the client accepts: a tile is a tile, and an error is JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None


class FootprintTileApi(GenericAPIView):
    """Footprints of the rasters matching the search parameters, as a Mapbox Vector Tile."""

    renderer_classes = [JSONRenderer, MapboxVectorTileRenderer]
    content_negotiation_class = JSONErrorsNegotiation
    # The backend documents the parameters in OpenAPI; RasterFilterSet applies them.
    filter_backends = [DjangoFilterBackend]
    filterset_class = RasterFilterSet
    pagination_class = None

    def get_queryset(self):
        return raster_list_visible(user=self.request.user)

    @extend_schema(
        operation_id="rasters_footprint_tile",
        parameters=search_parameters(exclude=("ordering",)),
        responses={
            (200, "application/vnd.mapbox-vector-tile"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description='One layer "footprints": id, name, collection, acquired_at; '
                "feature id = raster id. Empty body when no footprint is in the tile.",
            ),
            400: OpenApiResponse(
                description=f"No such tile (z 0–{MAX_ZOOM}, x and y 0 to 2^z − 1), or a bad parameter."
            ),
            501: OpenApiResponse(description="The database is SpatiaLite: no ST_AsMVT."),
        },
    )
    def get(self, request: Request, z: int, x: int, y: int) -> HttpResponse | Response:
        filters = RasterFilterSet(
            request.query_params, queryset=raster_list_visible(user=request.user)
        ).check()
        tile = footprint_tile(filters.qs, z=z, x=x, y=y)
        response = HttpResponse(tile, content_type="application/vnd.mapbox-vector-tile")
        # Private rasters make a tile depend on who asks: shared caches must not keep it.
        response["Cache-Control"] = "private, max-age=60"
        response["Vary"] = "Cookie, Authorization"
        return response
