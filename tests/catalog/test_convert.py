"""Conversion to COG: lossless pixels on every dtype, the row's two checksums, and failures."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import numpy as np
import pytest
import rasterio
from osgeo import gdal
from rio_cogeo.cogeo import cog_validate

from rastercatalog.catalog import cog as cog_module
from rastercatalog.catalog.convert import raster_convert_now, raster_convert_to_cog
from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.errors import ConversionFailed, ConversionRefused
from rastercatalog.models import Raster

from ..conftest import CORPUS
from .test_corpus import INGESTS

pytestmark = pytest.mark.django_db

# Every corpus file that ingests (the valid COGs among them are converted with force=True).
CORPUS_CONVERTS = INGESTS


def _pixels(path: str) -> tuple[np.ndarray, list, list]:
    with rasterio.open(path) as src:
        masks = [src.read_masks(i) for i in src.indexes]
        data = src.read()
        alpha = [i for i, c in enumerate(src.colorinterp) if c == rasterio.enums.ColorInterp.alpha]
        if alpha:
            # Under alpha 0 nothing is visible: GDAL's warper, which rio-cogeo reads through,
            # writes 0 there. Every visible pixel, and the alpha band itself, must be identical.
            hidden = data[alpha[0]] == 0
            for index in range(src.count):
                if index != alpha[0]:
                    data[index][hidden] = 0
        return data, list(src.dtypes), [src.nodata, src.crs, src.transform, masks]


def _assert_same_pixels(original: str, converted: str) -> None:
    a, a_types, (a_nodata, a_crs, a_transform, a_masks) = _pixels(original)
    b, b_types, (b_nodata, b_crs, b_transform, b_masks) = _pixels(converted)
    assert a_types == b_types
    np.testing.assert_array_equal(a, b)  # NaN == NaN here
    assert (a_nodata == b_nodata) or (np.isnan(a_nodata) and np.isnan(b_nodata))
    assert a_crs == b_crs
    assert a_transform.almost_equals(b_transform)
    for mask_a, mask_b in zip(a_masks, b_masks, strict=True):
        np.testing.assert_array_equal(mask_a, mask_b)


def _ingest_copy(tmp_path: Path, source: Path) -> Raster:
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    return raster_ingest(uri=str(copy), trusted=True).raster


@pytest.mark.corpus
@pytest.mark.parametrize("name", CORPUS_CONVERTS)
def test_corpus_file_converts_losslessly(corpus, tmp_path, name):
    raster = _ingest_copy(tmp_path, corpus / name)
    original_uri, original_checksum = raster.uri, raster.checksum_sha256

    raster = raster_convert_to_cog(raster=raster, force=True)

    raster.refresh_from_db()
    assert raster.conversion_status == "converted", raster.conversion_error
    assert raster.original_uri == original_uri
    assert raster.original_checksum_sha256 == original_checksum
    assert raster.checksum_sha256 != original_checksum
    assert Path(raster.uri).parent == Path(original_uri).parent  # beside the original
    assert Path(raster.uri).name == f"{raster.checksum_sha256}.cog.tif"  # content-addressed
    assert raster.is_cog is True and raster.cog_errors == []
    assert cog_validate(raster.uri, quiet=True)[0]
    assert raster.size_bytes == Path(raster.uri).stat().st_size
    assert raster.conversion_profile["lossless"] is True
    _assert_same_pixels(original_uri, raster.uri)
    assert Path(original_uri).exists()  # the original is kept


@pytest.mark.corpus
def test_a_valid_cog_is_left_as_it_is(corpus, tmp_path):
    raster = _ingest_copy(tmp_path, corpus / "riocogeo_validate__image_rioCOG_gdal3.1.tif")
    uri, checksum = raster.uri, raster.checksum_sha256
    raster_convert_to_cog(raster=raster)
    raster.refresh_from_db()
    assert raster.conversion_status == "not-needed"
    assert (raster.uri, raster.checksum_sha256, raster.original_uri) == (uri, checksum, "")


@pytest.fixture
def striped() -> np.ndarray:
    """600x700 uint8: big enough that a striped GeoTIFF of it is not a valid COG."""
    return np.tile((np.arange(700) // 3).astype(np.uint8), (600, 1))


DTYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_generated_dtypes_with_nodata_convert_losslessly(write_raster, dtype):
    rng = np.random.default_rng(7)
    info = np.iinfo(dtype) if dtype[0] in "ui" else np.finfo(dtype)
    low, high = max(info.min, -1e6), min(info.max, 1e6)
    data = rng.uniform(low, high, size=(2, 600, 700)).astype(dtype)
    nodata = 0 if dtype[0] in "ui" else -9999.0
    data[data == nodata] = 1  # see test_a_pixel_nodata_in_one_band_only_fails_the_conversion
    data[:, :40, :] = nodata
    path = write_raster(f"{dtype}.tif", data, nodata=nodata)
    raster = raster_ingest(uri=str(path), trusted=True).raster

    raster_convert_to_cog(raster=raster)

    assert raster.conversion_status == "converted"
    assert raster.conversion_profile["options"]["predictor"] == ("3" if "float" in dtype else "2")
    _assert_same_pixels(str(path), raster.uri)


def test_nan_nodata_float_converts_losslessly(write_raster):
    data = np.linspace(-5, 5, 600 * 700, dtype="float32").reshape(600, 700)
    data[50:80, 10:200] = np.nan
    path = write_raster("nan.tif", data, nodata=float("nan"))
    raster = raster_ingest(uri=str(path), trusted=True).raster
    raster_convert_to_cog(raster=raster)
    _assert_same_pixels(str(path), raster.uri)


def test_palette_keeps_its_colour_table(write_raster):
    data = (np.arange(600 * 700) % 3).astype("uint8").reshape(600, 700)
    table = {0: (0, 0, 0, 255), 1: (255, 0, 0, 255), 2: (0, 255, 0, 255)}
    path = write_raster(
        "palette.tif", data, color_table=table, interpretations=[gdal.GCI_PaletteIndex]
    )
    raster = raster_ingest(uri=str(path), trusted=True).raster
    raster_convert_to_cog(raster=raster)
    _assert_same_pixels(str(path), raster.uri)
    assert raster.conversion_profile["overview_resampling"] == "nearest"
    with rasterio.open(raster.uri) as cog:
        assert cog.colormap(1)[1] == (255, 0, 0, 255)
        assert cog.colormap(1)[2] == (0, 255, 0, 255)


def test_rgba_alpha_stays_alpha(write_raster):
    rgba = np.zeros((4, 600, 700), dtype="uint8")
    rgba[:3] = (np.arange(700)[np.newaxis, np.newaxis, :] % 251).astype("uint8")
    rgba[3, 20:580, 30:670] = 255
    interps = [gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand, gdal.GCI_AlphaBand]
    path = write_raster("rgba.tif", rgba, interpretations=interps)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    raster_convert_to_cog(raster=raster)
    _assert_same_pixels(str(path), raster.uri)
    with rasterio.open(raster.uri) as cog:
        assert cog.colorinterp[3] == rasterio.enums.ColorInterp.alpha


def test_jpeg_only_for_rgb_uint8(write_raster):
    path = write_raster("dem.tif", np.ones((600, 700), dtype="float32"))
    raster = raster_ingest(uri=str(path), trusted=True).raster
    with pytest.raises(ConversionRefused, match="only offered for RGB uint8"):
        raster_convert_to_cog(raster=raster, compression="jpeg")
    raster.refresh_from_db()
    assert raster.conversion_status == "failed"
    assert "deflate" in raster.conversion_error
    assert raster.uri == str(path) and raster.original_uri == ""


@pytest.mark.corpus
def test_jpeg_when_asked_for_rgb_uint8(corpus, tmp_path):
    raster = _ingest_copy(tmp_path, corpus / "rasterio__RGB.byte.tif")
    raster_convert_to_cog(raster=raster, compression="jpeg")
    assert raster.conversion_profile["compression"] == "jpeg"
    assert raster.conversion_profile["lossless"] is False
    with rasterio.open(raster.uri) as cog:
        assert cog.compression.value == "JPEG"


def test_disk_full_leaves_the_original_entry_untouched(write_raster, monkeypatch, striped):
    path = write_raster("ramp.tif", striped)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    before = Raster.objects.values().get(pk=raster.pk)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cog_module, "cog_translate", full)
    with pytest.raises(ConversionFailed, match="disk full"):
        raster_convert_to_cog(raster=raster)

    after = Raster.objects.values().get(pk=raster.pk)
    assert after["conversion_status"] == "failed"
    assert "disk full" in after["conversion_error"]
    for key in ("uri", "checksum_sha256", "size_bytes", "is_cog", "status", "original_uri"):
        assert after[key] == before[key]
    assert sorted(p.name for p in path.parent.iterdir()) == ["ramp.tif"]  # no scratch left


def test_not_enough_free_space_is_refused_before_writing(write_raster, monkeypatch, striped):
    path = write_raster("ramp.tif", striped)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    monkeypatch.setattr(
        "rastercatalog.catalog.convert.shutil.disk_usage",
        lambda _: shutil._ntuple_diskusage(1, 1, 0),
    )
    raster = raster_convert_now(raster=raster)
    assert raster.conversion_status == "failed"
    assert "not enough free disk space" in raster.conversion_error
    assert raster.uri == str(path)


def test_a_file_rio_cogeo_refuses_says_why(write_raster, monkeypatch, striped):
    path = write_raster("ramp.tif", striped)
    raster = raster_ingest(uri=str(path), trusted=True).raster

    def refuse(*args, **kwargs):
        raise rasterio.errors.RasterioIOError("TIFFReadEncodedStrip() failed")

    monkeypatch.setattr(cog_module, "cog_translate", refuse)
    raster = raster_convert_now(raster=raster)
    assert raster.conversion_status == "failed"
    assert "rio-cogeo could not convert the raster: TIFFReadEncodedStrip" in raster.conversion_error
    assert Raster.objects.get(pk=raster.pk).uri == str(path)


def test_an_original_changed_since_ingestion_is_not_converted(write_raster, striped):
    path = write_raster("ramp.tif", striped)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    write_raster("ramp.tif", striped // 2)  # same size, other bytes
    raster = raster_convert_now(raster=raster)
    assert raster.conversion_status == "failed"
    assert "changed since it was ingested" in raster.conversion_error


def test_a_deleted_original_says_so(write_raster, striped):
    path = write_raster("ramp.tif", striped)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    path.unlink()
    raster = raster_convert_now(raster=raster)
    assert raster.conversion_status == "failed"
    assert "cannot be read any more" in raster.conversion_error


def test_the_original_bytes_ingested_again_are_already_present(write_raster, striped, tmp_path):
    path = write_raster("ramp.tif", striped)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    raster_convert_to_cog(raster=raster)
    again = tmp_path / "again.tif"
    shutil.copy(path, again)
    result = raster_ingest(uri=str(again), trusted=True)
    assert not result.created and result.raster.pk == raster.pk


def test_not_ready_is_refused(write_raster, striped):
    raster = Raster.objects.create(uri="/nowhere.tif", name="x", status="pending")
    with pytest.raises(ConversionRefused, match="not ready"):
        raster_convert_to_cog(raster=raster)


def test_corpus_constant_points_at_the_shared_folder():
    assert CORPUS.name == "corpus"


def test_a_pixel_nodata_in_one_band_only_fails_the_conversion(write_raster, striped):
    # For int32, GDAL's warper takes a pixel for nodata only when every band is: it writes -1 in
    # the one band that was nodata. The pixel check catches it and the original stays.
    data = np.stack([striped, striped]).astype("int32") + 1
    data[0, 300, 0] = 0
    path = write_raster("bands.tif", data, nodata=0)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    raster = raster_convert_now(raster=raster)
    assert raster.conversion_status == "failed"
    assert "changed 1 pixel(s)" in raster.conversion_error
    assert Raster.objects.get(pk=raster.pk).uri == str(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["bands.tif"]


def test_a_reingestion_during_the_conversion_wins(write_raster, striped, monkeypatch):
    path = write_raster("ramp.tif", striped)
    raster = raster_ingest(uri=str(path), trusted=True).raster
    real_write = cog_module.cog_write

    def write_then_reingest_claims(*args, **kwargs):
        real_write(*args, **kwargs)
        Raster.objects.filter(pk=raster.pk).update(status="processing")  # what a claim does

    monkeypatch.setattr("rastercatalog.catalog.convert.cog_write", write_then_reingest_claims)
    raster = raster_convert_now(raster=raster)
    assert raster.conversion_status == "failed"
    assert "re-ingested or changed while it was converted" in raster.conversion_error
    row = Raster.objects.get(pk=raster.pk)
    assert row.uri == str(path) and row.original_uri == ""
    assert sorted(p.name for p in path.parent.iterdir()) == ["ramp.tif"]  # no orphan COG
