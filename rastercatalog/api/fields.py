"""Serializer fields of the search API."""

from __future__ import annotations

import json
import math
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework_gis.fields import GeometryField


@extend_schema_field(
    {
        "type": "object",
        "description": "A GeoJSON MultiPolygon in EPSG:4326 (null while not ingested)",
        "nullable": True,
    }
)
class FootprintField(GeometryField):
    """The footprint as GeoJSON, taken as text from the `footprint_geojson` annotation when present.

    PostGIS writes GeoJSON far faster than GEOS → OGR → Python can; rows fetched without the
    annotation (a single raster) fall back to the geometry itself.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, raster: Any) -> dict | None:
        text = getattr(raster, "footprint_geojson", None)
        if text is not None:
            return json.loads(text)
        if raster.footprint is None:
            return None
        return json.loads(raster.footprint.json)


def number_or_text(value: float | None) -> float | str | None:
    """A float for JSON: NaN and infinities (valid nodata values) become "nan", "inf", "-inf"."""
    if value is None or math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
