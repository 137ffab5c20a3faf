"""RasterFeatureSerializer's output for pages of search results, from the rows' columns.

The serializer stays the definition (single rasters, SpatiaLite, OpenAPI);
tests/api/catalog/test_filters.py and test_feature_rows.py hold both to the same Features. A page
of 100 through the serializer costs more than its query (model instances, DRF fields, GeoJSON
parsed and encoded again); here, on PostGIS, the page's query returns the Features' columns as
they are stored (in binary), PostgreSQL writes only the footprint's GeoJSON and the collection's
slug, and orjson encodes the page at once.

Against PostgreSQL writing each Feature as JSON text (a concat() of ~60 pieces, eight to_json
and four to_char a row: this module's former design), A/B over 1,000,000 footprints (README,
"Third round"): PostgreSQL's CPU per search 4.4-4.5 -> 2.9-3.1 ms, gunicorn's +1.0 ms, p50 over
HTTP -1.0 ms. This is the only module that imports orjson.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import orjson
from django.db import connection
from django.db.models import TextField
from django.db.models.expressions import RawSQL

from ...models import Collection, Raster
from ..fields import number_or_text
from ..links import raster_links_under
from .serializers import RasterFeatureSerializer

# The serializer's properties that are columns as they are stored, in its order: the page's query
# returns them first, and each Feature takes them as they come (adding such a field to the
# serializer adds it here). The other properties are written from the columns after them.
_WRITTEN = {"collection", "crs", "nodata", "resolution", "links"}
_AS_STORED = tuple(f for f in RasterFeatureSerializer.Meta.fields if f not in _WRITTEN)
_WRITTEN_FROM = (
    "bbox_west",
    "bbox_south",
    "bbox_east",
    "bbox_north",
    "crs_epsg",
    "nodata",
    "resolution_x",
    "resolution_y",
)
_STORED = (*_AS_STORED, *_WRITTEN_FROM)
# What PostgreSQL computes (SQL on the rasters' table {r} and the collections' table {c}).
_COMPUTED = {
    "feature_geometry": "ST_AsGeoJSON({r}.footprint, 7)",
    "feature_collection": "(SELECT c.slug FROM {c} AS c WHERE c.id = {r}.collection_id)",
    # The WKT only where the Feature shows it (no EPSG code): it can be kilobytes.
    "feature_crs_wkt": "CASE WHEN COALESCE({r}.crs_epsg, 0) = 0 THEN NULLIF({r}.crs_wkt, '') END",
}
FEATURE_FIELDS = (*_STORED, *_COMPUTED)


def feature_rows_supported() -> bool:
    """True where the database computes the columns (PostgreSQL); elsewhere the serializer."""
    return connection.vendor == "postgresql"


@functools.cache  # the same text for every search: table and column names only
def feature_columns_sql() -> str:
    """The select list of FEATURE_FIELDS on the rasters' table, by its name (no values)."""
    table = connection.ops.quote_name(Raster._meta.db_table)
    stored = [f"{table}.{connection.ops.quote_name(name)}" for name in _STORED]
    return ", ".join([*stored, *_computed_sql().values()])


def feature_annotations() -> dict[str, RawSQL]:
    """The computed FEATURE_FIELDS as annotations, for pages read through the ORM."""
    return {
        name: RawSQL(sql, (), output_field=TextField())  # noqa: S611 (names of ours, no values)
        for name, sql in _computed_sql().items()
    }


@functools.cache
def _computed_sql() -> dict[str, str]:
    """_COMPUTED written on the rasters' and the collections' tables, by their names."""
    table = connection.ops.quote_name(Raster._meta.db_table)
    collections = connection.ops.quote_name(Collection._meta.db_table)
    return {name: sql.format(r=table, c=collections) for name, sql in _COMPUTED.items()}


def features_json(rows: Iterable[Sequence], rasters_url: str) -> bytes:
    """The JSON array of the Features of `rows` (FEATURE_FIELDS' values, in order); `rasters_url`:
    the rasters' root URL (ApiRoot.rasters), which their links start with."""
    links = _links_template(rasters_url)
    return orjson.dumps([_feature(row, links) for row in rows], option=orjson.OPT_UTC_Z)


@functools.lru_cache(maxsize=32)  # one per host the API is reached by
def _links_template(rasters_url: str) -> str:
    """The links of links.raster_links_under as JSON text, `%(id)d` where the raster's id goes:
    one formatting a Feature instead of a dict of six strings to encode (1.5 µs, profiled)."""
    return orjson.dumps(raster_links_under(rasters_url.replace("%", "%%"), "%(id)d")).decode()


def _feature(row: Sequence, links: str) -> dict:
    properties = dict(zip(_AS_STORED, row, strict=False))
    (
        west,
        south,
        east,
        north,
        epsg,
        nodata,
        resolution_x,
        resolution_y,
        geometry,
        collection,
        wkt,
    ) = row[len(_AS_STORED) :]
    pk = properties["id"]
    feature: dict = {"type": "Feature", "id": pk}
    if west is not None:
        # From the bbox columns, not the geometry: west > east across the antimeridian.
        feature["bbox"] = [west, south, east, north]
    feature["geometry"] = orjson.Fragment(geometry) if geometry is not None else None
    properties["collection"] = collection
    properties["crs"] = f"EPSG:{epsg}" if epsg else wkt
    properties["nodata"] = number_or_text(nodata)
    properties["resolution"] = None if resolution_x is None else [resolution_x, resolution_y]
    properties["links"] = orjson.Fragment(links % {"id": pk})
    feature["properties"] = properties
    return feature
