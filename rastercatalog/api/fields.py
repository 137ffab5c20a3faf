"""Serializer fields of the search API."""

from __future__ import annotations

import json
import math
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField

# A nodata value as JSON can carry it: a number, "nan"/"inf"/"-inf" (JSON has no such numbers, and
# gdalinfo's JSON writes them so), or null when there is none.
NODATA_SCHEMA = {
    "oneOf": [{"type": "number"}, {"type": "string", "enum": ["nan", "inf", "-inf"]}],
    "nullable": True,
    "description": 'null when none; "nan", "inf" or "-inf" for those values',
}


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


@extend_schema_field(NODATA_SCHEMA)
class NodataField(serializers.FloatField):
    """A nodata value: a number, or "nan", "inf", "-inf" (see number_or_text), or null."""

    def to_representation(self, value):
        return number_or_text(None if value is None else float(value))
