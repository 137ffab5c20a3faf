"""GET /api/rasters/{id}/histogram: counts of the valid pixels of one level no wider than the limit."""

from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal

pytestmark = pytest.mark.django_db


def valid_pixels_at(path, band: int, width: int, height: int) -> np.ndarray:
    """The valid values of `band` read by GDAL at width x height (nodata and NaN left out)."""
    dataset = gdal.Open(str(path))  # kept in a variable: a band outliving its dataset crashes
    gdal_band = dataset.GetRasterBand(band)
    values = gdal_band.ReadAsArray(buf_xsize=width, buf_ysize=height)
    mask = gdal_band.GetMaskBand().ReadAsArray(buf_xsize=width, buf_ysize=height) > 0
    if values.dtype.kind == "f":
        mask &= np.isfinite(values)
    return values[mask]


def test_counts_sum_to_the_valid_pixels_of_the_full_grid(api, catalogue, index_raster):
    raster = catalogue(index_raster)

    response = api.get(f"/api/rasters/{raster.pk}/histogram", {"bins": 10})

    body = response.json()
    assert response.status_code == 200, body
    assert body["band"] == 1 and body["level"] == {"width": 300, "height": 200}
    assert sum(body["counts"]) == 300 * 200 - 1 == body["valid_pixels"]  # one nodata pixel
    assert len(body["edges"]) == 11
    assert body["edges"][0] == 1 and body["edges"][-1] == 199 * 1000 + 299 + 1
    expected, _ = np.histogram(valid_pixels_at(index_raster, 1, 300, 200), bins=10)
    assert body["counts"] == expected.tolist()


def test_a_large_raster_is_counted_on_a_level_at_most_the_limit_wide(
    api, settings, catalogue_local, write_raster
):
    """3000 x 1500 with overviews: the histogram reads a 1024 x 512 level and counts exactly it."""
    settings.RASTERCATALOG_HISTOGRAM_MAX_SIZE = 1024
    array = np.random.default_rng(5).integers(0, 200, (1500, 3000), dtype=np.uint8)
    array[:100, :] = 255  # a nodata stripe
    path = write_raster("big.tif", array, nodata=255, cog=True)
    raster = catalogue_local(path)

    body = api.get(f"/api/rasters/{raster.pk}/histogram", {"bins": 256, "range": "0,256"}).json()

    assert body["level"] == {"width": 1024, "height": 512}
    valid = valid_pixels_at(path, 1, 1024, 512)
    assert sum(body["counts"]) == valid.size == body["valid_pixels"]
    assert body["counts"] == np.bincount(valid, minlength=256).tolist()
    # The same level as the statistics stored at ingest, so the two agree.
    assert body["valid_pixels"] == raster.bands.get().valid_pixels


def test_range_bins_and_density(api, catalogue_local, write_raster):
    array = np.tile(np.arange(100, dtype=np.float32), (10, 1))
    array[0, :5] = np.nan
    raster = catalogue_local(write_raster("ramp.tif", array))
    url = f"/api/rasters/{raster.pk}/histogram"

    counts = api.get(url, {"bins": 4, "range": "0,40"}).json()
    density = api.get(url, {"bins": 4, "range": "0,40", "density": "true"}).json()

    assert counts["edges"] == [0, 10, 20, 30, 40]
    # NaN left out; as in numpy the last bin is closed, so it holds 30..39 and 40 itself.
    assert counts["counts"] == [95, 100, 100, 110]
    assert counts["valid_pixels"] == 995 and counts["density"] is False
    assert density["density"] is True
    assert sum(c * 10 for c in density["counts"]) == pytest.approx(1.0)


def test_other_bands(api, catalogue_local, write_raster):
    bands = np.stack([np.zeros((20, 20), np.uint8), np.full((20, 20), 7, np.uint8)])
    raster = catalogue_local(write_raster("two.tif", bands))

    body = api.get(f"/api/rasters/{raster.pk}/histogram", {"band": 2, "bins": 1}).json()

    assert body["band"] == 2 and body["counts"] == [400]
    assert body["edges"] == [6.5, 7.5]  # numpy's range around a single value


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"band": 3}, "parameter band=3 is invalid: band 3 does not exist: raster"),
        ({"band": "red"}, "parameter band='red' is invalid"),
        ({"bins": 0}, "parameter bins='0' is invalid: expected 1 to 4096"),
        ({"bins": 100000}, "parameter bins='100000' is invalid"),
        ({"range": "5,1"}, "parameter range='5,1' is invalid: expected min,max with min < max"),
        ({"range": "1"}, "parameter range='1' is invalid"),
        ({"density": "maybe"}, "parameter density='maybe' is invalid"),
    ],
)
def test_bad_parameters_are_400_naming_them(api, catalogue_local, write_raster, query, named):
    bands = np.stack([np.zeros((20, 20), np.uint8), np.full((20, 20), 7, np.uint8)])
    raster = catalogue_local(write_raster("two.tif", bands))

    response = api.get(f"/api/rasters/{raster.pk}/histogram", query)

    assert response.status_code == 400
    assert named in response.json()["detail"]
