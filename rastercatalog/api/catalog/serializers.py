"""Serializers of the catalog search API: rasters as GeoJSON Features, collections."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from ...models import Collection, Raster
from ...search.collections import EMPTY_EXTENT, CollectionExtent
from ..fields import NODATA_SCHEMA, FootprintField, number_or_text
from ..links import collection_links, raster_links


class RasterFeatureSerializer(GeoFeatureModelSerializer):
    """A raster as a GeoJSON Feature: its footprint, its bbox, what it is, and where to read it.

    The context needs "api_root" (links.api_root).
    """

    footprint = FootprintField()
    collection = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The collection's slug; null when in none",
    )
    crs = serializers.SerializerMethodField(help_text="EPSG:code, or WKT when there is no code")
    nodata = serializers.SerializerMethodField(help_text='Of band 1; "nan" for NaN')
    resolution = serializers.SerializerMethodField(
        help_text="Pixel width and height in CRS units (see ground_resolution_m for metres)"
    )
    links = serializers.SerializerMethodField(
        help_text="self, tiles (an XYZ template), tilejson, thumbnail, metadata, cog"
    )

    class Meta:
        model = Raster
        geo_field = "footprint"
        id_field = False  # the id goes both at the top of the Feature and in its properties
        fields = [
            "id",
            "name",
            "collection",
            "checksum_sha256",
            "crs",
            "width",
            "height",
            "band_count",
            "dtype",
            "nodata",
            "resolution",
            "ground_resolution_m",
            "acquired_at",
            "is_cog",
            "status",
            "visibility",
            # Conversion to COG: while it runs, and why it failed; the original's checksum.
            "conversion_status",
            "conversion_error",
            "original_checksum_sha256",
            "created",
            "links",
        ]

    def to_representation(self, instance: Raster) -> dict:
        feature = super().to_representation(instance)
        document = {"type": "Feature", "id": instance.pk}
        if instance.bbox_west is not None:
            # From the bbox columns, not the geometry: west > east across the antimeridian.
            document["bbox"] = list(instance.bbox)
        document["geometry"] = feature["geometry"]
        document["properties"] = feature["properties"]
        return document

    @extend_schema_field(OpenApiTypes.STR)
    def get_crs(self, raster: Raster) -> str | None:
        if raster.crs_epsg:
            return f"EPSG:{raster.crs_epsg}"
        return raster.crs_wkt or None

    @extend_schema_field(NODATA_SCHEMA)
    def get_nodata(self, raster: Raster) -> float | str | None:
        return number_or_text(raster.nodata)

    @extend_schema_field({"type": "array", "items": {"type": "number"}, "nullable": True})
    def get_resolution(self, raster: Raster) -> list[float] | None:
        if raster.resolution_x is None:
            return None
        return [raster.resolution_x, raster.resolution_y]

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_links(self, raster: Raster) -> dict[str, str]:
        return raster_links(self.context["api_root"], raster.pk)


class CollectionSerializer(serializers.ModelSerializer):
    """A collection, with the extent and number of the ready rasters the reader may see.

    The context needs "api_root"; "extents" maps collection ids to CollectionExtent.
    """

    extent = serializers.SerializerMethodField()
    raster_count = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Collection
        fields = ["slug", "name", "description", "license", "created", "updated"]
        fields += ["extent", "raster_count", "links"]

    def _extent(self, collection: Collection) -> CollectionExtent:
        return self.context.get("extents", {}).get(collection.pk, EMPTY_EXTENT)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "bbox": {"type": "array", "items": {"type": "number"}, "nullable": True},
                "datetime": {"type": "array", "items": {"type": "string", "nullable": True}},
            },
        }
    )
    def get_extent(self, collection: Collection) -> dict:
        extent = self._extent(collection)
        times = [
            serializers.DateTimeField().to_representation(t) if t else None
            for t in (extent.start, extent.end)
        ]
        return {"bbox": list(extent.bbox) if extent.bbox else None, "datetime": times}

    @extend_schema_field(OpenApiTypes.INT)
    def get_raster_count(self, collection: Collection) -> int:
        return self._extent(collection).raster_count

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
    def get_links(self, collection: Collection) -> dict[str, str]:
        return collection_links(self.context["api_root"], collection.slug)


class RasterUploadSerializer(serializers.Serializer):
    """The body of POST /api/rasters/: a small raster as base64, with its name and collection."""

    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    collection = serializers.SlugRelatedField(
        slug_field="slug", queryset=Collection.objects.all(), required=False, allow_null=True
    )
    to_cog = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Convert to a COG once catalogued (default: RASTERCATALOG_INGEST_TO_COG)",
    )
    data = serializers.CharField(
        trim_whitespace=False,
        help_text='The GeoTIFF as "data:image/tiff;base64,…" or bare base64; at most '
        "RASTERCATALOG_BASE64_MAX_BYTES once decoded.",
    )
