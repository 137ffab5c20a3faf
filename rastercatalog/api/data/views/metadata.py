"""What a raster is: large-image metadata with its bounds, GDAL's details, stored band statistics."""

from __future__ import annotations

import math

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ....geo.pixelgrid import WGS84, Grid
from ....render.source import tilesource_metadata
from ...http import raster_get_ready
from ..serializers import BandSerializer, StatisticsSerializer

TAGS = ["raster data"]


class RasterMetadataApi(APIView):
    """large-image's metadata of the raster, in its own pixel grid, with its bounds."""

    @extend_schema(
        tags=TAGS,
        summary="Metadata: size, levels, bands, and bounds in the native CRS and EPSG:4326",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        metadata = tilesource_metadata(raster)
        grid = Grid.of(raster)
        native_crs = f"EPSG:{raster.crs_epsg}" if raster.crs_epsg else raster.crs_wkt
        metadata.update(
            id=raster.pk,
            name=raster.name,
            bounds_native=_bounds(grid.bounds(), native_crs),
            bounds_4326=_bounds(grid.bounds_in(WGS84), WGS84),
        )
        return Response(json_safe(metadata))


class RasterMetadataInternalApi(APIView):
    """GDAL's view of the file, as large-image reports it (driver, geotransform, tags)."""

    @extend_schema(
        tags=TAGS,
        summary="Internal metadata: GDAL driver, geotransform, projection, metadata domains",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        metadata = tilesource_metadata(raster, internal=True)
        # Clients name rasters by id: the server's paths and GDAL's /vsi… names stay private.
        metadata.pop("fileList", None)
        return Response(json_safe(metadata))


class RasterBandsApi(APIView):
    """Each band with the summary statistics stored at ingest (no file read)."""

    @extend_schema(
        tags=TAGS,
        summary="Bands and their statistics stored at ingest",
        responses={200: BandSerializer(many=True)},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        return Response(BandSerializer(raster.bands.all(), many=True).data)


class RasterStatisticsApi(APIView):
    """The statistics and histograms stored at ingest, exactly as stored, with the level used."""

    @extend_schema(
        tags=TAGS,
        summary="Stored statistics and histograms of every band",
        responses={200: StatisticsSerializer},
    )
    def get(self, request: Request, raster_id: int) -> Response:
        raster = raster_get_ready(raster_id, user=request.user)
        statistics = {
            "level": {"width": raster.stats_width, "height": raster.stats_height},
            "approximate": raster.stats_approximate,
            "bands": raster.bands.all(),
        }
        return Response(StatisticsSerializer(statistics).data)


def _bounds(bounds: tuple[float, float, float, float], crs: str) -> dict:
    xmin, ymin, xmax, ymax = bounds
    return {"xmin": xmin, "ymin": ymin, "xmax": xmax, "ymax": ymax, "crs": crs}


def json_safe(value):
    """Return `value` with NaN and infinities as None and tuples as lists, so JSON can carry it."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
