"""STAC API search parameters: their OpenAPI declarations and their translation to the catalog's.

A STAC search (query string, or POST body) becomes the data of RasterFilterSet plus `limit` and
`token` for the pagination, so both searches parse and check parameters the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from ...search.queryables import SORTABLE
from .search import search_data_from_json
from .stac_extensions import (
    STAC_EXTENSION_PARAMETERS,
    FieldsSpec,
    stac_fields_parse,
    stac_filter_parse,
)

STAC_SEARCH_PARAMETERS = [
    OpenApiParameter("bbox", str, description="minx,miny,maxx,maxy (minx > maxx: across 180°)"),
    OpenApiParameter("intersects", str, description="A GeoJSON geometry (POST: an object)"),
    OpenApiParameter("datetime", str, description="RFC 3339 instant or interval, open end '..'"),
    OpenApiParameter("ids", str, description="Item ids, comma-separated"),
    OpenApiParameter("collections", str, description="Collection ids, comma-separated"),
    OpenApiParameter("limit", int, description="Items per page (capped)"),
    OpenApiParameter(
        "sortby", str, description=f"{', '.join(SORTABLE)}; -desc/+asc; one field (ties by id)"
    ),
    OpenApiParameter("token", str, description="From a next or prev link"),
    *STAC_EXTENSION_PARAMETERS,
]

# STAC sortby fields (with or without "properties.") -> orderings of the search.
STAC_SORT_FIELDS = SORTABLE
# STAC names of the FilterSet's parameters, to name them in errors as the client did.
STAC_NAMES = {"collection": "collections", "ordering": "sortby"}
STAC_UNSUPPORTED = ("query", "q")


@dataclass(frozen=True)
class StacSearch:
    """A parsed STAC search: the FilterSet's data, the CQL2 condition and the fields to return."""

    data: dict
    condition: Q | None = None
    fields: FieldsSpec | None = None


def stac_search_parse(params: Any, *, from_json: bool) -> StacSearch:
    """A STAC search (query string, or POST body when `from_json`) with its extensions."""
    data = stac_search_data(params, from_json=from_json)
    return StacSearch(
        data,
        condition=stac_filter_parse(params, from_json=from_json),
        fields=stac_fields_parse(params, from_json=from_json),
    )


def stac_search_data(params: Any, *, from_json: bool) -> dict[str, str]:
    """STAC search parameters (a query string, or a POST body when `from_json`) as the data of
    RasterFilterSet, plus `limit` and `token` for the pagination."""
    if from_json and not isinstance(params, dict):
        raise ValidationError({"body": ["the request body must be a JSON object"]})
    for name in STAC_UNSUPPORTED:
        if params.get(name) not in (None, "", [], {}):
            raise ValidationError(
                {name: ["not supported here: see /stac/conformance for what this API implements"]}
            )
    given = {
        name: params.get(name)
        for name in ("bbox", "intersects", "datetime", "ids", "collections", "limit", "token")
        if params.get(name) not in (None, "", [])
    }
    data = search_data_from_json(given) if from_json else dict(given)
    if "collections" in data:
        data["collection"] = data.pop("collections")
    sortby = params.get("sortby")
    if sortby:
        data["ordering"] = stac_ordering(sortby)
    return data


def stac_ordering(sortby: Any) -> str:
    """A STAC sortby ("-properties.datetime,+id" or [{"field": …, "direction": …}]) as an ordering."""
    if isinstance(sortby, str):
        # In a query string an unescaped "+" arrives as a space.
        keys = [
            (part.strip().lstrip("+"), part.strip().startswith("-")) for part in sortby.split(",")
        ]
        keys = [(field.lstrip("-"), descending) for field, descending in keys]
    elif isinstance(sortby, list) and all(isinstance(k, dict) for k in sortby):
        keys = [(str(k.get("field", "")), k.get("direction", "asc") == "desc") for k in sortby]
    else:
        raise ValidationError({"sortby": ["expected -field,+field or [{field, direction}]"]})
    keys = [(field.removeprefix("properties."), descending) for field, descending in keys]
    if len(keys) == 2 and keys[1][0] == "id":
        keys = keys[:1]  # ties are broken by id anyway
    if len(keys) != 1:
        raise ValidationError({"sortby": ["one field at most (ties are broken by id)"]})
    field, descending = keys[0]
    if field not in STAC_SORT_FIELDS:
        sortable = ", ".join(STAC_SORT_FIELDS)
        raise ValidationError({"sortby": [f"cannot sort by {field!r}: sortable are {sortable}"]})
    return ("-" if descending else "") + STAC_SORT_FIELDS[field]
