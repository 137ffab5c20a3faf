"""STAC collection search parameters (q, bbox, datetime): OpenAPI declarations and parsing."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from ...search.collection_search import CollectionQuery
from .search import BBoxField, DatetimeIntervalField

COLLECTION_SEARCH_PARAMETERS = [
    OpenApiParameter(
        "q",
        str,
        description="Free text: terms separated by commas or spaces, any of which may match the "
        'name, id, description or license ("…" for a phrase)',
    ),
    OpenApiParameter(
        "bbox", str, description="minx,miny,maxx,maxy: collections whose extent meets it"
    ),
    OpenApiParameter(
        "datetime", str, description="RFC 3339 instant or interval: extents meeting it"
    ),
    OpenApiParameter("limit", int, description="Accepted; every matching collection is returned"),
]
TERMS = re.compile(r'"([^"]+)"|([^\s,"]+)')


def collection_query_parse(params: Any) -> CollectionQuery:
    """The collection search's parameters as a CollectionQuery; a 400 names a bad one."""
    text = params.get("q") or ""
    terms = tuple(phrase or word for phrase, word in TERMS.findall(str(text)))
    if len(terms) > 20 or any(len(term) > 200 for term in terms):
        raise ValidationError({"q": ["at most 20 terms of at most 200 characters"]})
    return CollectionQuery(
        terms=terms,
        bbox=_clean("bbox", BBoxField(required=False), params),
        **dict(zip(("start", "end"), _interval(params), strict=True)),
    )


def _interval(params: Any) -> tuple:
    interval = _clean("datetime", DatetimeIntervalField(required=False), params)
    return interval or (None, None)


def _clean(name: str, field: forms.Field, params: Any) -> Any:
    value = params.get(name)
    if isinstance(value, list):  # a POST body's bbox
        value = ",".join(str(v) for v in value)
    try:
        return field.clean(value)
    except forms.ValidationError as exc:
        raise ValidationError({name: exc.messages}) from None
