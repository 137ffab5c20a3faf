"""RasterFeatureSerializer's output written by PostgreSQL, for pages of search results.

Profiling a page of 100 Features showed the Python path (model instances, DRF fields, GeoJSON
parsed and encoded again) taking more time than the query. On PostGIS the page's Features are
therefore built as JSON text in the query itself and joined into the response as they come; the
serializer stays the definition (single rasters, SpatiaLite, OpenAPI), and
tests/api/catalog/test_filters.py checks that both write the same Features.
"""

from __future__ import annotations

import functools
import json

from django.db import connection
from django.db.models import Expression, TextField
from django.db.models.expressions import RawSQL

from ...models import Collection, Raster

# DRF writes datetimes as isoformat() with Z: microseconds only when there are some.
_TIME = (
    "CASE WHEN {t} IS NULL THEN 'null' ELSE '\"' || "
    "to_char({t} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
    "CASE WHEN mod(date_part('microseconds', {t})::bigint, 1000000) = 0 THEN '' "
    "ELSE to_char({t} AT TIME ZONE 'UTC', '.US') END || 'Z\"' END"
)
# NaN and infinities are valid nodata values but not JSON numbers (see fields.number_or_text).
_NUMBER_OR_TEXT = (
    "CASE WHEN {v} IS NULL THEN 'null' WHEN {v} = 'NaN'::float8 THEN '\"nan\"' "
    "WHEN {v} = 'Infinity'::float8 THEN '\"inf\"' WHEN {v} = '-Infinity'::float8 THEN '\"-inf\"' "
    "ELSE to_json({v})::text END"
)
# One concat() of the pieces: a chain of || copies the growing text at every step (8 % of the
# Feature's cost). Every piece is text that is never NULL (concat would drop a NULL silently);
# the links' base URL is cast, as concat() cannot tell the type of a server-side parameter.
_FEATURE = """concat(
'{{"type":"Feature","id":', {r}.id,
CASE WHEN {r}.bbox_west IS NULL THEN '' ELSE ',"bbox":'
  || json_build_array({r}.bbox_west, {r}.bbox_south, {r}.bbox_east, {r}.bbox_north)::text END,
',"geometry":', COALESCE(ST_AsGeoJSON({r}.footprint, 7), 'null'),
',"properties":{{"id":', {r}.id,
',"name":', to_json({r}.name)::text,
',"collection":', COALESCE(
  (SELECT to_json(c.slug)::text FROM {c} AS c WHERE c.id = {r}.collection_id), 'null'),
',"checksum_sha256":', COALESCE(to_json({r}.checksum_sha256)::text, 'null'),
',"crs":', COALESCE(to_json(CASE WHEN {r}.crs_epsg IS NOT NULL
  THEN 'EPSG:' || {r}.crs_epsg ELSE NULLIF({r}.crs_wkt, '') END)::text, 'null'),
',"width":', COALESCE({r}.width::text, 'null'),
',"height":', COALESCE({r}.height::text, 'null'),
',"band_count":', COALESCE({r}.band_count::text, 'null'),
',"dtype":', to_json({r}.dtype)::text,
',"nodata":', {nodata},
',"resolution":', CASE WHEN {r}.resolution_x IS NULL THEN 'null'
  ELSE json_build_array({r}.resolution_x, {r}.resolution_y)::text END,
',"ground_resolution_m":', COALESCE(to_json({r}.ground_resolution_m)::text, 'null'),
',"acquired_at":', {acquired_at},
',"is_cog":', COALESCE({r}.is_cog::text, 'null'),
',"status":', to_json({r}.status)::text,
',"visibility":', to_json({r}.visibility)::text,
',"conversion_status":', to_json({r}.conversion_status)::text,
',"conversion_error":', to_json({r}.conversion_error)::text,
',"original_checksum_sha256":', to_json({r}.original_checksum_sha256)::text,
',"created":', {created},
',"links":{{"self" : "', %s::text, {r}.id,
'/", "tiles" : "', %s::text, {r}.id,
'/tiles/{{z}}/{{x}}/{{y}}.png", "tilejson" : "', %s::text, {r}.id,
'/tilejson.json", "thumbnail" : "', %s::text, {r}.id,
'/thumbnail.png", "metadata" : "', %s::text, {r}.id,
'/metadata", "cog" : "', %s::text, {r}.id,
'/cog"}}}}}}')
"""


def feature_json_supported() -> bool:
    """True where the database can write the Features (PostgreSQL)."""
    return connection.vendor == "postgresql"


@functools.lru_cache(maxsize=32)  # one per host the API is reached by; the expression is only read
def feature_json(rasters_url: str) -> Expression:
    """An expression whose value is the raster's Feature as JSON text (see RasterFeatureSerializer);
    `rasters_url`: the rasters' root URL (ApiRoot.rasters), which its links start with."""
    table = connection.ops.quote_name(Raster._meta.db_table)
    sql = _FEATURE.format(
        r=table,
        c=connection.ops.quote_name(Collection._meta.db_table),
        nodata=_NUMBER_OR_TEXT.format(v=f"{table}.nodata"),
        acquired_at=_TIME.format(t=f"{table}.acquired_at"),
        created=_TIME.format(t=f"{table}.created"),
    )
    # Only the links' base URL is a value, and it stays a bound parameter. It is written into
    # the links as JSON text already (json_build_object wrote the same bytes, and cost PostgreSQL
    # a quarter of the Feature's time).
    rasters = json.dumps(rasters_url, ensure_ascii=False)[1:-1]
    return RawSQL(sql, (rasters,) * 6, output_field=TextField())  # noqa: S611
