"""STAC API views under /stac/: landing page, conformance, collections, items, item search.

Search parameters are translated to the catalog search's (params/stac.py) and go through
the same RasterFilterSet and keyset pagination; errors take STAC's {"code", "description"} form.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ...search.collection_search import collection_search
from ...search.collections import (
    EMPTY_EXTENT,
    collection_extents,
    collection_get,
    collection_list,
)
from ...search.queryables import queryables_annotate
from ...search.visible import raster_list_as_stac, raster_list_visible
from ..errors import stac_error_body
from ..filters import RasterFilterSet
from ..links import api_root
from ..pagination import KeysetPagination
from ..params.stac import STAC_NAMES, STAC_SEARCH_PARAMETERS, StacSearch, stac_search_parse
from ..params.stac_collections import COLLECTION_SEARCH_PARAMETERS, collection_query_parse
from ..renderers import GeoJSONRenderer
from .fields import fields_apply
from .serializers import CONFORMANCE, landing_page, stac_collection, stac_item

BAD_PARAMETER = OpenApiResponse(OpenApiTypes.OBJECT, description="A bad parameter, named")
ITEM_COLLECTION = OpenApiResponse(
    OpenApiTypes.OBJECT, description="A GeoJSON FeatureCollection of STAC Items"
)


class StacApi(APIView):
    """Errors as STAC API clients expect them: {"code": …, "description": …}."""

    renderer_classes = [JSONRenderer, GeoJSONRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)  # the status: api/errors.py's table
        body = stac_error_body(exc, parameter_names=STAC_NAMES)
        if body is not None:
            response.data = body
        return response


def stac_queryset(request: Request, search: StacSearch, *, as_items: bool = True):
    """The visible rasters matching a STAC search's filter (the FilterSet's parameters aside),
    shaped for items unless `as_items` is false."""
    user = request.user
    rasters = raster_list_as_stac(user=user) if as_items else raster_list_visible(user=user)
    if search.condition is not None:
        rasters = queryables_annotate(rasters).filter(search.condition)
    return rasters


def _item_page(request: Request, search: StacSearch, *, body: dict | None = None) -> Response:
    """Filter, page and serialize rasters as a STAC ItemCollection."""
    data = search.data
    filters = RasterFilterSet(data, queryset=stac_queryset(request, search)).check()
    paginator = KeysetPagination()
    paginator.cursor_param = "token"
    rasters = paginator.paginate_queryset(
        filters.qs,
        request,
        ordering=filters.chosen_ordering(),
        params=data,
        body=body,
        by_id=raster_list_as_stac(user=request.user) if filters.in_area() else None,
        area_deg2=filters.area_deg2(),
    )
    root = api_root(request)
    links = paginator.links(media_type="application/geo+json")
    links.append({"rel": "root", "href": root.stac, "type": "application/json"})
    return Response(
        {
            "type": "FeatureCollection",
            "features": [
                fields_apply(stac_item(raster, root), search.fields) for raster in rasters
            ],
            "links": links,
            "numberReturned": len(rasters),
        },
        content_type="application/geo+json",
    )


class StacLandingApi(StacApi):
    """The STAC API landing page."""

    @extend_schema(operation_id="stac_landing", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        schema_url = request.build_absolute_uri(reverse("api-schema")) + "?format=json"
        page = landing_page(
            api_root(request), collections=list(collection_list()), schema_url=schema_url
        )
        return Response(page)


class StacConformanceApi(StacApi):
    """The conformance classes this API implements."""

    @extend_schema(operation_id="stac_conformance", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        return Response({"conformsTo": CONFORMANCE})


class StacCollectionListApi(StacApi):
    """The collections as STAC Collections; with q, bbox or datetime, those matching them."""

    @extend_schema(
        operation_id="stac_collections",
        parameters=COLLECTION_SEARCH_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, 400: BAD_PARAMETER},
    )
    def get(self, request: Request) -> Response:
        query = collection_query_parse(request.query_params)
        root = api_root(request)
        found = collection_search(query, user=request.user)
        documents = [stac_collection(collection, root, extent) for collection, extent in found]
        links = [
            {"rel": "self", "href": request.build_absolute_uri(), "type": "application/json"},
            {"rel": "root", "href": root.stac, "type": "application/json"},
        ]
        return Response(
            {"collections": documents, "links": links, "numberReturned": len(documents)}
        )


class StacCollectionApi(StacApi):
    """One STAC Collection."""

    @extend_schema(operation_id="stac_collection", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, collection_id: str) -> Response:
        collection = collection_get(slug=collection_id)
        if collection is None:
            raise NotFound(f"no collection {collection_id!r}")
        extents = collection_extents(user=request.user, collection_ids=[collection.pk])
        extent = extents.get(collection.pk, EMPTY_EXTENT)
        document = stac_collection(collection, api_root(request), extent)
        return Response(document)


class StacItemListApi(StacApi):
    """The items of one collection, a page at a time (OGC API Features)."""

    @extend_schema(
        operation_id="stac_collection_items",
        parameters=STAC_SEARCH_PARAMETERS,
        responses=ITEM_COLLECTION,
    )
    def get(self, request: Request, collection_id: str) -> Response:
        if collection_get(slug=collection_id) is None:
            raise NotFound(f"no collection {collection_id!r}")
        search = stac_search_parse(request.query_params, from_json=False)
        search.data["collection"] = collection_id
        return _item_page(request, search)


class StacItemApi(StacApi):
    """One STAC Item."""

    @extend_schema(operation_id="stac_item", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, collection_id: str, item_id: str) -> Response:
        rasters = raster_list_as_stac(user=request.user).filter(collection__slug=collection_id)
        raster = rasters.filter(pk=int(item_id)).first() if item_id.isdigit() else None
        if raster is None:
            raise NotFound(f"no item {item_id!r} in collection {collection_id!r}")
        return Response(stac_item(raster, api_root(request)), content_type="application/geo+json")


class StacSearchApi(StacApi):
    """STAC item search across collections (GET with a query string, POST with a JSON body)."""

    post_is_read = True  # a search changes nothing: CatalogAccess treats it as a read

    @extend_schema(
        operation_id="stac_search_get", parameters=STAC_SEARCH_PARAMETERS, responses=ITEM_COLLECTION
    )
    def get(self, request: Request) -> Response:
        return _item_page(request, stac_search_parse(request.query_params, from_json=False))

    @extend_schema(
        operation_id="stac_search_post", request=OpenApiTypes.OBJECT, responses=ITEM_COLLECTION
    )
    def post(self, request: Request) -> Response:
        body = request.data
        return _item_page(request, stac_search_parse(body, from_json=True), body=dict(body))
