"""Analysis on the fly: zonal statistics and clips of posted polygons, and the presets a raster allows."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ....geo.features import Feature, features_parse
from ....render.analysis import ALGORITHMS
from ....render.analysis_images import expression_geotiff, image_draw
from ....render.clip import clip_geotiff, clip_inside, clip_read, clip_transform, clip_window
from ....render.encode import image_encode, media_type
from ....render.expression import FUNCTIONS, MAX_LENGTH
from ....render.presets import band_role, presets_for
from ....render.regions import output_size
from ....render.zonal import zonal_statistics
from ...http import raster_get_ready
from ...params.analysis import (
    CLIP_PARAMETERS,
    STATISTICS_PARAMETERS,
    clip_params_parse,
    statistics_params_parse,
)
from ...params.core import ParameterInvalid
from ...params.data import RASTER_ID, fmt_parameter
from ..analysis_serializers import (
    AnalysisSerializer,
    GeoJsonBodySerializer,
    ZonalStatisticsSerializer,
)
from .metadata import RasterStatisticsApi as StoredStatisticsApi
from .metadata import json_safe

TAGS = ["analysis"]


class GeoJsonParser(JSONParser):
    """JSON bodies, where nesting too deep for Python's parser is a 400 rather than a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error: the body nests too deeply") from None


class GeoJsonMediaParser(GeoJsonParser):
    media_type = "application/geo+json"


def _features(request: Request) -> list[Feature]:
    return features_parse(
        request.data,
        max_features=settings.RASTERCATALOG_ANALYSIS_MAX_FEATURES,
        max_vertices=settings.RASTERCATALOG_ANALYSIS_MAX_VERTICES,
        max_area_km2=settings.RASTERCATALOG_ANALYSIS_MAX_AREA_KM2,
    )


GEOJSON_REQUEST = {
    "application/json": GeoJsonBodySerializer,
    "application/geo+json": GeoJsonBodySerializer,
}
ERRORS = {
    400: OpenApiResponse(description="A bad parameter, or a geometry invalid or too large"),
    404: OpenApiResponse(description="No such raster, or the geometry misses it"),
    409: OpenApiResponse(description="The raster is being ingested or failed"),
}


class RasterStatisticsApi(StoredStatisticsApi):
    """GET: the statistics stored at ingest. POST: zonal statistics of posted polygons."""

    post_is_read = True  # statistics change nothing: CatalogAccess treats the POST as a read
    parser_classes = [GeoJsonParser, GeoJsonMediaParser]

    @extend_schema(
        tags=TAGS,
        operation_id="raster_zonal_statistics",
        summary="Zonal statistics of a GeoJSON geometry, Feature or FeatureCollection (EPSG:4326)",
        parameters=[RASTER_ID, *STATISTICS_PARAMETERS],
        request=GEOJSON_REQUEST,
        responses={200: ZonalStatisticsSerializer, **ERRORS},
    )
    def post(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        expression, options = statistics_params_parse(
            request.query_params, band_count=raster.band_count or 1
        )
        features = _features(request)
        results = zonal_statistics(raster, features, expression=expression, options=options)
        collection = {
            "type": "FeatureCollection",
            "features": [
                _feature_out(feature, result)
                for feature, result in zip(features, results, strict=True)
            ],
        }
        return Response(json_safe(collection))


def _feature_out(feature: Feature, result: dict) -> dict:
    out = {
        "type": "Feature",
        "geometry": feature.geometry,
        "properties": {**feature.properties, **result},
    }
    if feature.feature_id is not None:
        out["id"] = feature.feature_id
    return out


class RasterFeatureApi(APIView):
    """The raster cut to a posted polygon: GeoTIFF (data, nodata outside) or PNG (rendered)."""

    post_is_read = True
    parser_classes = [GeoJsonParser, GeoJsonMediaParser]

    @extend_schema(
        tags=TAGS,
        operation_id="raster_feature",
        summary="The raster cut to a GeoJSON polygon: GeoTIFF (data) or PNG (rendered)",
        parameters=[RASTER_ID, fmt_parameter(["tif", "png"]), *CLIP_PARAMETERS],
        request=GEOJSON_REQUEST,
        responses={
            (200, "image/tiff"): OpenApiTypes.BINARY,
            (200, "image/png"): OpenApiTypes.BINARY,
            **ERRORS,
        },
    )
    def post(self, request: Request, raster_id: int, fmt: str) -> HttpResponse:
        raster = raster_get_ready(raster_id, user=request.user)
        band_count = raster.band_count or 1
        max_size, expression, style = clip_params_parse(request.query_params, band_count=band_count)
        window, geometries = clip_window(raster, _features(request))
        size = output_size(window, max_size)
        limit = settings.RASTERCATALOG_REGION_MAX_SIZE
        if max(size) > limit:
            raise ParameterInvalid(
                f"the geometry's bounding box is {size[0]}x{size[1]} pixels at full resolution, more "
                f"than the limit of {limit} pixels a side (RASTERCATALOG_REGION_MAX_SIZE): pass "
                f"max_size={limit} or less, or a smaller geometry"
            )

        def read(bands):
            return clip_read(raster, window, geometries, size=size, bands=bands)

        if fmt == "tif" and expression is None:
            body = clip_geotiff(raster, window, geometries, size=size)
            return FileResponse(body, content_type="image/tiff")
        if fmt == "tif":
            inside = clip_inside(geometries, clip_transform(raster, window, size), size)
            body = expression_geotiff(
                raster, read, expression, window=window, size=size, inside=inside
            )
            return FileResponse(body, content_type="image/tiff")
        image = image_draw(
            raster, read, style=style, expression=expression, bands=raster.bands.all()
        )
        return HttpResponse(image_encode(image, fmt), content_type=media_type(fmt))


class RasterAnalysisApi(APIView):
    """What analysis a raster allows: its bands' names and roles, index presets, algorithms."""

    @extend_schema(
        tags=TAGS,
        operation_id="raster_analysis",
        summary="Bands (b1…bN) with their roles, the index presets they allow (NDVI, NDWI), "
        "algorithms",
        parameters=[RASTER_ID],
        responses={200: AnalysisSerializer},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        bands = list(raster.bands.all())
        return Response(
            {
                "bands": [
                    {
                        "band": band.index,
                        "name": f"b{band.index}",
                        "role": band_role(band),
                        "color_interpretation": band.color_interpretation,
                        "description": band.description,
                    }
                    for band in bands
                ],
                "presets": presets_for(bands),
                "algorithms": list(ALGORITHMS),
                "functions": sorted(FUNCTIONS),
                "max_expression_length": MAX_LENGTH,
            }
        )
