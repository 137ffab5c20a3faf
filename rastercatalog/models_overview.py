"""CollectionOverview: a low-resolution mosaic of a collection, for the low zooms of its mosaic.

Its own module because models.py is at the size limit; models.py imports it, so Django finds it
where it finds the others.
"""

from __future__ import annotations

from django.contrib.gis.db import models


class CollectionOverview(models.Model):
    """A Web Mercator COG of a collection's public ready rasters drawn `first` (latest on top).

    A mosaic tile that touches more rasters than RASTERCATALOG_MOSAIC_MAX_RASTERS is drawn from it
    up to `zoom`. `version` names the ordered members it was built from; a change to the members
    (ingest, deletion, visibility, collection) sets `stale_since`, and the worker rebuilds it once
    no change came for RASTERCATALOG_MOSAIC_OVERVIEW_DEBOUNCE seconds (catalog/overviews.py).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "never built"
        READY = "ready", "ready"
        NOT_NEEDED = "not-needed", "no more rasters than a tile may read"
        FAILED = "failed", "build failed"

    collection = models.OneToOneField(
        "rastercatalog.Collection", on_delete=models.CASCADE, related_name="overview"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True, help_text="Why the last build failed, in words")
    path = models.CharField(max_length=1024, blank=True, help_text="The COG file")
    version = models.CharField(
        max_length=64, blank=True, help_text="sha256 of the ordered (id, checksum) of its members"
    )
    raster_count = models.PositiveIntegerField(default=0)
    zoom = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The finest zoom served from it (its pixel size)"
    )
    bbox_west = models.FloatField(null=True, blank=True)
    bbox_south = models.FloatField(null=True, blank=True)
    bbox_east = models.FloatField(null=True, blank=True)
    bbox_north = models.FloatField(null=True, blank=True)
    band_count = models.PositiveSmallIntegerField(null=True, blank=True)
    dtype = models.CharField(max_length=16, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    # Debounce: rebuilt once `changed_at` is older than the debounce; `stale_since` is null when
    # the overview matches its members. `building_since` is a build's claim on the row.
    stale_since = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(null=True, blank=True)
    building_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["stale_since"])]

    def __str__(self) -> str:
        return f"overview of collection {self.collection_id} ({self.status})"
