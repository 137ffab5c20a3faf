"""STAC API extension routes: queryables (filter extension) and aggregations (aggregation
extension: /aggregate and /aggregations, across collections or in one)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ...search.aggregations import AGGREGATIONS, aggregations_compute
from ...search.collections import collection_get
from ...search.queryables import queryables_document
from ..filters import RasterFilterSet
from ..links import api_root
from ..params.stac import STAC_SEARCH_PARAMETERS, stac_search_parse
from ..params.stac_aggregate import AGGREGATE_PARAMETERS, aggregation_parse
from .views import StacApi, stac_queryset

NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description="No such collection")


class StacQueryablesApi(StacApi):
    """The properties a filter may name, as a JSON Schema."""

    @extend_schema(operation_id="stac_queryables", responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        url = f"{api_root(request).stac}queryables"
        document = queryables_document(url=url, title="Queryables of every collection")
        return Response(document, content_type="application/schema+json")


class StacCollectionQueryablesApi(StacApi):
    """The properties a filter of one collection's items may name (the same for all)."""

    @extend_schema(
        operation_id="stac_collection_queryables",
        responses={200: OpenApiTypes.OBJECT, 404: NOT_FOUND},
    )
    def get(self, request: Request, collection_id: str) -> Response:
        collection = collection_get(slug=collection_id)
        if collection is None:
            raise NotFound(f"no collection {collection_id!r}")
        url = f"{api_root(request).stac}collections/{collection.slug}/queryables"
        document = queryables_document(url=url, title=f"Queryables of {collection.name}")
        return Response(document, content_type="application/schema+json")


AGGREGATE_RESPONSES = {
    200: OpenApiResponse(OpenApiTypes.OBJECT, description="An AggregationCollection"),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="A bad parameter, named"),
    404: NOT_FOUND,
}


def _aggregate(request: Request, params, *, from_json: bool, collection: str | None) -> Response:
    """Compute the aggregations of the rasters a STAC search matches."""
    if from_json and not isinstance(params, dict):
        raise ValidationError({"body": ["the request body must be a JSON object"]})
    if collection is not None and collection_get(slug=collection) is None:
        raise NotFound(f"no collection {collection!r}")
    asked = aggregation_parse(params, from_json=from_json)
    search = stac_search_parse(params, from_json=from_json)
    if collection is not None:
        search.data["collection"] = collection
    rasters = stac_queryset(request, search, as_items=False)
    matching = RasterFilterSet(search.data, queryset=rasters).check().qs
    results = aggregations_compute(
        matching, asked.names, interval=asked.interval, precision=asked.precision
    )
    href = request.build_absolute_uri()
    links = [{"rel": "self", "href": href, "type": "application/json"}]
    links.append({"rel": "root", "href": api_root(request).stac, "type": "application/json"})
    return Response({"type": "AggregationCollection", "aggregations": results, "links": links})


class StacAggregateApi(StacApi):
    """Aggregations of the items a search matches (GET query string or POST body)."""

    post_is_read = True

    @extend_schema(
        operation_id="stac_aggregate_get",
        parameters=[*STAC_SEARCH_PARAMETERS, *AGGREGATE_PARAMETERS],
        responses=AGGREGATE_RESPONSES,
    )
    def get(self, request: Request) -> Response:
        return _aggregate(request, request.query_params, from_json=False, collection=None)

    @extend_schema(
        operation_id="stac_aggregate_post",
        request=OpenApiTypes.OBJECT,
        responses=AGGREGATE_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        return _aggregate(request, request.data, from_json=True, collection=None)


class StacCollectionAggregateApi(StacApi):
    """Aggregations of one collection's items that a search matches."""

    post_is_read = True

    @extend_schema(
        operation_id="stac_collection_aggregate_get",
        parameters=[*STAC_SEARCH_PARAMETERS, *AGGREGATE_PARAMETERS],
        responses=AGGREGATE_RESPONSES,
    )
    def get(self, request: Request, collection_id: str) -> Response:
        return _aggregate(request, request.query_params, from_json=False, collection=collection_id)

    @extend_schema(
        operation_id="stac_collection_aggregate_post",
        request=OpenApiTypes.OBJECT,
        responses=AGGREGATE_RESPONSES,
    )
    def post(self, request: Request, collection_id: str) -> Response:
        return _aggregate(request, request.data, from_json=True, collection=collection_id)


def _aggregations_list(request: Request) -> Response:
    available = [{"name": name, "data_type": data_type} for name, data_type in AGGREGATIONS.items()]
    links = [{"rel": "self", "href": request.build_absolute_uri(), "type": "application/json"}]
    return Response({"aggregations": available, "links": links})


class StacAggregationsApi(StacApi):
    """The aggregations /aggregate can compute."""

    @extend_schema(operation_id="stac_aggregations", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return _aggregations_list(request)


class StacCollectionAggregationsApi(StacApi):
    """The aggregations a collection's /aggregate can compute."""

    @extend_schema(
        operation_id="stac_collection_aggregations",
        responses={200: OpenApiTypes.OBJECT, 404: NOT_FOUND},
    )
    def get(self, request: Request, collection_id: str) -> Response:
        if collection_get(slug=collection_id) is None:
            raise NotFound(f"no collection {collection_id!r}")
        return _aggregations_list(request)
