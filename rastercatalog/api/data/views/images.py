"""Pieces of a raster as files: a region (GeoTIFF, PNG or JPEG) and a thumbnail (PNG, JPEG, WebP)."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from ....geo.pixelgrid import WGS84, Grid, Window, crs_parse
from ....geo.sizes import size_parse, size_plan
from ....models import Raster
from ....render.encode import image_encode, media_type
from ....render.regions import (
    output_size,
    region_geotiff,
    region_image,
    thumbnail_get,
)
from ...http import (
    ParameterInvalid,
    cache_headers_set,
    etag_for,
    param_parse,
    params_normalise,
    parse_float_list,
    raster_get_ready,
    response_not_modified,
)

TAGS = ["raster data"]
_RASTER_ID = OpenApiParameter("raster_id", int, OpenApiParameter.PATH, description="Catalog id")


def _fmt(formats: list[str]) -> OpenApiParameter:
    return OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=formats, description="Format")


def _binary(*content_types: str) -> dict:
    return {(200, content_type): OpenApiTypes.BINARY for content_type in content_types}


class RasterRegionApi(APIView):
    """The raster's pixels inside a box, as a georeferenced GeoTIFF or a rendered PNG/JPEG."""

    @extend_schema(
        tags=TAGS,
        operation_id="raster_region",
        summary="Region inside a bbox: GeoTIFF (data, georeferenced) or PNG/JPEG (rendered)",
        parameters=[
            _RASTER_ID,
            _fmt(["tif", "png", "jpg"]),
            OpenApiParameter(
                "bbox",
                str,
                required=True,
                description="minx,miny,maxx,maxy in crs (default lon/lat)",
            ),
            OpenApiParameter("crs", str, description="EPSG:<code> of bbox (default EPSG:4326)"),
            OpenApiParameter(
                "max_size",
                int,
                description="Longest side of the output in pixels (shrinks the region; default: "
                "full resolution). At most RASTERCATALOG_REGION_MAX_SIZE.",
            ),
        ],
        responses=_binary("image/tiff", "image/png", "image/jpeg"),
    )
    def get(self, request: Request, raster_id: int, fmt: str) -> HttpResponse:
        raster = raster_get_ready(raster_id, user=request.user)
        query = request.query_params
        bbox = param_parse(
            query, "bbox", _bbox, expected="expected minx,miny,maxx,maxy with min < max"
        )
        if bbox is None:
            raise ParameterInvalid("parameter bbox is required: minx,miny,maxx,maxy")
        crs = param_parse(query, "crs", crs_parse, default=WGS84, expected="expected EPSG:<code>")
        limit = settings.RASTERCATALOG_REGION_MAX_SIZE
        max_size = param_parse(
            query, "max_size", _positive, expected=f"expected a whole number from 1 to {limit}"
        )
        if max_size is not None and max_size > limit:
            raise ParameterInvalid(
                f"parameter max_size={max_size} is invalid: the limit is {limit} pixels "
                "(RASTERCATALOG_REGION_MAX_SIZE)"
            )
        window = Grid.of(raster).window_of(bbox, crs)
        size = output_size(window, max_size)
        if max(size) > limit:
            raise ParameterInvalid(
                f"the region is {size[0]}x{size[1]} pixels at full resolution, more than the limit of "
                f"{limit} pixels a side (RASTERCATALOG_REGION_MAX_SIZE): pass max_size={limit} or less, "
                "or a smaller bbox"
            )
        etag = etag_for(raster, "region", fmt, window, size)
        if not_modified := response_not_modified(request, etag):
            return not_modified
        if fmt == "tif":
            response = FileResponse(
                region_geotiff(raster, window, size=size), content_type="image/tiff"
            )
        else:
            image = region_image(raster, window, size=size)
            response = HttpResponse(image_encode(image, fmt), content_type=media_type(fmt))
        return cache_headers_set(response, etag, public=_is_public(raster))


class RasterThumbnailApi(APIView):
    """The whole raster, rendered small: fitted, exact (cropped) or to one side."""

    @extend_schema(
        tags=TAGS,
        operation_id="raster_thumbnail",
        summary="Thumbnail of the whole raster",
        parameters=[
            _RASTER_ID,
            _fmt(["png", "jpg", "webp"]),
            OpenApiParameter(
                "size",
                str,
                description="256x256 (fit inside, the default), 75x75! (exactly, cropped), "
                "500x (that width) or x300 (that height). At most "
                "RASTERCATALOG_THUMBNAIL_MAX_SIZE a side.",
            ),
        ],
        responses=_binary("image/png", "image/jpeg", "image/webp"),
    )
    def get(self, request: Request, raster_id: int, fmt: str) -> HttpResponse:
        raster = raster_get_ready(raster_id, user=request.user)
        spec = param_parse(request.query_params, "size", size_parse, default=size_parse("256x256"))
        plan = size_plan(spec, raster.width, raster.height)
        limit = settings.RASTERCATALOG_THUMBNAIL_MAX_SIZE
        if max(plan.width, plan.height) > limit:
            raise ParameterInvalid(
                f"parameter size={request.query_params.get('size')!r} is invalid: it gives a "
                f"{plan.width}x{plan.height} image, more than the limit of {limit} pixels a side "
                "(RASTERCATALOG_THUMBNAIL_MAX_SIZE)"
            )
        etag = etag_for(raster, "thumbnail", fmt, params_normalise(vars(plan)))
        if not_modified := response_not_modified(request, etag):
            return not_modified
        window = Window(plan.left, plan.top, plan.right - plan.left, plan.bottom - plan.top)
        body = thumbnail_get(raster, window, size=(plan.width, plan.height), fmt=fmt)
        response = HttpResponse(body, content_type=media_type(fmt))
        return cache_headers_set(response, etag, public=_is_public(raster))


def _is_public(raster: Raster) -> bool:
    # A private raster's images may sit in the client's cache, not in shared proxies.
    return raster.visibility == Raster.Visibility.PUBLIC


def _bbox(text: str) -> tuple[float, float, float, float]:
    values = parse_float_list(text)
    if len(values) != 4 or not (values[0] < values[2] and values[1] < values[3]):
        raise ValueError("expected minx,miny,maxx,maxy with min < max")
    return tuple(values)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("expected a whole number of pixels, at least 1")
    return value
