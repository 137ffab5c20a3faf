"""Keyset paging of search results: a page starts just after (or ends just before) a known row.

A position is the sort key and the id of a row, so the next page is `WHERE (key, id) > (v, i)
ORDER BY key, id LIMIT n`: as fast on page 10,000 as on page 1, and rows inserted or deleted
meanwhile never make a page repeat or skip a row (OFFSET would). Rows without a value for the key
(no acquisition time, no resolution) come last in both directions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, Func, Q, QuerySet

from ..models import Raster

DEFAULT_ORDERING = "-created"


@dataclass(frozen=True)
class SortKey:
    attribute: str  # model field or annotation
    nullable: bool
    kind: type  # the Python type of its values, for cursors


SORT_KEYS = {
    "created": SortKey("created", nullable=False, kind=datetime),
    "acquired_at": SortKey("acquired_at", nullable=True, kind=datetime),
    "name": SortKey("name", nullable=False, kind=str),
    "resolution": SortKey("ground_resolution_m", nullable=True, kind=float),
    "distance": SortKey("distance_m", nullable=True, kind=float),  # needs a point: see search.py
    "id": SortKey("id", nullable=False, kind=int),
    # STAC sortby's other properties (search/queryables.py); no (key, id) index: a full sort.
    "updated": SortKey("updated", nullable=False, kind=datetime),
    "epsg": SortKey("crs_epsg", nullable=True, kind=int),
    "band_count": SortKey("band_count", nullable=True, kind=int),
}
ORDERINGS = tuple(name for key in SORT_KEYS for name in (key, f"-{key}"))


@dataclass(frozen=True)
class Position:
    """Just after the row (value, id) in `ordering`; just before it when `before` is true."""

    ordering: str
    value: Any
    id: int
    before: bool = False

    def to_primitive(self) -> list:
        """A JSON-able form of the position (for an opaque cursor)."""
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        return [self.ordering, value, self.id, int(self.before)]

    @classmethod
    def from_primitive(cls, data: Any) -> Position:
        """Read `to_primitive`'s output back; ValueError if it is not one."""
        if not (isinstance(data, list) and len(data) == 4):
            raise ValueError("not a cursor")
        ordering, value, pk, before = data
        if ordering not in ORDERINGS or not isinstance(pk, int) or before not in (0, 1):
            raise ValueError("not a cursor")
        kind = SORT_KEYS[ordering.lstrip("-")].kind
        if value is not None:
            if kind is datetime:
                value = datetime.fromisoformat(value)
            elif kind is float and isinstance(value, int | float):
                value = float(value)
            elif not isinstance(value, kind):
                raise ValueError("not a cursor")
        return cls(ordering, value, pk, bool(before))


@dataclass(frozen=True)
class Page:
    rasters: list  # Raster instances; with raster_page(values=…), the values' tuples
    next: Position | None
    previous: Position | None


def raster_page(
    rasters: QuerySet[Raster],
    *,
    ordering: str,
    limit: int,
    position: Position | None = None,
    values: tuple[str, ...] = (),
    by_id: QuerySet[Raster] | None = None,
    area_deg2: float = 0.0,
) -> Page:
    """One page of `rasters` in `ordering` ("name", "-created", …), starting at `position`.

    With `values` (fields or annotations), each row is the tuple of those values alone: no model
    instance is built, which is most of the cost of a page whose rows are already JSON text.
    `by_id`: when `rasters` are narrowed to an area (bbox, intersects, point), the same rasters
    before that narrowing, shaped as `rasters` are: a newest-first page is then found in the
    (footprint, created) index, in that order, and its rows read from `by_id` by id (in a large
    catalog, or over a wide area: `area_deg2`, the area's size in square degrees).
    The newest-first page of an area with no other filter has its SQL written out in
    search/area_page.py.
    """
    key = SORT_KEYS[ordering.lstrip("-")]
    descending = ordering.startswith("-")
    backwards = position is not None and position.before
    scan_descending = descending != backwards
    # Nulls come last in the order the client sees, so first when reading it backwards.
    nulls_first = backwards
    if position is not None:
        rasters = rasters.filter(_beyond(key, position, scan_descending, nulls_first))

    def fetch(rasters: QuerySet[Raster]) -> list:
        ordered = rasters.order_by(*_order_by(key, scan_descending, nulls_first))
        if values:
            ordered = ordered.values_list("id", key.attribute, *values)
        return list(ordered[: limit + 1])

    in_order = key.attribute == "created" and scan_descending
    if by_id is not None and in_order and knn_indexed(area_deg2=area_deg2):
        rows = fetch(by_id.filter(pk__in=_newest(rasters, limit + 1)))
        if not page_settled([_key_of(row, key) for row in rows], limit):
            # Rasters tie on `created` with the last candidate: all from that instant on, sorted.
            rows = fetch(rasters.filter(created__gte=_key_of(rows[-1], key)))
    else:
        rows = fetch(rasters)
    return page_of(rows, ordering=ordering, limit=limit, position=position, values=bool(values))


def page_of(
    rows: list, *, ordering: str, limit: int, position: Position | None, values: bool
) -> Page:
    """The Page of rows fetched in scan order (at most limit + 1: one more tells there are more);
    `values`: rows are tuples (id, sort key, values…), and the page keeps the values."""
    key = SORT_KEYS[ordering.lstrip("-")]
    backwards = position is not None and position.before
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    first = _position_of(rows[0], key, ordering, before=True) if rows else None
    last = _position_of(rows[-1], key, ordering, before=False) if rows else None
    if values:
        rows = [row[2:] for row in rows]
    if backwards:
        return Page(rows, next=last, previous=first if more else None)
    return Page(rows, next=last if more else None, previous=first if position else None)


# `created <-> this instant` (btree_gist's distance) shrinks as `created` gets newer: the GiST index
# on (footprint, created) of migration 0006 returns an area's rasters in that order.
SINCE_FAR_FUTURE = "'3000-01-01 00:00:00+00'::timestamptz"
_SINCE_FAR_FUTURE = f"(%(expressions)s <-> {SINCE_FAR_FUTURE})"


_ROW_ESTIMATE_TTL = 600.0  # seconds a process trusts its estimate of the catalog's size
_row_estimate: tuple[float, float] = (0.0, -1.0)  # (read at, rows)
# From this size on an area holds enough rasters for the index to win whatever the catalog's
# size: at 1,000,000 footprints, boxes of 1-5° took 0.5-1 ms in the index against 1-3 ms sorted,
# and pages of a 20° box ~15 ms against ~60 ms.
WIDE_AREA_DEG2 = 4.0


def knn_indexed(*, area_deg2: float) -> bool:
    """True when newest-first pages of an area should come from the (footprint, created) index:
    PostgreSQL, and an area likely to hold far more rasters than a page (a large catalog, or a
    wide area)."""
    if connection.vendor != "postgresql":
        return False
    threshold = settings.RASTERCATALOG_SEARCH_INDEX_ORDER_MIN_ROWS
    if threshold <= 0 or area_deg2 >= WIDE_AREA_DEG2:
        return True
    return _rows_estimated() >= threshold


def _rows_estimated() -> float:
    """PostgreSQL's estimate of the rasters (pg_class.reltuples: no count), read every 10 min."""
    global _row_estimate
    read_at, rows = _row_estimate
    if time.monotonic() - read_at > _ROW_ESTIMATE_TTL:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Raster._meta.db_table]
            )
            rows = float(cursor.fetchone()[0])
        _row_estimate = (time.monotonic(), rows)
    return rows


def _newest(rasters: QuerySet[Raster], count: int) -> QuerySet[Raster]:
    """The ids of the `count` newest of `rasters` (a subquery), ties in no particular order.

    Sorting an area's matches by `created` reads every one of them (~3,000 rows for a small box
    in a dense area of 10,000,000 footprints: 8-40 ms); the index hands them over newest first
    and the scan stops after `count`. The page's rows are then read by id: with the area's
    condition again, PostgreSQL (which underestimates small areas' rows) would scan the area a
    second time rather than fetch ~100 rows by their key.
    """
    ordered = rasters.order_by(Func(F("created"), template=_SINCE_FAR_FUTURE))
    return ordered.values("id")[:count]


def page_settled(created: list[datetime], limit: int) -> bool:
    """True when candidates (at most limit + 1, newest first) hold the page and tell whether
    more follow: unless those at the last one's instant are needed to fill the page."""
    return len(created) <= limit or created[limit - 1] > created[-1]


def _key_of(row: Raster | tuple, key: SortKey) -> Any:
    return row[1] if isinstance(row, tuple) else getattr(row, key.attribute)


def _position_of(row: Raster | tuple, key: SortKey, ordering: str, *, before: bool) -> Position:
    pk = row[0] if isinstance(row, tuple) else row.pk  # values_list("id", key.attribute, …)
    return Position(ordering, _key_of(row, key), pk, before)


def _order_by(key: SortKey, descending: bool, nulls_first: bool) -> list:
    expression = F(key.attribute)
    if key.attribute == "id":
        return [expression.desc() if descending else expression.asc()]
    nulls = {"nulls_first": True} if nulls_first else {"nulls_last": True}
    if not key.nullable:
        nulls = {}
    ordered = expression.desc(**nulls) if descending else expression.asc(**nulls)
    return [ordered, F("id").desc() if descending else F("id").asc()]


def _beyond(key: SortKey, position: Position, descending: bool, nulls_first: bool) -> Q:
    """Rows strictly after `position` when reading in this direction (search/area_page.py writes
    the same for `created`)."""
    past = "lt" if descending else "gt"
    id_past = Q(**{f"id__{past}": position.id})
    if key.attribute == "id":
        return id_past
    attribute, value = key.attribute, position.value
    if value is None:
        after_in_nulls = Q(**{f"{attribute}__isnull": True}) & id_past
        return (
            after_in_nulls | Q(**{f"{attribute}__isnull": False}) if nulls_first else after_in_nulls
        )
    # `key <= v AND (key < v OR id < i)` (descending) rather than a plain OR: the first term is a
    # range the (key, id) index can scan.
    at_most = Q(**{f"{attribute}__{past}e": value})
    beyond = at_most & (Q(**{f"{attribute}__{past}": value}) | id_past)
    if key.nullable and not nulls_first:
        beyond |= Q(**{f"{attribute}__isnull": True})
    return beyond
