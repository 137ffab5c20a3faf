"""What the catalog records: collections of rasters, each raster's geometry and bands."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q


class Collection(models.Model):
    """A named group of rasters (a STAC collection)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    license = models.CharField(
        max_length=100, blank=True, help_text="SPDX identifier or 'proprietary'"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Leased(models.Model):
    """A row some process works on: it stamps `heartbeat_at` while it does (see catalog/leases.py).

    A `processing` row whose stamp is older than RASTERCATALOG_INGEST_STALE_SECONDS lost its worker
    (killed, out of memory, machine gone): the recovery sweep queues it again, or marks it failed
    after RASTERCATALOG_INGEST_MAX_ATTEMPTS tries.
    """

    heartbeat_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Last sign of life of the worker on it"
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="Times a worker started on the current ingestion"
    )

    class Meta:
        abstract = True


class Raster(Leased):
    """One raster file, wherever it lives, and what ingestion learnt about it."""

    class ConversionStatus(models.TextChoices):
        NONE = "", "not asked"
        PENDING = "pending", "conversion queued"
        PROCESSING = "processing", "converting"
        CONVERTED = "converted", "converted to COG"
        NOT_NEEDED = "not-needed", "already a COG"
        FAILED = "failed", "conversion failed"

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        PROCESSING = "processing", "processing"
        READY = "ready", "ready"
        FAILED = "failed", "failed"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "public"
        PRIVATE = "private", "private (owner and staff only)"

    name = models.CharField(max_length=255)
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.PROTECT, related_name="rasters"
    )
    uri = models.CharField(
        max_length=2048,
        help_text="What the user gave: a local path, an http(s):// URL or s3://bucket/key",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True, help_text="Why ingestion failed, in words")

    # Who may find it through the API: everyone, or only its owner and staff.
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rasters",
        help_text="Sees the raster when it is private (staff always do)",
    )

    # The file as stored. Null until ingestion has read it; unique so the same bytes map to one row.
    checksum_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)

    # Where: valid-data outline and bounding box in EPSG:4326.
    footprint = models.MultiPolygonField(srid=4326, null=True, blank=True, spatial_index=True)
    # West, south, east, north; west > east when the raster crosses the antimeridian (as in STAC).
    bbox_west = models.FloatField(null=True, blank=True)
    bbox_south = models.FloatField(null=True, blank=True)
    bbox_east = models.FloatField(null=True, blank=True)
    bbox_north = models.FloatField(null=True, blank=True)

    # Native grid.
    crs_wkt = models.TextField(blank=True)
    crs_epsg = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    band_count = models.PositiveSmallIntegerField(null=True, blank=True)
    dtype = models.CharField(max_length=16, blank=True)
    nodata = models.FloatField(
        null=True, blank=True, help_text="Nodata of the first band (NaN allowed)"
    )
    geotransform = models.JSONField(
        null=True, blank=True, help_text="GDAL order: x0, dx, rx, y0, ry, dy"
    )
    resolution_x = models.FloatField(null=True, blank=True, help_text="Pixel width in CRS units")
    resolution_y = models.FloatField(null=True, blank=True, help_text="Pixel height in CRS units")
    ground_resolution_m = models.FloatField(
        null=True, blank=True, help_text="Approximate metres per pixel at the raster's centre"
    )
    acquired_at = models.DateTimeField(null=True, blank=True)

    # Statistics were computed on a level of this size (equal to width x height when exact).
    stats_width = models.PositiveIntegerField(null=True, blank=True)
    stats_height = models.PositiveIntegerField(null=True, blank=True)

    # rio-cogeo's verdict.
    is_cog = models.BooleanField(null=True, blank=True)
    cog_errors = models.JSONField(default=list, blank=True)
    cog_warnings = models.JSONField(default=list, blank=True)
    cog_info = models.JSONField(
        default=dict, blank=True, help_text="rio-cogeo profile, GEO and IFD detail"
    )

    # --- Conversion to a COG (catalog/convert.py). Once converted, `uri` and `checksum_sha256`
    # are the COG's (the read path, the tile cache keys and the ETags follow its bytes), and the
    # file the user gave is kept here.
    original_uri = models.CharField(
        max_length=2048, blank=True, help_text="The file before conversion to a COG"
    )
    original_checksum_sha256 = models.CharField(
        max_length=64, blank=True, db_index=True, help_text="sha256 of the file before conversion"
    )
    conversion_status = models.CharField(
        max_length=12, choices=ConversionStatus.choices, blank=True, default=""
    )
    conversion_error = models.TextField(blank=True, help_text="Why conversion failed, in words")
    conversion_profile = models.JSONField(
        default=dict, blank=True, help_text="Compression and options the COG was written with"
    )

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["collection", "acquired_at"]),
            models.Index(fields=["dtype"]),
            models.Index(fields=["band_count"]),
            models.Index(fields=["is_cog"]),
            # The search API pages with keysets (sort key, id): these serve its orderings.
            models.Index(fields=["acquired_at", "id"]),
            models.Index(fields=["ground_resolution_m", "id"]),
            models.Index(fields=["created", "id"]),
            models.Index(fields=["name", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready")
                | (Q(checksum_sha256__isnull=False) & Q(footprint__isnull=False)),
                name="raster_ready_is_complete",
                violation_error_message="A ready raster needs a checksum and a footprint.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        if self.bbox_west is None:
            return None
        return (self.bbox_west, self.bbox_south, self.bbox_east, self.bbox_north)

    @property
    def stats_approximate(self) -> bool:
        return (self.stats_width, self.stats_height) != (self.width, self.height)


class Band(models.Model):
    """One band of a raster with the statistics computed at ingest."""

    raster = models.ForeignKey(Raster, on_delete=models.CASCADE, related_name="bands")
    index = models.PositiveSmallIntegerField(help_text="1-based, as in GDAL")
    dtype = models.CharField(max_length=16)
    color_interpretation = models.CharField(max_length=32, blank=True)
    description = models.CharField(max_length=255, blank=True)
    nodata = models.FloatField(null=True, blank=True)
    valid_pixels = models.BigIntegerField(
        null=True, blank=True, help_text="Valid pixels counted at the statistics level"
    )
    min = models.FloatField(null=True, blank=True)
    max = models.FloatField(null=True, blank=True)
    mean = models.FloatField(null=True, blank=True)
    std = models.FloatField(null=True, blank=True)
    p2 = models.FloatField(null=True, blank=True)
    p98 = models.FloatField(null=True, blank=True)
    histogram = models.JSONField(
        default=dict, blank=True, help_text='{"edges": [...], "counts": [...]}'
    )
    # True when computed on an overview (see Raster.stats_width/height), False when on every pixel.
    approximate = models.BooleanField(default=False)

    class Meta:
        ordering = ["raster", "index"]
        constraints = [
            models.UniqueConstraint(fields=["raster", "index"], name="band_unique_index"),
        ]

    def __str__(self) -> str:
        return f"{self.raster} band {self.index}"


class Upload(Leased):
    """A direct-to-S3 upload: a presigned POST to a staging key, then ingestion by the worker."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending (waiting for the file)"
        PROCESSING = "processing", "processing"
        READY = "ready", "ready"
        FAILED = "failed", "failed"

    # Random ids: an upload's URL must not let others guess and complete someone else's upload.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    name = models.CharField(max_length=255, blank=True)
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    bucket = models.CharField(max_length=63)
    key = models.CharField(max_length=1024, help_text="Staging key the client uploads to")
    to_cog = models.BooleanField(default=False, help_text="Convert to a COG once ingested")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True, help_text="Why ingestion failed, in words")
    raster = models.ForeignKey(
        Raster, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    expires_at = models.DateTimeField(help_text="When the presigned POST stops being accepted")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.UniqueConstraint(fields=["bucket", "key"], name="upload_unique_key"),
        ]

    def __str__(self) -> str:
        return f"upload {self.pk} ({self.status})"


from .models_overview import CollectionOverview  # noqa: E402,F401  (models.py is full)
