"""Pieces of a raster as files: a region (GeoTIFF, PNG or JPEG) and a thumbnail (PNG, JPEG, WebP)."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from ....geo.pixelgrid import Grid, Window
from ....geo.sizes import size_plan
from ....models import Raster
from ....render.analysis_images import drawn_image_get, expression_geotiff, window_reader
from ....render.encode import image_encode, media_type
from ....render.regions import (
    output_size,
    region_geotiff,
    region_image,
    thumbnail_get,
)
from ...http import (
    cache_headers_set,
    etag_for,
    params_normalise,
    raster_get_ready,
    response_not_modified,
)
from ...params.analysis import IMAGE_PARAMETERS, image_params_parse
from ...params.core import ParameterInvalid
from ...params.data import (
    RASTER_ID,
    REGION_PARAMETERS,
    THUMBNAIL_SIZE,
    fmt_parameter,
    region_params_parse,
    thumbnail_size_parse,
)

TAGS = ["raster data"]


def _binary(*content_types: str) -> dict:
    return {(200, content_type): OpenApiTypes.BINARY for content_type in content_types}


class RasterRegionApi(APIView):
    """The raster's pixels inside a box, as a georeferenced GeoTIFF or a rendered PNG/JPEG."""

    @extend_schema(
        tags=TAGS,
        operation_id="raster_region",
        summary="Region inside a bbox: GeoTIFF (data, georeferenced) or PNG/JPEG (rendered)",
        parameters=[
            RASTER_ID,
            fmt_parameter(["tif", "png", "jpg"]),
            *REGION_PARAMETERS,
            *IMAGE_PARAMETERS,
        ],
        responses=_binary("image/tiff", "image/png", "image/jpeg"),
    )
    def get(self, request: Request, raster_id: int, fmt: str) -> HttpResponse:
        raster = raster_get_ready(raster_id, user=request.user)
        bbox, crs, max_size = region_params_parse(request.query_params)
        limit = settings.RASTERCATALOG_REGION_MAX_SIZE
        window = Grid.of(raster).window_of(bbox, crs)
        size = output_size(window, max_size)
        if max(size) > limit:
            raise ParameterInvalid(
                f"the region is {size[0]}x{size[1]} pixels at full resolution, more than the limit of "
                f"{limit} pixels a side (RASTERCATALOG_REGION_MAX_SIZE): pass max_size={limit} or less, "
                "or a smaller bbox"
            )
        expression, style = _drawn(request, raster, fmt)
        etag = etag_for(raster, "region", fmt, window, size, *_tokens(expression, style))
        if not_modified := response_not_modified(request, etag):
            return not_modified
        if fmt == "tif" and expression is not None:
            read = window_reader(raster, window, size=size)
            body = expression_geotiff(raster, read, expression, window=window, size=size)
            response = FileResponse(body, content_type="image/tiff")
        elif style is not None:
            body = drawn_image_get(
                raster,
                window,
                size=size,
                fmt=fmt,
                style=style,
                expression=expression,
                bands=raster.bands.all(),
            )
            response = HttpResponse(body, content_type=media_type(fmt))
        elif fmt == "tif":
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
            RASTER_ID,
            fmt_parameter(["png", "jpg", "webp"]),
            THUMBNAIL_SIZE,
            *IMAGE_PARAMETERS,
        ],
        responses=_binary("image/png", "image/jpeg", "image/webp"),
    )
    def get(self, request: Request, raster_id: int, fmt: str) -> HttpResponse:
        raster = raster_get_ready(raster_id, user=request.user)
        spec = thumbnail_size_parse(request.query_params)
        plan = size_plan(spec, raster.width, raster.height)
        limit = settings.RASTERCATALOG_THUMBNAIL_MAX_SIZE
        if max(plan.width, plan.height) > limit:
            raise ParameterInvalid(
                f"parameter size={request.query_params.get('size')!r} is invalid: it gives a "
                f"{plan.width}x{plan.height} image, more than the limit of {limit} pixels a side "
                "(RASTERCATALOG_THUMBNAIL_MAX_SIZE)"
            )
        expression, style = _drawn(request, raster, fmt)
        etag = etag_for(
            raster, "thumbnail", fmt, params_normalise(vars(plan)), *_tokens(expression, style)
        )
        if not_modified := response_not_modified(request, etag):
            return not_modified
        window = Window(plan.left, plan.top, plan.right - plan.left, plan.bottom - plan.top)
        size = (plan.width, plan.height)
        if style is not None:
            body = drawn_image_get(
                raster,
                window,
                size=size,
                fmt=fmt,
                style=style,
                expression=expression,
                bands=raster.bands.all(),
            )
        else:
            body = thumbnail_get(raster, window, size=size, fmt=fmt)
        response = HttpResponse(body, content_type=media_type(fmt))
        return cache_headers_set(response, etag, public=_is_public(raster))


def _drawn(request: Request, raster: Raster, fmt: str):
    """The expression and style asked for (None, None: the default look, through large-image)."""
    return image_params_parse(request.query_params, band_count=raster.band_count or 1, fmt=fmt)


def _tokens(expression, style) -> list[str]:
    if style is None:
        return []
    return [style.cache_token(), expression.text if expression is not None else ""]


def _is_public(raster: Raster) -> bool:
    # A private raster's images may sit in the client's cache, not in shared proxies.
    return raster.visibility == Raster.Visibility.PUBLIC
