"""Search parameters: one django-filter FilterSet parses and checks them for every search endpoint.

The catalog search (GET query string or POST body), the STAC search and the footprint tiles all go
through `RasterFilterSet`, so a parameter means the same everywhere and a bad value is a 400 whose
body names the parameter: `{"bbox": ["…"]}`. The fields (params/search.py) parse; the SQL is in
`rastercatalog.search.filters`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as FormValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from ..models import Raster
from ..search.filters import PREDICATES, RasterQuery, query_area_deg2, raster_filter
from ..search.keyset import DEFAULT_ORDERING, ORDERINGS
from .params.search import (
    BBoxField,
    CsvField,
    DatetimeIntervalField,
    DtypesField,
    GeometryField,
    IdsField,
    NonNegativeNumberField,
    PointField,
    PositiveIntegerField,
    StatusesField,
    StrictBooleanField,
)


def _filter(field_class: type[forms.Field], help_text: str) -> django_filters.Filter:
    """A CharFilter (so documented as a string) whose value `field_class` parses."""
    name = f"{field_class.__name__}Filter"
    return type(name, (django_filters.CharFilter,), {"field_class": field_class})(
        help_text=help_text
    )


class RasterFilterSet(django_filters.FilterSet):
    """The search parameters of /api/rasters/, /api/rasters/search, /stac/search and the MVT tiles."""

    bbox = _filter(
        BBoxField,
        "minx,miny,maxx,maxy in degrees (EPSG:4326). minx > maxx: the box crosses the antimeridian.",
    )
    intersects = _filter(
        GeometryField,
        "A GeoJSON geometry (or Feature) or WKT in EPSG:4326. Large ones: POST /api/rasters/search.",
    )
    point = _filter(
        PointField, "lon,lat: footprints covering this point; the origin of ordering=distance."
    )
    predicate = django_filters.ChoiceFilter(
        choices=[(p, p) for p in PREDICATES],
        help_text="How footprints relate to bbox, intersects and point: footprint <predicate> geometry "
        "(default intersects, which includes touching).",
    )
    datetime = _filter(
        DatetimeIntervalField,
        "Acquisition time: an RFC 3339 instant, a date (that whole UTC day), or an interval "
        "start/end whose open end is '..' or empty, e.g. ../2024-01-01T00:00:00Z.",
    )
    collection = _filter(CsvField, "Collection slugs, comma-separated.")
    ids = _filter(IdsField, "Raster ids, comma-separated.")
    q = django_filters.CharFilter(
        max_length=200, help_text="Text in the raster's name (case-insensitive)."
    )
    dtype = _filter(
        DtypesField,
        "Data types, comma-separated: GDAL names (Byte, Float32…) or numpy ones (uint8…).",
    )
    band_count = _filter(PositiveIntegerField, "Number of bands.")
    is_cog = _filter(StrictBooleanField, "true: Cloud-Optimized GeoTIFFs only; false: the others.")
    status = _filter(StatusesField, "Ingest statuses, comma-separated (default: ready).")
    resolution_min = _filter(
        NonNegativeNumberField, "Ground resolution at least this many metres per pixel."
    )
    resolution_max = _filter(
        NonNegativeNumberField, "Ground resolution at most this many metres per pixel."
    )
    ordering = django_filters.ChoiceFilter(
        choices=[(o, o) for o in ORDERINGS],
        help_text="Sort key, '-' for descending (default -created). distance (metres from point to "
        "the centre of the footprint's bbox) needs point. Ties are broken by id.",
    )

    class Meta:
        model = Raster
        fields: list[str] = []

    # django-filter deep-copies every filter and builds a Form class and a form for each request
    # (~0.4 ms of a 5 ms search, profiled), though only the fields' parsing is used here (the
    # SQL is raster_filter's): the fields are built once per process and shared, read-only.
    _parsing_fields: dict[str, forms.Field] | None = None

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None) -> None:
        self.is_bound = data is not None
        self.data = data if data is not None else {}
        self.queryset = Raster.objects.all() if queryset is None else queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = self.base_filters  # never bound to this instance: see filter_queryset

    @property
    def form(self) -> ParsedParameters:
        if not hasattr(self, "_form"):
            self._form = ParsedParameters(self.parsing_fields(), self.data)
        return self._form

    @classmethod
    def parsing_fields(cls) -> dict[str, forms.Field]:
        """The form field of each filter, as django-filter's form would have them."""
        if cls._parsing_fields is None:
            filters = copy.deepcopy(cls.base_filters)
            for search_filter in filters.values():
                search_filter.model = Raster
            cls._parsing_fields = {name: f.field for name, f in filters.items()}
        return cls._parsing_fields

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if not valid:
            return False
        data = self.form.cleaned_data
        if data.get("ordering", "").lstrip("-") == "distance" and data.get("point") is None:
            self.form.add_error("ordering", "ordering by distance needs point=lon,lat")
        if data.get("predicate") == "within" and data.get("point") is not None:
            self.form.add_error(
                "predicate", "a footprint cannot lie within a point: use intersects or contains"
            )
        return not self.form.errors

    def check(self) -> RasterFilterSet:
        """Raise a 400 ValidationError naming each bad parameter; return self when all are good."""
        if not self.is_valid():
            raise ValidationError(self.errors)
        return self

    def chosen_ordering(self) -> str:
        """The `ordering` asked for, or the default one."""
        return self.form.cleaned_data.get("ordering") or DEFAULT_ORDERING

    def in_area(self) -> bool:
        """True when the search is narrowed to an area (bbox, intersects or point)."""
        data = self.form.cleaned_data
        return any(data.get(name) is not None for name in ("bbox", "intersects", "point"))

    def area_deg2(self) -> float:
        """The size of the search's area in square degrees (search.filters.query_area_deg2)."""
        return query_area_deg2(self.raster_query())

    def raster_query(self) -> RasterQuery:
        """The parsed parameters as a RasterQuery."""
        data = self.form.cleaned_data
        start, end = data.get("datetime") or (None, None)
        return RasterQuery(
            bbox=data.get("bbox"),
            intersects=data.get("intersects"),
            point=data.get("point"),
            predicate=data.get("predicate") or "intersects",
            datetime_start=start,
            datetime_end=end,
            collections=data.get("collection") or (),
            ids=data.get("ids") or (),
            q=data.get("q") or "",
            dtypes=data.get("dtype") or (),
            band_count=data.get("band_count"),
            is_cog=data.get("is_cog"),
            statuses=data.get("status") or (Raster.Status.READY,),
            resolution_min=data.get("resolution_min"),
            resolution_max=data.get("resolution_max"),
        )

    def filter_queryset(self, queryset: QuerySet[Raster]) -> QuerySet[Raster]:
        return raster_filter(queryset, self.raster_query())


class ParsedParameters:
    """What a Django form of the fields would make of `data`: cleaned_data and errors by name, in
    the fields' order, with the same messages; without copying the fields for each request."""

    def __init__(self, fields: Mapping[str, forms.Field], data: Mapping[str, Any]) -> None:
        self.cleaned_data: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}
        for name, field in fields.items():
            try:  # a QueryDict's get() is its last value, as the form's widgets read it
                self.cleaned_data[name] = field.clean(data.get(name))
            except FormValidationError as exc:
                self.errors[name] = list(exc.messages)

    def is_valid(self) -> bool:
        return not self.errors

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)
        self.cleaned_data.pop(name, None)


def search_parameters(*, exclude: tuple[str, ...] = ()) -> list[OpenApiParameter]:
    """The FilterSet's parameters for OpenAPI, for views that document them by hand."""
    return [
        OpenApiParameter(name, str, description=search_filter.extra.get("help_text", ""))
        for name, search_filter in RasterFilterSet.base_filters.items()
        if name not in exclude
    ]
