"""STAC API extension routes: queryables (filter extension) and aggregations."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from ...search.collections import collection_get
from ...search.queryables import queryables_document
from ..links import api_root
from .views import StacApi

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
