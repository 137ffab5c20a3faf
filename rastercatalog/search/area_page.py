"""The catalog search's usual page, its SQL written out: newest first, in an area or in the whole
catalog, with no other filter, each row the columns a Feature is written from.

It is the page keyset.raster_page reads through the ORM, in the same order and with the same
plans (tests/api/catalog/test_prepared.py holds both to the same bytes). Building and compiling
those querysets cost Django ~1.1 ms a search, a quarter of its time (profiled), and the SQL came
out the same every time but for the values. Written out, each shape of query is one prepared
statement (search/prepared.py): no query built, compiled, parsed or planned per search. Only
these parameters qualify because no value of theirs changes the best plan; which of the two
plans, the area's size decides here as in raster_page (keyset.knn_indexed).
"""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from ..models import Raster
from .filters import RasterQuery, query_geometries, spatial_sql
from .keyset import (
    DEFAULT_ORDERING,
    SINCE_FAR_FUTURE,
    Page,
    Position,
    knn_indexed,
    page_of,
    page_settled,
)
from .prepared import rows_prepared
from .visible import User, raster_visible_sql


def area_page_supported(query: RasterQuery, ordering: str) -> bool:
    """True for the searches raster_feature_page answers: PostgreSQL, newest first, at most an area
    (bbox, intersects, point, predicate) and the default statuses (RASTERCATALOG_SEARCH_PREPARED:
    false for none)."""
    if not settings.RASTERCATALOG_SEARCH_PREPARED or connection.vendor != "postgresql":
        return False
    plain = replace(query, bbox=None, intersects=None, point=None, predicate="intersects")
    plain = replace(plain, statuses=tuple(plain.statuses))
    return ordering == DEFAULT_ORDERING and plain == RasterQuery()


def raster_feature_page(
    *,
    user: User | None,
    query: RasterQuery,
    columns: str,
    limit: int,
    position: Position | None = None,
    ordering: str = DEFAULT_ORDERING,
    area_deg2: float = 0.0,
) -> Page:
    """The page raster_page(raster_search(query, user=user), values=…, …) returns, for a query
    area_page_supported accepts: `columns` is the SQL of the values (a select list on the rasters'
    table, by its name; no parameters)."""
    if not area_page_supported(query, ordering):
        raise ValueError("raster_feature_page answers newest-first area searches only")
    # Only names and numbers of ours are written into the SQL; every value is a parameter.
    table = connection.ops.quote_name(Raster._meta.db_table)
    backwards = position is not None and position.before
    descending = "ASC" if backwards else "DESC"
    select = f"SELECT {table}.id, {table}.created, {columns} FROM {table}"  # noqa: S608
    order = f"ORDER BY {table}.created {descending}, {table}.id {descending} LIMIT {limit + 1}"

    geometries = query_geometries(query)

    def sorted_page(*extra: tuple[str, list]) -> list[tuple]:
        where, values = _conditions(user, query, geometries, position, table, *extra)
        return rows_prepared(f"{select} WHERE {where} {order}", values)

    if not backwards and geometries and knn_indexed(area_deg2=area_deg2):
        # As keyset._newest: the newest ids from the (footprint, created) index, read by id.
        inner, inner_values = _conditions(user, query, geometries, position, "U0")
        newest = (
            f"SELECT U0.id FROM {table} U0 WHERE {inner} "  # noqa: S608
            f"ORDER BY (U0.created <-> {SINCE_FAR_FUTURE}) ASC LIMIT {limit + 1}"
        )
        visible, visible_values = raster_visible_sql(user=user, table=table)
        where = f"{visible} AND " if visible else ""
        sql = f"{select} WHERE {where}{table}.id IN ({newest}) {order}"
        rows = rows_prepared(sql, [*visible_values, *inner_values])
        if not page_settled([row[1] for row in rows], limit):
            # Rasters tie on `created` with the last candidate: all from that instant on, sorted.
            rows = sorted_page((f"{table}.created >= %s", [rows[-1][1]]))
    else:
        rows = sorted_page()
    return page_of(rows, ordering=ordering, limit=limit, position=position, values=True)


def _conditions(
    user: User | None,
    query: RasterQuery,
    geometries: list[GEOSGeometry],
    position: Position | None,
    table: str,
    *extra: tuple[str, list],
) -> tuple[str, list]:
    """The WHERE clause raster_search and raster_page write for the query, and its values."""
    parts = [raster_visible_sql(user=user, table=table)]
    for geometry in geometries:  # the query's, from query_geometries
        parts.append(spatial_sql(geometry, query.predicate, footprint=f"{table}.footprint"))
    statuses = ", ".join(["%s"] * len(query.statuses))
    parts.append((f"{table}.status IN ({statuses})", list(query.statuses)))
    if position is not None:
        # keyset._beyond for a key without nulls: the range first, which the index can scan.
        past = ">" if position.before else "<"
        created, pk = f"{table}.created", f"{table}.id"
        parts.append(
            (
                f"{created} {past}= %s AND ({created} {past} %s OR {pk} {past} %s)",
                [position.value, position.value, position.id],
            )
        )
    parts.extend(extra)
    sql = " AND ".join(f"({condition})" for condition, _ in parts if condition)
    return sql, [value for condition, values in parts if condition for value in values]
