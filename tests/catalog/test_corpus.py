"""Every file of ../shared/corpus through `manage.py ingest`, checked against its README table and GDAL."""

from __future__ import annotations

import math

import pytest
from osgeo import gdal
from rasterio.crs import CRS
from rasterio.warp import transform_bounds
from rio_cogeo.cogeo import cog_validate

from rastercatalog.models import Band, Raster

from ..conftest import CORPUS

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

# What the corpus README says each file should do: ingest, or fail with a reason naming the problem.
INGESTS = [
    "rasterio__RGB.byte.tif",
    "rasterio__rgb_deflate.tif",
    "rasterio__RGBA.byte.tif",
    "rasterio__RGBA.uint16.tif",
    "rasterio__shade.tif",
    "rasterio__world.rgb.tif",
    "rasterio__alpha.tif",
    "rasterio__byte.tif",
    "rasterio__float_raster_with_nodata.tif",
    "rasterio__test_esri_wkt.tif",
    "riocogeo_validate__image_COG_gdal3.1.tif",
    "riocogeo_validate__image_dec.tif",
    "riocogeo_validate__image_external.tif",
    "riocogeo_validate__image_no_overview.tif",
    "riocogeo_validate__image_rioCOG_gdal3.1.tif",
    "riocogeo_validate__image_sorted.tif",
]
FAILS = {
    "rasterio__all-nodata.tif": "no valid pixels",
    "rasterio__float.tif": "no georeferencing",
    "rasterio__float_nan.tif": "no georeferencing",
    "rasterio__rotated.tif": "no georeferencing",
    "rasterio__corrupt.tif": "file truncated at tile 3",
    "rasterio__389225main_sw_1965_1024.jpg": "driver JPEG is not allowed",
    # rio-cogeo's fixture is a PNG despite its name; either way it is not a GeoTIFF.
    "riocogeo_validate__nontiff.jpg": "driver PNG is not allowed",
    # A valid COG layout without any georeferencing.
    "riocogeo_validate__cog_no_offest.tif": "no georeferencing",
}


def test_the_table_covers_every_file_in_the_corpus(corpus):
    rasters = {p.name for p in corpus.iterdir() if p.suffix in (".tif", ".jpg")}
    assert rasters == set(INGESTS) | set(FAILS)


@pytest.mark.parametrize("name", INGESTS)
def test_ingests_with_what_gdal_reports(corpus, run_ingest, name):
    path = corpus / name

    result = run_ingest(str(path))

    assert result.code == 0, result
    raster = Raster.objects.get()
    dataset = gdal.Open(str(path))
    assert raster.status == Raster.Status.READY
    assert (raster.width, raster.height, raster.band_count) == (
        dataset.RasterXSize,
        dataset.RasterYSize,
        dataset.RasterCount,
    )
    band = dataset.GetRasterBand(1)
    assert raster.dtype == gdal.GetDataTypeName(band.DataType)
    assert _same_nodata(raster.nodata, band.GetNoDataValue())
    assert raster.geotransform == pytest.approx(list(dataset.GetGeoTransform()))
    srs = dataset.GetSpatialRef()
    assert CRS.from_wkt(raster.crs_wkt) == CRS.from_wkt(srs.ExportToWkt())
    code = srs.GetAuthorityCode(None)
    if srs.GetAuthorityName(None) == "EPSG":
        assert raster.crs_epsg == int(code)
    # The footprint's bbox lies within the raster's bounds as GDAL reports them.
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    x1, y1 = x0 + dx * dataset.RasterXSize, y0 + dy * dataset.RasterYSize
    west, south, east, north = transform_bounds(
        CRS.from_wkt(srs.ExportToWkt()),
        CRS.from_epsg(4326),
        min(x0, x1),
        min(y0, y1),
        max(x0, x1),
        max(y0, y1),
    )
    tolerance = 1e-6
    assert raster.bbox_south >= south - tolerance and raster.bbox_north <= north + tolerance
    assert raster.bbox_west >= west - tolerance and raster.bbox_east <= east + tolerance
    assert raster.footprint.valid and not raster.footprint.empty
    assert Band.objects.filter(raster=raster).count() == dataset.RasterCount


def _same_nodata(stored: float | None, reported: float | None) -> bool:
    if reported is None or stored is None:
        return stored is reported
    return (math.isnan(stored) and math.isnan(reported)) or stored == pytest.approx(reported)


@pytest.mark.parametrize("name", sorted(FAILS))
def test_refused_with_the_reason_named(corpus, run_ingest, name):
    result = run_ingest(str(corpus / name))

    assert result.code == 1
    assert FAILS[name] in result.out
    assert "summary: 0 ingested, 1 failed" in result.out
    assert Raster.objects.count() == 0 and Band.objects.count() == 0


@pytest.mark.parametrize("name", [n for n in INGESTS if n.startswith("riocogeo_")])
def test_cog_report_matches_rio_cogeo(corpus, run_ingest, name):
    run_ingest(str(corpus / name))

    raster = Raster.objects.get()
    is_valid, errors, warnings = cog_validate(str(corpus / name), quiet=True)
    assert (raster.is_cog, raster.cog_errors, raster.cog_warnings) == (is_valid, errors, warnings)


def test_collared_landsat_footprint_is_inside_the_collar(corpus, run_ingest):
    run_ingest(str(corpus / "rasterio__RGB.byte.tif"))

    raster = Raster.objects.get()
    native = raster.footprint.transform(32618, clone=True)
    x0, dx, _, y0, _, dy = raster.geotransform
    full_area = abs(dx * dy) * raster.width * raster.height
    # The valid scene is a tilted rectangle inside a nodata-0 collar: well under the full grid.
    assert 0.5 * full_area < native.area < 0.85 * full_area
    assert raster.footprint.num_coords <= 400


def test_world_raster_spans_the_globe(corpus, run_ingest):
    run_ingest(str(corpus / "rasterio__world.rgb.tif"))

    raster = Raster.objects.get()
    assert raster.bbox == pytest.approx((-180, -90, 180, 90))
    assert raster.footprint.extent == pytest.approx((-180, -90, 180, 90))


def test_whole_corpus_in_one_run_summarises_and_exits_non_zero(corpus, run_ingest):
    result = run_ingest(str(corpus), *[str(corpus / n) for n in FAILS if n.endswith(".jpg")])

    assert result.code == 1
    # rgb_deflate and RGB.byte are the same scene in different bytes: both are ingested.
    assert f"summary: {len(INGESTS)} ingested, {len(FAILS)} failed" in result.out
    assert Raster.objects.filter(status=Raster.Status.READY).count() == len(INGESTS)
    assert CORPUS.is_dir()
