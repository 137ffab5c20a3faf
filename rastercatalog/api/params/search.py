"""The search parameters' fields: each parses one parameter's text and, when it cannot, says what it
expected.

They are Django form fields because django-filter builds its form from them; the ValueError messages
raised while parsing become the text of the 400 response, under the parameter's name. Each one's
OpenAPI declaration is its filter's help_text in api/filters.py (RasterFilterSet), which
drf-spectacular reads through DjangoFilterBackend (or search_parameters() for hand-made views).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from rest_framework.exceptions import ValidationError

from ...models import Raster

# A query geometry with more vertices than this is refused (a detailed country has ~10⁴–10⁵).
MAX_QUERY_VERTICES = 100_000
GDAL_DTYPES = (
    "Byte",
    "Int8",
    "UInt16",
    "Int16",
    "UInt32",
    "Int32",
    "UInt64",
    "Int64",
    "Float32",
    "Float64",
    "CInt16",
    "CInt32",
    "CFloat32",
    "CFloat64",
)
# Also accepted for `dtype`: numpy / STAC raster-extension names of the same types.
DTYPE_ALIASES = {name.lower(): name for name in GDAL_DTYPES} | {
    "uint8": "Byte",
    "complex64": "CFloat32",
    "complex128": "CFloat64",
}


class _ParsedField(forms.CharField):
    """A text parameter parsed by `parse`; ValueError's message becomes the 400's message."""

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return self.parse(text.strip())
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def validate(self, value: Any) -> None:  # parsed values are not strings
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def parse(self, text: str) -> Any:
        raise NotImplementedError


def _numbers(text: str, what: str) -> list[float]:
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(f"expected {what}, got {text!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"expected finite numbers: {what}")
    return values


def _check_lon_lat(lon: float, lat: float) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(
            f"longitude {lon:g}, latitude {lat:g} is outside -180..180, -90..90 (EPSG:4326)"
        )


class BBoxField(_ParsedField):
    def parse(self, text: str) -> tuple[float, float, float, float]:
        values = _numbers(text, "minx,miny,maxx,maxy in degrees, e.g. 5.9,45.8,10.5,47.8")
        if len(values) == 6:  # STAC's 3D form: minx,miny,minz,maxx,maxy,maxz
            values = [values[0], values[1], values[3], values[4]]
        if len(values) != 4:
            raise ValueError(f"expected 4 numbers minx,miny,maxx,maxy, got {len(values)}")
        west, south, east, north = values
        _check_lon_lat(west, south)
        _check_lon_lat(east, north)
        if south > north:
            raise ValueError(f"miny {south:g} is north of maxy {north:g}")
        return west, south, east, north


class PointField(_ParsedField):
    def parse(self, text: str) -> tuple[float, float]:
        values = _numbers(text, "lon,lat in degrees, e.g. 7.44,46.95")
        if len(values) != 2:
            raise ValueError(f"expected 2 numbers lon,lat, got {len(values)}")
        _check_lon_lat(*values)
        return values[0], values[1]


class GeometryField(_ParsedField):
    def parse(self, text: str) -> GEOSGeometry:
        return geometry_parse(text)


def geometry_parse(text: str) -> GEOSGeometry:
    """A valid EPSG:4326 geometry from GeoJSON (a geometry or a Feature) or WKT; ValueError if not."""
    try:
        if text.startswith("{"):
            data = json.loads(text)
            if isinstance(data, dict) and data.get("type") == "Feature":
                data = data.get("geometry") or {}
            geometry = GEOSGeometry(json.dumps(data))
        else:
            geometry = GEOSGeometry(text)
    except (ValueError, TypeError, GEOSException, GDALException) as exc:
        raise ValueError(f"expected a GeoJSON geometry or WKT in EPSG:4326 ({exc})") from None
    if geometry.srid not in (None, 4326):
        raise ValueError(f"the geometry is in EPSG:{geometry.srid}; give it in EPSG:4326")
    geometry.srid = 4326
    if geometry.empty:
        raise ValueError("the geometry is empty")
    if geometry.num_coords > MAX_QUERY_VERTICES:
        raise ValueError(f"the geometry has more than {MAX_QUERY_VERTICES} vertices; simplify it")
    west, south, east, north = geometry.extent
    _check_lon_lat(west, south)
    _check_lon_lat(east, north)
    if not geometry.valid:
        raise ValueError(f"the geometry is not valid: {geometry.valid_reason}")
    return geometry


class DatetimeIntervalField(_ParsedField):
    def parse(self, text: str) -> tuple[datetime | None, datetime | None]:
        if "/" not in text:
            start, end = _instant(text, end=False), _instant(text, end=True)
            return start, end
        first, _, second = text.partition("/")
        start = None if first in ("", "..") else _instant(first, end=False)
        end = None if second in ("", "..") else _instant(second, end=True)
        if start is None and end is None:
            raise ValueError("an interval needs at least one end: 2024-01-01T00:00:00Z/..")
        if start and end and start > end:
            raise ValueError(f"the interval ends ({second}) before it starts ({first})")
        return start, end


def _instant(text: str, *, end: bool) -> datetime:
    """An RFC 3339 date-time; a bare date stands for its whole UTC day (its start or its end)."""
    expected = "an RFC 3339 date-time such as 2024-06-15T10:05:00Z, a date, or an interval a/b"
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            moment = datetime.combine(day, time.min, tzinfo=UTC)
            return moment + timedelta(days=1, microseconds=-1) if end else moment
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        raise ValueError(f"expected {expected}, got {text!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone: add Z or an offset such as +02:00")
    return moment


class CsvField(_ParsedField):
    def parse(self, text: str) -> tuple[str, ...]:
        values = tuple(part.strip() for part in text.split(","))
        if any(not value for value in values):
            raise ValueError(f"expected comma-separated values, got {text!r}")
        return values


class IdsField(CsvField):
    def parse(self, text: str) -> tuple[int, ...]:
        try:
            return tuple(int(value) for value in super().parse(text))
        except ValueError:
            raise ValueError(
                f"expected comma-separated raster ids (integers), got {text!r}"
            ) from None


class DtypesField(CsvField):
    def parse(self, text: str) -> tuple[str, ...]:
        names = super().parse(text)
        unknown = [name for name in names if name.lower() not in DTYPE_ALIASES]
        if unknown:
            raise ValueError(
                f"unknown data type {unknown[0]!r}: expected one of {', '.join(GDAL_DTYPES)}"
            )
        return tuple(DTYPE_ALIASES[name.lower()] for name in names)


class StatusesField(CsvField):
    def parse(self, text: str) -> tuple[str, ...]:
        statuses = super().parse(text)
        unknown = [s for s in statuses if s not in Raster.Status.values]
        if unknown:
            raise ValueError(
                f"unknown status {unknown[0]!r}: expected {', '.join(Raster.Status.values)}"
            )
        return statuses


class StrictBooleanField(_ParsedField):
    def parse(self, text: str) -> bool:
        value = {"true": True, "1": True, "false": False, "0": False}.get(text.lower())
        if value is None:
            raise ValueError(f"expected true or false, got {text!r}")
        return value


class PositiveIntegerField(_ParsedField):
    def parse(self, text: str) -> int:
        if not text.isdigit() or int(text) < 1:
            raise ValueError(f"expected a whole number ≥ 1, got {text!r}")
        return int(text)


class NonNegativeNumberField(_ParsedField):
    def parse(self, text: str) -> float:
        values = _numbers(text, "a number of metres")
        if len(values) != 1 or values[0] < 0:
            raise ValueError(f"expected a number of metres ≥ 0, got {text!r}")
        return values[0]


def search_data_from_json(body: Any) -> dict[str, str]:
    """Turn a JSON search body (lists, objects, numbers) into the strings the FilterSet parses."""
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": ["the request body must be a JSON object"]})
    data = {}
    for name, value in body.items():
        if value is None:
            continue
        if isinstance(value, dict):
            data[name] = json.dumps(value)
        elif isinstance(value, list | tuple):
            data[name] = ",".join(str(v).lower() if isinstance(v, bool) else str(v) for v in value)
        elif isinstance(value, bool):
            data[name] = "true" if value else "false"
        else:
            data[name] = str(value)
    return data
