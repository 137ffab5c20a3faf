"""One page of the catalog search (GET /api/rasters/, POST /api/rasters/search) as GeoJSON.

The parameters are parsed once (RasterFilterSet); then, on PostGIS, the page's rows hold the
columns its Features are written from (feature_rows.py): newest first in an area, the usual
search, by the SQL of search/area_page.py as a prepared statement; any other search through the
ORM (keyset.raster_page). Elsewhere (SpatiaLite) the serializer writes them.
"""

from __future__ import annotations

import functools

from django.http import HttpResponse
from rest_framework.request import Request

from ...search.area_page import area_page_supported, raster_feature_page
from ...search.visible import raster_list_as_features, raster_list_visible
from ..filters import RasterFilterSet
from ..links import api_root, rasters_root
from ..pagination import KeysetPagination
from .feature_rows import (
    FEATURE_FIELDS,
    feature_annotations,
    feature_columns_sql,
    feature_rows_supported,
    features_json,
)
from .serializers import RasterFeatureSerializer


def search_page(request: Request, params, *, body: dict | None = None) -> HttpResponse:
    """Filter, page and serialize rasters for the list and search views."""
    filters = RasterFilterSet(params).check()
    ordering = filters.chosen_ordering()
    paginator = KeysetPagination()
    paging = {"ordering": ordering, "params": params, "body": body}
    user = request.user
    if not feature_rows_supported():
        visible = raster_list_as_features(user=user)
        page = paginator.paginate_queryset(
            filters.filter_queryset(visible),
            request,
            by_id=visible if filters.in_area() else None,
            area_deg2=filters.area_deg2(),
            **paging,
        )
        context = {"request": request, "api_root": api_root(request)}
        features = RasterFeatureSerializer(page, many=True, context=context).data["features"]
        return paginator.get_paginated_response(features)
    query = filters.raster_query()
    if area_page_supported(query, ordering):
        written = functools.partial(
            raster_feature_page,
            user=user,
            query=query,
            columns=feature_columns_sql(),
            area_deg2=filters.area_deg2(),
        )
        page = paginator.paginate_with(written, request, **paging)
    else:
        visible = raster_list_visible(user=user).annotate(**feature_annotations())
        page = paginator.paginate_queryset(
            filters.filter_queryset(visible),
            request,
            values=FEATURE_FIELDS,
            by_id=visible if filters.in_area() else None,
            area_deg2=filters.area_deg2(),
            **paging,
        )
    features = features_json(page, rasters_root(request))
    media_type = request.accepted_renderer.media_type
    return paginator.get_raw_response(features, count=len(page), media_type=media_type)
