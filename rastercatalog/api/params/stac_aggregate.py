"""STAC aggregation parameters: their OpenAPI declarations and their parsing.

An aggregation request is a search (the same parameters, filter included) plus `aggregations`,
the names to compute, and their options.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from ...search.aggregations import AGGREGATIONS, INTERVALS, MAX_GEOTILE_PRECISION

AGGREGATE_PARAMETERS = [
    OpenApiParameter(
        "aggregations",
        str,
        description=f"Comma-separated, from {', '.join(AGGREGATIONS)} (default total_count)",
    ),
    OpenApiParameter("datetime_frequency_interval", str, enum=list(INTERVALS)),
    OpenApiParameter(
        "grid_geotile_frequency_precision",
        int,
        description=f"Zoom of the geotile grid, 0-{MAX_GEOTILE_PRECISION} (default 4)",
    ),
]
# Search parameters that make no sense for an aggregation.
NOT_FOR_AGGREGATION = ("token", "sortby", "fields")


@dataclass(frozen=True)
class AggregationRequest:
    names: list[str]
    interval: str = "month"
    precision: int = 4


def aggregation_parse(params: Any, *, from_json: bool) -> AggregationRequest:
    """The aggregations asked for (a query string, or a POST body when `from_json`)."""
    names = params.get("aggregations") or ["total_count"]
    if isinstance(names, str):
        names = [name.strip() for name in names.split(",") if name.strip()]
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValidationError({"aggregations": ["expected names, comma-separated or a list"]})
    unknown = [name for name in names if name not in AGGREGATIONS]
    if unknown or not names:
        known = ", ".join(AGGREGATIONS)
        raise ValidationError({"aggregations": [f"unknown {unknown}: available are {known}"]})
    interval = params.get("datetime_frequency_interval") or "month"
    if interval not in INTERVALS:
        raise ValidationError({"datetime_frequency_interval": [f"one of {', '.join(INTERVALS)}"]})
    precision = params.get("grid_geotile_frequency_precision")
    precision = 4 if precision in (None, "") else precision
    text = str(precision)
    if isinstance(precision, bool) or not text.isdigit() or int(text) > MAX_GEOTILE_PRECISION:
        message = f"a whole number from 0 to {MAX_GEOTILE_PRECISION}"
        raise ValidationError({"grid_geotile_frequency_precision": [message]})
    for name in NOT_FOR_AGGREGATION:
        if params.get(name) not in (None, "", [], {}):
            raise ValidationError({name: ["not used by aggregations"]})
    return AggregationRequest(list(dict.fromkeys(names)), interval, int(text))
