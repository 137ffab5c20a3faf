"""STAC API routes under /stac/ (no trailing slashes, as STAC API clients build them)."""

from django.urls import path

from . import views as stac_views
from . import views_extensions as extension_views

urlpatterns = [
    path("", stac_views.StacLandingApi.as_view(), name="stac-landing"),
    path("conformance", stac_views.StacConformanceApi.as_view(), name="stac-conformance"),
    path("collections", stac_views.StacCollectionListApi.as_view(), name="stac-collections"),
    path(
        "collections/<str:collection_id>",
        stac_views.StacCollectionApi.as_view(),
        name="stac-collection",
    ),
    path(
        "collections/<str:collection_id>/items",
        stac_views.StacItemListApi.as_view(),
        name="stac-items",
    ),
    path(
        "collections/<str:collection_id>/items/<str:item_id>",
        stac_views.StacItemApi.as_view(),
        name="stac-item",
    ),
    path("search", stac_views.StacSearchApi.as_view(), name="stac-search"),
    # Extensions: queryables (filter), aggregations.
    path("queryables", extension_views.StacQueryablesApi.as_view(), name="stac-queryables"),
    path(
        "collections/<str:collection_id>/queryables",
        extension_views.StacCollectionQueryablesApi.as_view(),
        name="stac-collection-queryables",
    ),
    path("aggregate", extension_views.StacAggregateApi.as_view(), name="stac-aggregate"),
    path("aggregations", extension_views.StacAggregationsApi.as_view(), name="stac-aggregations"),
    path(
        "collections/<str:collection_id>/aggregate",
        extension_views.StacCollectionAggregateApi.as_view(),
        name="stac-collection-aggregate",
    ),
    path(
        "collections/<str:collection_id>/aggregations",
        extension_views.StacCollectionAggregationsApi.as_view(),
        name="stac-collection-aggregations",
    ),
]
