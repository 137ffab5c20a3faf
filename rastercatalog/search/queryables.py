"""The item properties a STAC filter, sortby or aggregation may name, and where each one lives.

One table serves the CQL2 filter (search/cql2.py), the queryables documents (JSON Schema) and the
STAC sortby: a property is queryable exactly when it is listed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Cast, Concat

from ..models import Raster

JSON_SCHEMA = "https://json-schema.org/draft/2019-09/schema"


@dataclass(frozen=True)
class Queryable:
    """An item property: the ORM field it reads and its JSON Schema."""

    orm: str
    kind: str  # string, number, integer, boolean, datetime or geometry: what literals it accepts
    title: str
    schema: dict = field(default_factory=dict)

    def json_schema(self) -> dict:
        """This property's JSON Schema, as the queryables document lists it."""
        base = {
            "string": {"type": "string"},
            "number": {"type": "number"},
            "integer": {"type": "integer"},
            "boolean": {"type": "boolean"},
            "datetime": {"type": "string", "format": "date-time"},
            "geometry": {"$ref": "https://geojson.org/schema/Geometry.json"},
        }[self.kind]
        return {"title": self.title, **base, **self.schema}


QUERYABLES: dict[str, Queryable] = {
    "id": Queryable("stac_id", "string", "Item id (the raster id, as text)"),
    "collection": Queryable("collection__slug", "string", "Collection id"),
    "geometry": Queryable("footprint", "geometry", "Footprint (EPSG:4326)"),
    "datetime": Queryable(
        "acquired_at", "datetime", "Acquisition time (rasters without one never match)"
    ),
    "created": Queryable("created", "datetime", "When the raster was catalogued"),
    "updated": Queryable("updated", "datetime", "When its record last changed"),
    "title": Queryable("name", "string", "Name"),
    "name": Queryable("name", "string", "Name (the same as title)"),
    "gsd": Queryable("ground_resolution_m", "number", "Ground sample distance, metres"),
    "proj:epsg": Queryable("crs_epsg", "integer", "EPSG code of the raster's CRS"),
    "proj:code": Queryable("proj_code", "string", "The CRS as EPSG:n", {"pattern": "^EPSG:"}),
    "width": Queryable("width", "integer", "Width in pixels"),
    "height": Queryable("height", "integer", "Height in pixels"),
    "band_count": Queryable("band_count", "integer", "Number of bands", {"minimum": 1}),
    "dtype": Queryable("dtype", "string", "GDAL data type of the bands (Byte, UInt16, Float32…)"),
    "is_cog": Queryable("is_cog", "boolean", "Whether the file is a Cloud-Optimized GeoTIFF"),
}

# STAC sortby names -> orderings of the keyset search (search/keyset.py).
SORTABLE = {
    "datetime": "acquired_at",
    "created": "created",
    "updated": "updated",
    "id": "id",
    "title": "name",
    "name": "name",
    "gsd": "resolution",
    "proj:epsg": "epsg",
    "band_count": "band_count",
}


def queryables_annotate(rasters: QuerySet[Raster]) -> QuerySet[Raster]:
    """Add the computed properties the table names (the id as text, proj:code)."""
    return rasters.annotate(
        stac_id=Cast("id", CharField()),
        proj_code=Concat(Value("EPSG:"), Cast("crs_epsg", CharField()), output_field=CharField()),
    )


def queryables_document(*, url: str, title: str) -> dict:
    """The queryables as a JSON Schema document (OGC API Features part 3)."""
    return {
        "$schema": JSON_SCHEMA,
        "$id": url,
        "type": "object",
        "title": title,
        "properties": {name: q.json_schema() for name, q in QUERYABLES.items()},
        "additionalProperties": False,
    }
