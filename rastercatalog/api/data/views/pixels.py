"""Values of a raster: one pixel at a point, and histograms of a band."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ....geo.pixelgrid import WGS84, Grid, point_transform
from ....render.analysis_levels import expression_histogram
from ....render.bandmath import expression_value
from ....render.pixels import BandMissing, histogram_compute, pixel_values
from ....render.terrain import terrain_pixel
from ...http import raster_get_ready
from ...params.analysis import (
    EXPRESSION,
    PIXEL_ANALYSIS_PARAMETERS,
    expression_param_parse,
    pixel_analysis_parse,
    terrain_refuse,
)
from ...params.core import ParameterInvalid
from ...params.data import (
    HISTOGRAM_PARAMETERS,
    PIXEL_PARAMETERS,
    histogram_params_parse,
    pixel_point_parse,
)
from ..serializers import HistogramSerializer, PixelSerializer

TAGS = ["raster data"]


class RasterPixelApi(APIView):
    """The value of every band at a point given in EPSG:4326, or in another CRS with `crs`.

    With `expression`, its value too; with `algorithm`, the terrain value at that pixel from its
    3 x 3 neighbours at full resolution (as gdaldem computes it on the raster's own grid).
    """

    @extend_schema(
        tags=TAGS,
        summary="Pixel values at a point",
        parameters=[*PIXEL_PARAMETERS, *PIXEL_ANALYSIS_PARAMETERS],
        responses={200: PixelSerializer},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        x, y, crs = pixel_point_parse(request.query_params)
        analysis, band = pixel_analysis_parse(
            request.query_params, band_count=raster.band_count or 1
        )
        col, row = Grid.of(raster).pixel_at(x, y, crs or WGS84)
        values = pixel_values(raster, col=col, row=row)
        lon, lat = point_transform(x, y, crs or WGS84, WGS84)
        body = {"lon": lon, "lat": lat, "col": col, "row": row, "values": values}
        if crs is not None:
            body.update(x=x, y=y, crs=crs)
        if analysis is not None and analysis.expression is not None:
            expression = analysis.expression
            body.update(expression=expression.text, value=expression_value(expression, values))
        elif analysis is not None:
            value = terrain_pixel(
                raster,
                col=col,
                row=row,
                band=band,
                algorithm=analysis.algorithm,
                azimuth=analysis.azimuth,
                altitude=analysis.altitude,
                zfactor=analysis.zfactor,
            )
            body.update(algorithm=analysis.algorithm, band=band, value=value)
        return Response(body)


class RasterHistogramApi(APIView):
    """A histogram of one band, computed on a level at most RASTERCATALOG_HISTOGRAM_MAX_SIZE a side."""

    @extend_schema(
        tags=TAGS,
        summary="Histogram of a band (on an overview no wider than the configured size)",
        parameters=[*HISTOGRAM_PARAMETERS, EXPRESSION],
        responses={200: HistogramSerializer},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        terrain_refuse(request.query_params, where="histograms")
        band, bins, value_range, density = histogram_params_parse(request.query_params)
        expression = _expression(request, raster)
        if expression is not None:
            if request.query_params.get("band"):
                raise ParameterInvalid(
                    "parameter band cannot be combined with expression: the expression names "
                    "the bands it reads"
                )
            histogram = expression_histogram(
                raster, expression, bins=bins, value_range=value_range, density=density
            )
            return Response(_histogram_body(histogram, density, expression=expression.text))
        try:
            histogram = histogram_compute(
                raster, band=band, bins=bins, value_range=value_range, density=density
            )
        except BandMissing as exc:
            raise ParameterInvalid(f"parameter band={band} is invalid: {exc}") from exc
        return Response(_histogram_body(histogram, density))


def _histogram_body(histogram, density: bool, *, expression: str | None = None) -> dict:
    width, height = histogram.level_size
    body = {"band": histogram.band} if expression is None else {"expression": expression}
    body.update(
        counts=histogram.counts,
        edges=histogram.edges,
        density=density,
        valid_pixels=histogram.valid_pixels,
        level={"width": width, "height": height},
    )
    return body


def _expression(request: Request, raster):
    return expression_param_parse(request.query_params, band_count=raster.band_count or 1)
