"""Serializers of the raster data API: stored band statistics, and response shapes for the schema."""

from __future__ import annotations

from rest_framework import serializers

from ...models import Band
from ..fields import NodataField


class BandSerializer(serializers.ModelSerializer):
    """A band and the summary statistics stored at ingest."""

    band = serializers.IntegerField(source="index", help_text="1-based, as in GDAL")
    nodata = NodataField(allow_null=True)

    class Meta:
        model = Band
        fields = [
            "band",
            "dtype",
            "color_interpretation",
            "description",
            "nodata",
            "valid_pixels",
            "min",
            "max",
            "mean",
            "std",
            "p2",
            "p98",
            "approximate",
        ]


class BandStatisticsSerializer(BandSerializer):
    """A band's stored statistics, with the histogram computed at ingest."""

    class Meta(BandSerializer.Meta):
        fields = [*BandSerializer.Meta.fields, "histogram"]


class LevelSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):
    level = LevelSerializer(help_text="The grid the statistics were computed on")
    approximate = serializers.BooleanField(help_text="True when computed on an overview")
    bands = BandStatisticsSerializer(many=True)


class PixelSerializer(serializers.Serializer):
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    x = serializers.FloatField(required=False, help_text="Only when crs was given")
    y = serializers.FloatField(required=False, help_text="Only when crs was given")
    crs = serializers.CharField(required=False, help_text="Only when crs was given")
    col = serializers.IntegerField(help_text="0-based column of the full-resolution grid")
    row = serializers.IntegerField(help_text="0-based row of the full-resolution grid")
    values = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="One value per band; null where the band has nodata or NaN",
    )
    expression = serializers.CharField(required=False, help_text="Only with expression")
    algorithm = serializers.CharField(required=False, help_text="Only with algorithm")
    band = serializers.IntegerField(required=False, help_text="The band algorithm read")
    value = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="The expression's or algorithm's value; null where nodata (or flat, for aspect)",
    )


class HistogramSerializer(serializers.Serializer):
    band = serializers.IntegerField(required=False, help_text="Without expression")
    expression = serializers.CharField(required=False, help_text="With expression")
    counts = serializers.ListField(
        child=serializers.FloatField(), help_text="Counts per bin, or densities with density=true"
    )
    edges = serializers.ListField(child=serializers.FloatField(), help_text="bins + 1 edges")
    density = serializers.BooleanField()
    valid_pixels = serializers.IntegerField(help_text="Valid pixels of the level, in range or not")
    level = LevelSerializer(
        help_text="The level read: at most RASTERCATALOG_HISTOGRAM_MAX_SIZE a side"
    )


class CogReportSerializer(serializers.Serializer):
    is_valid = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    Profile = serializers.DictField(required=False, help_text="rio-cogeo's profile")
    GEO = serializers.DictField(required=False, help_text="rio-cogeo's georeferencing summary")
    IFD = serializers.ListField(required=False, help_text="rio-cogeo's image file directories")
    Compression = serializers.CharField(required=False, allow_null=True)


class CogValidateRequestSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="A GeoTIFF to validate (multipart)")
    uri = serializers.CharField(
        required=False, help_text="Or an allow-listed http(s):// URL, s3:// URI or local path"
    )
