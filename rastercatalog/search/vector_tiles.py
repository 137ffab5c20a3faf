"""Footprints as Mapbox Vector Tiles, made by PostGIS (ST_AsMVT) from a search's queryset.

Each footprint is clipped to the tile (plus a margin) in EPSG:4326 first, so that a continent-sized
footprint costs no more than its part in view and no vertex at a pole reaches Web Mercator, which
cannot hold ±90°. It is then simplified to about one tile unit before it is projected, and
ST_AsMVTGeom snaps it to the tile grid.

Up to zoom THIN_MAX_ZOOM a tile may cover tens of thousands of footprints, more than a screen can
tell apart and more than a tile should weigh. There the tile is generalised: of the footprints
whose bbox centre falls in the same cell of CELL x CELL tile units (8 x 8 pixels of a 256-pixel
tile), only the largest is drawn, and its `count` property says how many it stands for. From the
next zoom on every footprint is drawn, with count 1.
"""

from __future__ import annotations

import math

from django.db import connection, transaction
from django.db.models import Case, CharField, F, FloatField, Func, QuerySet, When
from django.db.models.functions import Coalesce, Floor, Ln, Radians, Tan

from ..errors import VectorTilesUnavailable
from ..geo.webmercator import Tile, tile_bounds_lonlat
from ..models import Collection, Raster
from .filters import bbox_geometry

EXTENT = 4096  # tile units per side
BUFFER = 64  # units drawn beyond each edge, so that outlines do not show seams between tiles
CELL = 128  # tile units per side of a generalisation cell
THIN_MAX_ZOOM = 6
LAYER = "footprints"
MAX_LATITUDE = 89.9  # clip short of the poles, where Web Mercator is infinite

# {geometry} is ST_AsMVTGeom of r.footprint for this tile; {candidates} is the search's SQL for
# the rasters in the tile: id, row location, cell and area. MATERIALIZED keeps PostgreSQL from inlining a
# subquery and computing each tile geometry twice (for the IS NOT NULL test and for the output).
TILE_QUERY = """
WITH candidates AS MATERIALIZED ({candidates}),
picked AS ({picked}),
features AS MATERIALIZED (
  SELECT r.id, r.name, col.slug AS collection, picked.n AS count,
         to_char(r.acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS acquired_at,
         {geometry} AS geom
  FROM picked
  JOIN {rasters} AS r ON r.ctid = picked.mvt_row
  LEFT JOIN {collections} AS col ON col.id = r.collection_id
)
SELECT ST_AsMVT(tile, %s, %s, 'geom', 'fid') FROM (
  SELECT f.id, f.id AS fid, f.name, f.collection, f.acquired_at, f.count, f.geom
  FROM features AS f WHERE f.geom IS NOT NULL
) AS tile
"""
# The largest footprint of each cell, and how many the cell holds. Grouping by hash and joining
# back costs a third of what window functions over all candidates (sorted) do.
THINNED = """
  SELECT DISTINCT ON (cells.x, cells.y) c.mvt_row, cells.n
  FROM (
    SELECT c.mvt_cell_x AS x, c.mvt_cell_y AS y, count(*) AS n, max(c.mvt_area) AS area
    FROM candidates AS c GROUP BY 1, 2
  ) AS cells
  JOIN candidates AS c
    ON c.mvt_cell_x = cells.x AND c.mvt_cell_y = cells.y AND c.mvt_area = cells.area
  ORDER BY cells.x, cells.y, c.id
"""
EVERY_FOOTPRINT = "SELECT c.mvt_row, 1 AS n FROM candidates AS c"
# Enough memory to keep a dense low-zoom tile's ~60,000 candidates and their cells off the disk.
TILE_WORK_MEM = "32MB"


class RowLocation(Func):
    """The physical location (ctid) of a raster's row in this query's snapshot: the picked rows
    are fetched again by it, which skips the primary key index (a few ms per thousand rows)."""

    template = f'"{Raster._meta.db_table}".ctid'
    output_field = CharField()  # never read in Python: it only goes back into the query


def footprint_tile(rasters: QuerySet[Raster], *, z: int, x: int, y: int) -> bytes:
    """The footprints of `rasters` in tile z/x/y: layer "footprints" with id, name, collection,
    acquired_at and count; feature ids are raster ids. Empty bytes when no footprint is there."""
    if connection.vendor != "postgresql":
        database = "SpatiaLite" if connection.vendor == "sqlite" else connection.display_name
        raise VectorTilesUnavailable(
            f"footprint vector tiles need PostGIS (ST_AsMVT) and this catalog runs on {database}: "
            "set DATABASE_URL=postgis://… to serve them, or read the footprints as GeoJSON from "
            "/api/rasters/?bbox=…"
        )
    sql, params = footprint_tile_query(rasters, z=z, x=x, y=y)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = %s", (TILE_WORK_MEM,))
        cursor.execute(sql, params)
        (tile,) = cursor.fetchone()
    return bytes(tile or b"")


def footprint_tile_query(rasters: QuerySet[Raster], *, z: int, x: int, y: int) -> tuple[str, tuple]:
    """The SQL and parameters that make tile z/x/y of `rasters` (PostGIS only; for EXPLAIN too)."""
    tile = Tile.checked(z, x, y)
    west, south, east, north = tile_bounds_lonlat(
        tile, margin=BUFFER / EXTENT, max_latitude=MAX_LATITUDE
    )
    cells = 2**z * EXTENT / CELL  # cells across the world at this zoom
    centre_lon = Case(  # a bbox across the antimeridian has its centre past 180°
        When(bbox_west__gt=F("bbox_east"), then=(F("bbox_west") + F("bbox_east") + 360.0) / 2),
        default=(F("bbox_west") + F("bbox_east")) / 2,
        output_field=FloatField(),
    )
    centre_lat = (F("bbox_south") + F("bbox_north")) / 2
    width = Case(
        When(bbox_west__gt=F("bbox_east"), then=F("bbox_east") - F("bbox_west") + 360.0),
        default=F("bbox_east") - F("bbox_west"),
        output_field=FloatField(),
    )
    candidates = (
        rasters.filter(footprint__bboverlaps=bbox_geometry((west, south, east, north)))
        .order_by()
        .annotate(
            mvt_cell_x=Floor((centre_lon + 180.0) / 360.0 * cells),
            mvt_cell_y=Floor(
                (1 - Ln(Tan(Radians(45.0 + centre_lat / 2))) / math.pi) / 2 * cells,
                output_field=FloatField(),
            ),
            mvt_area=Coalesce(width * (F("bbox_north") - F("bbox_south")), 0.0),
        )
        .annotate(mvt_row=RowLocation())
        .values("id", "mvt_row", "mvt_cell_x", "mvt_cell_y", "mvt_area")
    )
    candidates_sql, params = candidates.query.sql_with_params()
    # About one tile unit in degrees at the tile's centre latitude (Mercator shrinks it poleward).
    tolerance = 360.0 / 2**z / EXTENT * math.cos(math.radians((south + north) / 2))
    geometry = (
        f"ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_ClipByBox2D(r.footprint, "
        f"ST_MakeEnvelope({west!r}, {south!r}, {east!r}, {north!r}, 4326)), {tolerance!r}, true), "
        f"3857), ST_TileEnvelope({z:d}, {x:d}, {y:d}), {EXTENT:d}, {BUFFER:d}, true)"
    )
    # Only numbers computed here and Django's compiled SQL (whose values stay bound parameters)
    # are formatted into the query.
    sql = TILE_QUERY.format(
        candidates=candidates_sql,
        geometry=geometry,
        rasters=connection.ops.quote_name(Raster._meta.db_table),
        collections=connection.ops.quote_name(Collection._meta.db_table),
        picked=THINNED if z <= THIN_MAX_ZOOM else EVERY_FOOTPRINT,
    )
    return sql, (*params, LAYER, EXTENT)
