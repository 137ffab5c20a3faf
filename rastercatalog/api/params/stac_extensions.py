"""STAC API extension parameters (filter, fields): OpenAPI declarations and parsers.

A GET sends them in the query string (`filter` as CQL2 text by default, `fields=id,-assets`); a
POST sends them in the body (`filter` as CQL2 JSON by default, `fields: {include, exclude}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from ...errors import FilterInvalid
from ...search.cql2 import LANGUAGES, cql2_condition

FILTER_CRS = ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", "EPSG:4326")

STAC_EXTENSION_PARAMETERS = [
    OpenApiParameter(
        "filter",
        str,
        description="A CQL2 filter over the queryables (/stac/queryables), e.g. "
        "gsd < 15 AND collection = 'europe'. Text by default; JSON with filter-lang=cql2-json.",
    ),
    OpenApiParameter("filter-lang", str, enum=list(LANGUAGES), description="Default cql2-text"),
    OpenApiParameter("filter-crs", str, enum=list(FILTER_CRS), description="Longitude/latitude"),
    OpenApiParameter(
        "fields",
        str,
        description="Item fields to return or leave out: id,properties.gsd,-assets "
        "('-' excludes; dotted paths reach into objects).",
    ),
]


@dataclass(frozen=True)
class FieldsSpec:
    """The fields extension's include and exclude lists of dotted paths."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


def stac_filter_parse(params: Any, *, from_json: bool) -> Q | None:
    """The `filter` (with `filter-lang`, `filter-crs`) as a condition, or None when there is none."""
    expression = params.get("filter")
    if expression in (None, "", {}):
        return None
    language = params.get("filter-lang") or ("cql2-json" if from_json else "cql2-text")
    if language not in LANGUAGES:
        raise ValidationError({"filter-lang": [f"expected one of {', '.join(LANGUAGES)}"]})
    crs = params.get("filter-crs")
    if crs not in (None, "", *FILTER_CRS):
        raise ValidationError({"filter-crs": [f"expected one of {', '.join(FILTER_CRS)}"]})
    try:
        return cql2_condition(expression, language=language)
    except FilterInvalid as exc:
        raise ValidationError({"filter": [str(exc)]}) from exc


def stac_fields_parse(params: Any, *, from_json: bool) -> FieldsSpec | None:
    """The `fields` parameter as a FieldsSpec, or None when it asks for everything."""
    fields = params.get("fields")
    if fields in (None, "", {}, []):
        return None
    if from_json and isinstance(fields, dict):
        include, exclude = fields.get("include") or [], fields.get("exclude") or []
        paths = [*include, *exclude]
        if not isinstance(include, list) or not isinstance(exclude, list):
            raise ValidationError({"fields": ["include and exclude are lists of field names"]})
    elif isinstance(fields, str):
        parts = [part.strip() for part in fields.split(",") if part.strip()]
        # In a query string an unescaped "+" arrives as a space, hence the strip above.
        include = [part.lstrip("+") for part in parts if not part.startswith("-")]
        exclude = [part[1:] for part in parts if part.startswith("-")]
        paths = [*include, *exclude]
    else:
        raise ValidationError({"fields": ["expected id,-assets or {include: [], exclude: []}"]})
    if not all(isinstance(path, str) and path.strip(".") for path in paths):
        raise ValidationError({"fields": ["field names are non-empty strings"]})
    return FieldsSpec(tuple(include), tuple(exclude))
