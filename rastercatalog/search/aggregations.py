"""Aggregations over the rasters a search matches (STAC API aggregation extension).

Each aggregation is one GROUP BY in the database: counts by acquisition day/month/year, by
collection, and by Web Mercator tile of the bbox centre (geotile: "z/x/y" keys, written with
portable math functions so that SpatiaLite runs them too).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import (
    Cast,
    Cos,
    Floor,
    Greatest,
    Least,
    Ln,
    Power,
    Radians,
    Tan,
    TruncDay,
    TruncMonth,
    TruncYear,
)
from django.db.models.lookups import GreaterThan

from ..models import Raster

AGGREGATIONS = {
    "total_count": "integer",
    "datetime_min": "datetime",
    "datetime_max": "datetime",
    "datetime_frequency": "frequency_distribution",
    "collection_frequency": "frequency_distribution",
    "grid_geotile_frequency": "frequency_distribution",
}
INTERVALS = {"day": TruncDay, "month": TruncMonth, "year": TruncYear}
MAX_GEOTILE_PRECISION = 20
MAX_LATITUDE = 85.0511287798066


def aggregations_compute(
    rasters: QuerySet[Raster],
    names: list[str],
    *,
    interval: str = "month",
    precision: int = 4,
) -> list[dict]:
    """The aggregations `names` (AGGREGATIONS' keys) of `rasters`, in the order asked."""
    rasters = rasters.order_by()
    results = []
    for name in names:
        if name == "total_count":
            results.append(_value(name, "integer", rasters.count()))
        elif name in ("datetime_min", "datetime_max"):
            function = Min if name == "datetime_min" else Max
            moment = rasters.aggregate(moment=function("acquired_at"))["moment"]
            results.append(_value(name, "datetime", _iso(moment) if moment else None))
        elif name == "datetime_frequency":
            buckets = _counts(rasters.filter(acquired_at__isnull=False), _truncated(interval))
            results.append(_frequencies(name, [(_iso(k), n) for k, n in buckets], "datetime"))
        elif name == "collection_frequency":
            buckets = _counts(rasters.filter(collection__isnull=False), F("collection__slug"))
            results.append(_frequencies(name, buckets, "string"))
        elif name == "grid_geotile_frequency":
            results.append(_frequencies(name, _geotiles(rasters, precision), "string"))
    return results


def _value(name: str, data_type: str, value) -> dict:
    return {"name": name, "data_type": data_type, "value": value}


def _frequencies(name: str, buckets: list[tuple], key_type: str) -> dict:
    return {
        "name": name,
        "data_type": "frequency_distribution",
        "buckets": [
            {"key": key, "data_type": key_type, "frequency": count, "from": None, "to": None}
            for key, count in buckets
        ],
        "overflow": 0,
    }


def _counts(rasters: QuerySet[Raster], key) -> list[tuple]:
    rows = rasters.annotate(bucket=key).values("bucket").annotate(n=Count("id")).order_by("bucket")
    return [(row["bucket"], row["n"]) for row in rows]


def _truncated(interval: str):
    return INTERVALS[interval]("acquired_at", tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _geotiles(rasters: QuerySet[Raster], precision: int) -> list[tuple[str, int]]:
    """Counts by the tile (at zoom `precision`) holding each raster's bbox centre."""
    tiles = 2**precision
    centre_lon = Case(
        When(bbox_west__gt=F("bbox_east"), then=(F("bbox_west") + F("bbox_east") + 360.0) / 2),
        default=(F("bbox_west") + F("bbox_east")) / 2,
        output_field=FloatField(),
    )
    # The centre of a box across 180° may come out east of it: bring it back to -180..180.
    wrapped = Case(
        When(GreaterThan(centre_lon, 180.0), then=centre_lon - 360.0),
        default=centre_lon,
        output_field=FloatField(),
    )
    centre_lat = Least(
        Greatest((F("bbox_south") + F("bbox_north")) / 2, Value(-MAX_LATITUDE)),
        Value(MAX_LATITUDE),
    )
    phi = Radians(centre_lat)
    x = Floor((wrapped + 180.0) / 360.0 * tiles)
    y = Floor((1.0 - Ln(Tan(phi) + Power(Cos(phi), -1)) / math.pi) / 2.0 * tiles)
    column = Cast(Least(Greatest(x, Value(0.0)), Value(tiles - 1.0)), IntegerField())
    row = Cast(Least(Greatest(y, Value(0.0)), Value(tiles - 1.0)), IntegerField())
    rows = (
        rasters.filter(bbox_west__isnull=False)
        .annotate(column=column, row=row)
        .values("column", "row")
        .annotate(n=Count("id"))
        .order_by("-n", "row", "column")
    )
    return [(f"{precision}/{r['column']}/{r['row']}", r["n"]) for r in rows]
