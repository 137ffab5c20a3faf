"""Request and response shapes of the analysis endpoints, for the OpenAPI schema."""

from __future__ import annotations

from rest_framework import serializers


class GeoJsonBodySerializer(serializers.Serializer):
    """A GeoJSON Polygon or MultiPolygon (EPSG:4326), a Feature, or a FeatureCollection."""

    type = serializers.ChoiceField(
        choices=["Polygon", "MultiPolygon", "Feature", "FeatureCollection"]
    )
    coordinates = serializers.ListField(required=False, help_text="For a geometry")
    geometry = serializers.DictField(required=False, help_text="For a Feature")
    properties = serializers.DictField(required=False, allow_null=True)
    features = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="For a FeatureCollection"
    )


class ZonalFeatureSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.JSONField(required=False)
    geometry = serializers.DictField()
    properties = serializers.DictField(
        help_text="The posted properties, plus `statistics` ({band or expression: {count, "
        "valid_percent, min, max, mean, std, sum, median, percentile_N…, histogram}}, null "
        "outside the raster), `level` (the grid they were computed on: overview null at full "
        "resolution) and, outside the raster, `reason`"
    )


class ZonalStatisticsSerializer(serializers.Serializer):
    type = serializers.CharField()
    features = ZonalFeatureSerializer(many=True)


class PresetSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    expression = serializers.CharField()
    bands = serializers.DictField(child=serializers.IntegerField())
    min = serializers.FloatField()
    max = serializers.FloatField()
    palette = serializers.CharField()


class AnalysisBandSerializer(serializers.Serializer):
    band = serializers.IntegerField()
    name = serializers.CharField(help_text="Its name in expressions: b1, b2, …")
    role = serializers.CharField(allow_null=True, help_text="red, green, nir, or null")
    color_interpretation = serializers.CharField()
    description = serializers.CharField()


class AnalysisSerializer(serializers.Serializer):
    bands = AnalysisBandSerializer(many=True)
    presets = PresetSerializer(many=True)
    algorithms = serializers.ListField(child=serializers.CharField())
    functions = serializers.ListField(child=serializers.CharField())
    max_expression_length = serializers.IntegerField()
