"""GET /api/rasters/{id}/thumbnail.{png|jpg|webp}: sizes exactly as the size syntax says."""

from __future__ import annotations

import io

import numpy as np
import pytest
from osgeo import gdal
from PIL import Image

pytestmark = pytest.mark.django_db

RGB = [gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand]


@pytest.fixture
def stripes(write_raster):
    """300 x 200 RGB: red, green and blue vertical stripes, 100 pixels each."""
    rgb = np.zeros((3, 200, 300), dtype=np.uint8)
    for band in range(3):
        rgb[band, :, band * 100 : (band + 1) * 100] = 255
    return write_raster("stripes.tif", rgb, interpretations=RGB, cog=True)


def thumbnail(api, raster, fmt="png", **query) -> Image.Image:
    response = api.get(f"/api/rasters/{raster.pk}/thumbnail.{fmt}", query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == f"image/{'jpeg' if fmt == 'jpg' else fmt}"
    return Image.open(io.BytesIO(response.content))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (None, (256, 171)),  # the default: fit inside 256x256
        ("256x256", (256, 171)),
        ("75x75!", (75, 75)),
        ("500x", (500, 333)),
        ("x300", (450, 300)),
        ("64x64!", (64, 64)),
        ("100x10", (15, 10)),
    ],
)
def test_sizes_are_exactly_what_the_syntax_says(api, catalogue_local, stripes, size, expected):
    raster = catalogue_local(stripes)

    image = thumbnail(api, raster, **({"size": size} if size else {}))

    assert image.size == expected


def test_fitted_thumbnail_shows_the_whole_raster(api, catalogue, stripes):
    raster = catalogue(stripes)

    image = thumbnail(api, raster, size="150x150").convert("RGB")

    assert image.size == (150, 100)
    assert image.getpixel((25, 50)) == (255, 0, 0)
    assert image.getpixel((75, 50)) == (0, 255, 0)
    assert image.getpixel((125, 50)) == (0, 0, 255)


def test_exact_thumbnail_is_cropped_not_squashed(api, catalogue_local, stripes):
    """A square from a 3:2 raster is its middle: the green stripe fills most of it."""
    raster = catalogue_local(stripes)

    image = thumbnail(api, raster, size="40x40!").convert("RGB")

    assert image.size == (40, 40)
    # The middle 200 columns: half of the red stripe, the green one, half of the blue one.
    assert image.getpixel((5, 20)) == (255, 0, 0)
    assert image.getpixel((20, 20)) == (0, 255, 0)
    assert image.getpixel((35, 20)) == (0, 0, 255)


@pytest.mark.parametrize("fmt", ["jpg", "webp"])
def test_other_formats(api, catalogue_local, stripes, fmt):
    raster = catalogue_local(stripes)

    image = thumbnail(api, raster, fmt=fmt, size="30x")

    assert image.format == {"jpg": "JPEG", "webp": "WEBP"}[fmt]
    assert image.size == (30, 20)
    red, green, blue = image.convert("RGB").getpixel((15, 10))
    assert green > 200 and red < 60 and blue < 60


def test_larger_than_the_limit_is_400_naming_it(api, settings, catalogue_local, stripes):
    settings.RASTERCATALOG_THUMBNAIL_MAX_SIZE = 400
    raster = catalogue_local(stripes)

    wide = api.get(f"/api/rasters/{raster.pk}/thumbnail.png", {"size": "500x"})
    tall = api.get(f"/api/rasters/{raster.pk}/thumbnail.png", {"size": "x300"})  # 450 wide

    for response, image_size in ((wide, "500x333"), (tall, "450x300")):
        assert response.status_code == 400
        detail = response.json()["detail"]
        assert f"gives a {image_size} image" in detail
        assert "limit of 400 pixels a side (RASTERCATALOG_THUMBNAIL_MAX_SIZE)" in detail


@pytest.mark.parametrize("size", ["big", "0x0", "75x!", "12x12x12"])
def test_bad_size_is_400_naming_it(api, catalogue_local, stripes, size):
    raster = catalogue_local(stripes)

    response = api.get(f"/api/rasters/{raster.pk}/thumbnail.png", {"size": size})

    assert response.status_code == 400
    assert f"parameter size={size!r} is invalid" in response.json()["detail"]


def test_etag_and_304(api, catalogue_local, stripes):
    raster = catalogue_local(stripes)
    url = f"/api/rasters/{raster.pk}/thumbnail.png"

    first = api.get(url, {"size": "64x64"})
    same = api.get(url, {"size": "64x64"}, HTTP_IF_NONE_MATCH=first["ETag"])
    other = api.get(url, {"size": "64x64!"}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert same.status_code == 304
    assert other.status_code == 200 and other["ETag"] != first["ETag"]


def test_rendered_thumbnails_are_served_from_the_cache(api, catalogue_local, stripes):
    """Once rendered, the same thumbnail needs no file read; another size does."""
    raster = catalogue_local(stripes)
    url = f"/api/rasters/{raster.pk}/thumbnail.png"
    first = api.get(url, {"size": "48x32"})
    stripes.unlink()

    again = api.get(url, {"size": "48x32"})
    other = api.get(url, {"size": "60x"})

    assert again.status_code == 200 and again.content == first.content
    assert other.status_code == 503
    assert "no such file" in other.json()["detail"]
