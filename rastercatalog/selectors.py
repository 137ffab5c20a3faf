"""Read queries. Views and the admin read through these, never through ad-hoc ORM calls."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Raster


def raster_counts_by_status() -> dict[str, int]:
    """How many rasters are in each ingest status."""
    rows = Raster.objects.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def raster_list_ready() -> QuerySet[Raster]:
    """Rasters whose ingestion finished, newest first."""
    return Raster.objects.filter(status=Raster.Status.READY).select_related("collection")
