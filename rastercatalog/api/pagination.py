"""Keyset pagination: `limit` and an opaque cursor; next and prev links that stay fast deep down.

The cursor is the position of the row a page ends on (see rastercatalog.search.keyset), base64url-encoded
JSON. It is not a secret and needs no signature: it only says where to resume a query the client
may run anyway. A GET page links to the same URL with the cursor replaced; a POST page links with a
`body` to send again, as STAC API clients expect.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..models import Raster
from ..search.keyset import Page, Position, raster_page


def cursor_encode(position: Position) -> str:
    """The opaque text of a cursor."""
    text = json.dumps(position.to_primitive(), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def cursor_decode(token: str, *, name: str, ordering: str) -> Position:
    """Read a cursor made by cursor_encode for the same ordering; a 400 naming `name` if not."""
    try:
        padded = token + "=" * (-len(token) % 4)
        position = Position.from_primitive(json.loads(base64.urlsafe_b64decode(padded)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError(
            {name: ["not a cursor of this API: take it from a next or prev link"]}
        ) from None
    if position.ordering != ordering:
        raise ValidationError(
            {
                name: [
                    f"this cursor pages through ordering={position.ordering}, not {ordering}: "
                    "follow next and prev links without changing the other parameters"
                ]
            }
        )
    return position


def limit_parse(value: Any, *, name: str = "limit") -> int:
    """The page size asked for, capped at RASTERCATALOG_SEARCH_MAX_LIMIT; a 400 if not a number."""
    if value in (None, ""):
        return settings.RASTERCATALOG_SEARCH_DEFAULT_LIMIT
    text = str(value)
    if not text.isdigit() or int(text) < 1:
        raise ValidationError({name: [f"expected a whole number ≥ 1, got {text!r}"]})
    # Larger asks get the largest page rather than an error, as STAC API specifies.
    return min(int(text), settings.RASTERCATALOG_SEARCH_MAX_LIMIT)


class KeysetPagination(BasePagination):
    """Pages of a raster queryset as GeoJSON FeatureCollections with self/next/prev links."""

    cursor_param = "cursor"
    limit_param = "limit"

    def paginate_queryset(
        self,
        queryset: QuerySet[Raster],
        request: Request,
        view: Any = None,
        *,
        ordering: str,
        params: Mapping[str, Any] | None = None,
        body: dict | None = None,
        values: tuple[str, ...] = (),
        by_id: QuerySet[Raster] | None = None,
        area_deg2: float = 0.0,
    ) -> list:
        """Read limit and cursor from `params` (the query string, or a POST `body`); fetch a page
        of rasters, or of tuples of `values` (see raster_page, as for `by_id`)."""
        page = functools.partial(
            raster_page, queryset, values=values, by_id=by_id, area_deg2=area_deg2
        )
        return self.paginate_with(page, request, ordering=ordering, params=params, body=body)

    def paginate_with(
        self,
        page: Callable[..., Page],
        request: Request,
        *,
        ordering: str,
        params: Mapping[str, Any] | None = None,
        body: dict | None = None,
    ) -> list:
        """As paginate_queryset, the page read by `page(ordering=, limit=, position=)`."""
        self.request, self.body = request, body
        params = request.query_params if params is None else params
        self.limit = limit_parse(params.get(self.limit_param), name=self.limit_param)
        token = params.get(self.cursor_param)
        position = None
        if token:
            position = cursor_decode(str(token), name=self.cursor_param, ordering=ordering)
        self.page = page(ordering=ordering, limit=self.limit, position=position)
        return self.page.rasters

    def links(self, *, media_type: str = "application/geo+json") -> list[dict]:
        """self, next and prev links of the current page (next/prev only when there is one)."""
        url = self.request.build_absolute_uri()
        links = [self._link(url, "self", None, media_type)]
        if self.page.next is not None:
            links.append(self._link(url, "next", self.page.next, media_type))
        if self.page.previous is not None:
            links.append(self._link(url, "prev", self.page.previous, media_type))
        return links

    def _link(self, url: str, rel: str, position: Position | None, media_type: str) -> dict:
        if self.body is not None:
            link = {"rel": rel, "href": url, "type": media_type, "method": "POST"}
            if position is not None:
                body = {k: v for k, v in self.body.items() if k != self.cursor_param}
                link["body"] = body | {self.cursor_param: cursor_encode(position)}
            elif rel == "self":
                link["body"] = self.body
            return link
        if position is None:
            return {"rel": rel, "href": url, "type": media_type}
        href = replace_query_param(url, self.cursor_param, cursor_encode(position))
        return {"rel": rel, "href": href, "type": media_type, "method": "GET"}

    def get_paginated_response(self, data: Any) -> Response:
        features = data["features"] if isinstance(data, dict) else data
        return Response(
            {
                "type": "FeatureCollection",
                "numberReturned": len(features),
                "features": features,
                "links": self.links(),
            }
        )

    def get_raw_response(self, features: bytes, *, count: int, media_type: str) -> HttpResponse:
        """The page as get_paginated_response writes it, from the JSON array of its `count`
        Features."""
        head = f'{{"type":"FeatureCollection","numberReturned":{count},"features":'.encode()
        tail = ',"links":' + json.dumps(self.links(), separators=(",", ":")) + "}"
        return HttpResponse(head + features + tail.encode(), content_type=media_type)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["FeatureCollection"]},
                "numberReturned": {"type": "integer"},
                "features": _features_schema(schema),
                "links": {
                    "type": "array",
                    "description": "self; next and prev when there are such pages. A POST page's "
                    "links carry the body to POST for that page.",
                    "items": {"type": "object"},
                },
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.limit_param,
                "in": "query",
                "required": False,
                "description": "Features per page (default "
                f"{settings.RASTERCATALOG_SEARCH_DEFAULT_LIMIT}, at most "
                f"{settings.RASTERCATALOG_SEARCH_MAX_LIMIT}; more is capped).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.cursor_param,
                "in": "query",
                "required": False,
                "description": "Where a page starts: take it from a next or prev link.",
                "schema": {"type": "string"},
            },
        ]


def _features_schema(schema: dict) -> dict:
    """The page's `features`: an array of the list serializer's item component.

    drf-spectacular hands over a $ref to the list serializer's component ("RasterFeatureList", a
    whole FeatureCollection object); the page holds the features themselves ("RasterFeature").
    """
    if "properties" in schema:
        return schema["properties"].get("features", schema)
    ref = schema.get("$ref", "")
    if ref.endswith("List"):
        return {"type": "array", "items": {"$ref": ref.removesuffix("List")}}
    return schema
