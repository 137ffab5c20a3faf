"""Values of a raster: one pixel at a point, and histograms of a band."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ....geo.pixelgrid import WGS84, Grid, crs_parse, point_transform
from ....render.pixels import MAX_BINS, BandMissing, histogram_compute, pixel_values
from ...http import (
    ParameterInvalid,
    param_parse,
    parse_choice,
    parse_float,
    parse_float_list,
    raster_get_ready,
)
from ..serializers import HistogramSerializer, PixelSerializer

TAGS = ["raster data"]
_BOOLEAN = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _number(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.DOUBLE, description=description)


class RasterPixelApi(APIView):
    """The value of every band at a point given in EPSG:4326, or in another CRS with `crs`."""

    @extend_schema(
        tags=TAGS,
        summary="Pixel values at a point",
        parameters=[
            _number("lon", "Longitude (EPSG:4326); required unless crs is given"),
            _number("lat", "Latitude (EPSG:4326); required unless crs is given"),
            OpenApiParameter("crs", str, description="EPSG:<code> of x and y, e.g. EPSG:32633"),
            _number("x", "x (easting) in crs; required with crs"),
            _number("y", "y (northing) in crs; required with crs"),
        ],
        responses={200: PixelSerializer},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        query = request.query_params
        crs = param_parse(query, "crs", crs_parse, expected="expected EPSG:<code>")
        if crs is None:
            x, y = _required(query, "lon"), _required(query, "lat")
        else:
            # With a CRS, x and y name the axes; lon and lat are accepted in their place.
            x = _required(query, "lon" if "x" not in query and "lon" in query else "x")
            y = _required(query, "lat" if "y" not in query and "lat" in query else "y")
        col, row = Grid.of(raster).pixel_at(x, y, crs or WGS84)
        values = pixel_values(raster, col=col, row=row)
        lon, lat = point_transform(x, y, crs or WGS84, WGS84)
        body = {"lon": lon, "lat": lat, "col": col, "row": row, "values": values}
        if crs is not None:
            body.update(x=x, y=y, crs=crs)
        return Response(body)


def _required(query, name: str) -> float:
    value = param_parse(query, name, parse_float, expected="expected a finite number")
    if value is None:
        raise ParameterInvalid(f"parameter {name} is required")
    return value


class RasterHistogramApi(APIView):
    """A histogram of one band, computed on a level at most RASTERCATALOG_HISTOGRAM_MAX_SIZE a side."""

    @extend_schema(
        tags=TAGS,
        summary="Histogram of a band (on an overview no wider than the configured size)",
        parameters=[
            OpenApiParameter("band", int, description="1-based band number (default 1)"),
            OpenApiParameter(
                "bins", int, description=f"Number of bins, 1 to {MAX_BINS} (default 256)"
            ),
            OpenApiParameter(
                "range", str, description="min,max of the bins (default: the values' min and max)"
            ),
            OpenApiParameter(
                "density", bool, description="Densities instead of counts (default false)"
            ),
        ],
        responses={200: HistogramSerializer},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        query = request.query_params
        band = param_parse(query, "band", int, default=1, expected="expected a band number")
        bins = param_parse(query, "bins", _bins, default=256, expected=f"expected 1 to {MAX_BINS}")
        value_range = param_parse(
            query, "range", _range, expected="expected min,max with min < max"
        )
        density = param_parse(
            query,
            "density",
            parse_choice(_BOOLEAN),
            default="false",
            expected="expected true or false",
        )
        try:
            histogram = histogram_compute(
                raster, band=band, bins=bins, value_range=value_range, density=_BOOLEAN[density]
            )
        except BandMissing as exc:
            raise ParameterInvalid(f"parameter band={band} is invalid: {exc}") from exc
        width, height = histogram.level_size
        return Response(
            {
                "band": histogram.band,
                "counts": histogram.counts,
                "edges": histogram.edges,
                "density": _BOOLEAN[density],
                "valid_pixels": histogram.valid_pixels,
                "level": {"width": width, "height": height},
            }
        )


def _bins(text: str) -> int:
    bins = int(text)
    if not 1 <= bins <= MAX_BINS:
        raise ValueError(f"expected 1 to {MAX_BINS}")
    return bins


def _range(text: str) -> tuple[float, float]:
    values = parse_float_list(text)
    if len(values) != 2 or not values[0] < values[1]:
        raise ValueError("expected min,max with min < max")
    return values[0], values[1]
