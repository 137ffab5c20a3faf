"""render/mosaic.py and render/mosaic_tiles.py on real files: types, nodata, paint of the combination."""

from __future__ import annotations

import io
import warnings

import numpy as np
import PIL.Image
import pytest

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.geo.webmercator import tile_for_lonlat
from rastercatalog.render.mosaic import MosaicStack
from rastercatalog.render.mosaic_tiles import mosaic_paint, mosaic_tile_render
from rastercatalog.render.style import TileStyle
from rastercatalog.render.tiles import TileRequest
from rastercatalog.search.mosaic import BandEnvelope

pytestmark = pytest.mark.django_db
GEOTRANSFORM = (10.0, 0.005, 0, 46.0, 0, -0.005)
WEST_HALF, EAST_HALF = (10.4, 45.5), (11.6, 45.5)


def ingest(write_raster, name, array, **kwargs):
    path = write_raster(name, array, geotransform=GEOTRANSFORM, cog=True, **kwargs)
    return raster_ingest(uri=str(path), trusted=True).raster


@pytest.fixture
def float_and_int16(write_raster):
    """Float32 -50 with NaN (no data) in its east half; Int16 80 with -9999 in its west half."""
    floats = np.full((400, 400), -50.0, np.float32)
    floats[:, 200:] = np.nan
    ints = np.full((400, 400), 80, np.int16)
    ints[:, :200] = -9999
    return [
        ingest(write_raster, "f.tif", floats, nodata=float("nan")),
        ingest(write_raster, "i.tif", ints, nodata=-9999),
    ]


def grey_at(content: bytes, lonlat, z=8) -> tuple[int, int]:
    image = np.asarray(PIL.Image.open(io.BytesIO(content)).convert("RGBA"))
    _, fx, fy = tile_for_lonlat(*lonlat, z)
    pixel = image[int(fy * 256), int(fx * 256)]
    return int(pixel[0]), int(pixel[3])


def render(rasters, lonlat, method, style, **paint):
    tile, _, _ = tile_for_lonlat(*lonlat, 8)
    request = TileRequest(tile, 256, "png", style)
    painted = mosaic_paint(style, bands=(1,), method=method, all_byte=False, **paint)
    return mosaic_tile_render(rasters, request, method=method, bands=(1,), paint=painted)


@pytest.mark.parametrize(
    ("method", "west", "east"),
    [("first", -50, 80), ("highest", -50, 80), ("lowest", -50, 80), ("mean", -50, 80)],
)
def test_each_raster_fills_where_the_other_has_no_data_whatever_the_types(
    float_and_int16, method, west, east
):
    style = TileStyle(minimum=(-100.0,), maximum=(100.0,))
    for lonlat, value in ((WEST_HALF, west), (EAST_HALF, east)):
        content = render(float_and_int16, lonlat, method, style)
        expected = int((value + 100) * 255 / 200 + 0.5)
        assert grey_at(content, lonlat) == (expected, 255), (method, lonlat)


def test_the_default_range_of_non_byte_mosaics_spans_every_rasters_statistics(float_and_int16):
    statistics = {1: BandEnvelope(min=-50.0, max=80.0, p2=-50.0, p98=80.0)}
    content = render(float_and_int16, EAST_HALF, "first", TileStyle(), statistics=statistics)
    assert grey_at(content, EAST_HALF) == (255, 255)  # 80, the top of the range
    assert grey_at(
        render(float_and_int16, WEST_HALF, "first", TileStyle(), statistics=statistics), WEST_HALF
    ) == (0, 255)


def test_count_counts_the_rasters_with_data(float_and_int16, write_raster):
    both = ingest(write_raster, "b.tif", np.full((400, 400), 1, np.uint8))
    rasters = [*float_and_int16, both]
    style = TileStyle(minimum=(0.0,), maximum=(3.0,))
    assert grey_at(render(rasters, WEST_HALF, "count", style), WEST_HALF) == (170, 255)
    # Default range: 0 to the mosaic's raster count.
    assert grey_at(render(rasters, WEST_HALF, "count", TileStyle(), count=2), WEST_HALF) == (
        255,
        255,
    )


def test_median_of_a_tile_with_empty_pixels_warns_of_nothing(float_and_int16):
    """Pixels no raster covers are NaN without numpy's "All-NaN slice encountered" warning."""
    tile, _, _ = tile_for_lonlat(*WEST_HALF, 6)  # wider than the rasters: empty pixels around
    style = TileStyle(minimum=(-100.0,), maximum=(100.0,))
    request = TileRequest(tile, 256, "png", style)
    painted = mosaic_paint(style, bands=(1,), method="median", all_byte=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        content = mosaic_tile_render(
            float_and_int16, request, method="median", bands=(1,), paint=painted
        )
    image = np.asarray(PIL.Image.open(io.BytesIO(content)).convert("RGBA"))
    assert (image[:, :, 3] == 0).any() and (image[:, :, 3] == 255).any()
    stack = MosaicStack("median")
    planes = np.array([[[1.0], [2.0]]])
    stack.add(planes, np.array([[True, False]]))
    stack.add(planes * 3, np.array([[True, False]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = stack.result()
    assert result[0, 0].tolist() == [2.0, 1.0] and np.isnan(result[0, 1, 0])
