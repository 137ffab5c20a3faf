"""Keyset paging of search results: a page starts just after (or ends just before) a known row.

A position is the sort key and the id of a row, so the next page is `WHERE (key, id) > (v, i)
ORDER BY key, id LIMIT n`: as fast on page 10,000 as on page 1, and rows inserted or deleted
meanwhile never make a page repeat or skip a row (OFFSET would). Rows without a value for the key
(no acquisition time, no resolution) come last in both directions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

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
    in_area: bool = False,
) -> Page:
    """One page of `rasters` in `ordering` ("name", "-created", …), starting at `position`.

    With `values` (fields or annotations), each row is the tuple of those values alone: no model
    instance is built, which is most of the cost of a page whose rows are already JSON text.
    `in_area`: `rasters` are narrowed to an area (bbox, intersects, point), so that newest-first
    pages can read the area's rasters in that order from the (footprint, created) index.
    """
    key = SORT_KEYS[ordering.lstrip("-")]
    descending = ordering.startswith("-")
    backwards = position is not None and position.before
    scan_descending = descending != backwards
    # Nulls come last in the order the client sees, so first when reading it backwards.
    nulls_first = backwards
    if position is not None:
        rasters = rasters.filter(_beyond(key, position, scan_descending, nulls_first))
    if in_area and key.attribute == "created" and scan_descending and _newest_first_indexed():
        cutoff = _newest_cutoff(rasters, limit + 1)
        if cutoff is not None:  # else the area holds at most `limit` rasters: sorting them is cheap
            rasters = rasters.filter(created__gte=cutoff)
    ordered = rasters.order_by(*_order_by(key, scan_descending, nulls_first))
    if values:
        ordered = ordered.values_list("id", key.attribute, *values)
    rows = list(ordered[: limit + 1])
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
_SINCE_FAR_FUTURE = "(%(expressions)s <-> '3000-01-01 00:00:00+00'::timestamptz)"


def _newest_first_indexed() -> bool:
    return connection.vendor == "postgresql"


def _newest_cutoff(rasters: QuerySet[Raster], count: int) -> datetime | None:
    """The `created` of the count-th newest of `rasters` (None if there are fewer): the newest
    `count` are at or after it, ties included.

    Sorting an area's matches by `created` reads them all (~3,000 rows for a small box in a dense
    area of 10,000,000 footprints, 8-40 ms); the index reads them newest first and stops after
    `count`. A query of its own, so that the page's query gets the instant as a constant: PostgreSQL
    then expects few rows and scans the index, where a subquery's unknown value made it plan
    parallel bitmap scans of large areas (12-14 ms instead of 3-5).
    """
    newest = rasters.order_by(Func(F("created"), template=_SINCE_FAR_FUTURE))
    found = list(newest.values_list("created", flat=True)[count - 1 : count])
    return found[0] if found else None


def _position_of(row: Raster | tuple, key: SortKey, ordering: str, *, before: bool) -> Position:
    if isinstance(row, tuple):  # values_list("id", key.attribute, …)
        return Position(ordering, row[1], row[0], before)
    return Position(ordering, getattr(row, key.attribute), row.pk, before)


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
    """Rows strictly after `position` when reading in this direction."""
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
