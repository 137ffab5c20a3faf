"""GET /api/rasters/{id}/cog and POST /api/cog/validate: the same verdicts as rio-cogeo's own."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from osgeo import gdal
from rasterio.errors import NotGeoreferencedWarning
from rio_cogeo.cogeo import cog_validate

from rastercatalog.models import Raster
from tests.servers import http_server, s3_for_gdal

pytestmark = pytest.mark.django_db

VALIDATE = "/api/cog/validate"
VRT = """<VRTDataset rasterXSize="1" rasterYSize="1">
  <VRTRasterBand dataType="Byte" band="1">
    <SimpleSource><SourceFilename>/etc/passwd</SourceFilename></SimpleSource>
  </VRTRasterBand>
</VRTDataset>
"""


@pytest.fixture
def staff(api):
    """The client, logged in as staff (writes to the API need it)."""
    user = get_user_model().objects.create_user("staff", password="x", is_staff=True)
    api.force_authenticate(user)
    return api


@pytest.fixture
def upload_tmp(settings, tmp_path: Path) -> Path:
    """Where uploads are spooled during the test, to check that nothing is left behind."""
    directory = tmp_path / "spool"
    directory.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(directory)
    return directory


def rio_cogeo_verdict(path: Path) -> tuple[bool, list, list]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)  # cog_no_offest has no CRS
        is_valid, errors, warns = cog_validate(str(path), quiet=True)
    return is_valid, errors, warns


def verdict(body: dict) -> tuple[bool, list, list]:
    return body["is_valid"], body["errors"], body["warnings"]


def driver_of(path: Path) -> str | None:
    driver = gdal.IdentifyDriverEx(str(path), gdal.OF_RASTER)
    return driver.ShortName if driver else None


def test_stored_report_of_a_cog(api, catalogue, write_raster):
    pixels = np.random.default_rng(1).integers(0, 255, (3, 512, 512), dtype=np.uint8)
    path = write_raster("cog.tif", pixels, cog=True)
    raster = catalogue(path)

    body = api.get(f"/api/rasters/{raster.pk}/cog").json()

    assert verdict(body) == (True, [], []) == rio_cogeo_verdict(path)
    assert body["Profile"]["Tiled"] is True and body["Profile"]["Bands"] == 3
    assert [ifd["Level"] for ifd in body["IFD"]] == [0, 1]
    assert body["GEO"]["CRS"] == "EPSG:4326"


def test_stored_report_of_a_striped_geotiff(api, catalogue_local, write_raster):
    pixels = np.random.default_rng(2).integers(0, 255, (1024, 1024), dtype=np.uint8)
    path = write_raster("plain.tif", pixels)
    raster = catalogue_local(path)

    body = api.get(f"/api/rasters/{raster.pk}/cog").json()

    assert body["is_valid"] is False
    assert verdict(body) == rio_cogeo_verdict(path)
    assert any("not tiled" in error for error in body["errors"])


def test_upload_is_validated_then_deleted_and_nothing_catalogued(staff, write_raster, upload_tmp):
    pixels = np.random.default_rng(3).integers(0, 255, (1024, 1024), dtype=np.uint8)
    path = write_raster("plain.tif", pixels)

    with path.open("rb") as handle:
        response = staff.post(VALIDATE, {"file": handle}, format="multipart")

    assert response.status_code == 200, response.content
    assert verdict(response.json()) == rio_cogeo_verdict(path)
    assert response.json()["Profile"]["Width"] == 1024
    assert list(upload_tmp.iterdir()) == []
    assert not Raster.objects.exists()


def test_vrt_is_refused_by_name_before_rio_cogeo(staff, tmp_path, settings, upload_tmp):
    vrt = tmp_path / "evil.tif"
    vrt.write_text(VRT)
    settings.RASTERCATALOG_ALLOWED_LOCAL_ROOTS = [str(tmp_path)]

    with vrt.open("rb") as handle:
        uploaded = staff.post(VALIDATE, {"file": handle}, format="multipart")
    by_uri = staff.post(VALIDATE, {"uri": str(vrt)}, format="json")

    for response in (uploaded, by_uri):
        assert response.status_code == 400
        assert (
            response.json()["detail"] == "driver VRT is not allowed (the catalog reads GTiff only)"
        )
    assert list(upload_tmp.iterdir()) == []


def test_uri_over_http_and_s3(staff, settings, tmp_path, write_raster, monkeypatch):
    pixels = np.random.default_rng(4).integers(0, 255, (3, 512, 512), dtype=np.uint8)
    path = write_raster("cog.tif", pixels, cog=True)
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["127.0.0.1"]

    with http_server(tmp_path) as server:
        over_http = staff.post(VALIDATE, {"uri": server.url("cog.tif")}, format="json")
        assert any(rng for _, _, rng in server.requests)  # read in ranges, as /vsicurl/ does
    with s3_for_gdal(monkeypatch) as s3:
        settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = [s3.bucket]
        from_s3 = staff.post(VALIDATE, {"uri": s3.upload(path)}, format="json")

    for response in (over_http, from_s3):
        assert response.status_code == 200, response.content
        assert verdict(response.json()) == (True, [], []) == rio_cogeo_verdict(path)
    assert not Raster.objects.exists()


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("/etc/passwd", "is outside the allowed directories"),
        ("/vsicurl/http://example.com/x.tif", "looks like a GDAL virtual path"),
        ("s3://some-bucket/x.tif", "S3 bucket some-bucket is not allowed"),
        ("ftp://example.com/x.tif", "scheme ftp:// is not supported"),
    ],
)
def test_uri_outside_the_allow_lists_is_400(staff, uri, message):
    response = staff.post(VALIDATE, {"uri": uri}, format="json")

    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_upload_larger_than_the_limit_is_413(staff, settings, write_raster, upload_tmp):
    settings.RASTERCATALOG_COG_VALIDATE_MAX_BYTES = 1000
    path = write_raster("x.tif", np.zeros((100, 100), np.uint8), options=["COMPRESS=NONE"])

    with path.open("rb") as handle:
        response = staff.post(VALIDATE, {"file": handle}, format="multipart")

    assert response.status_code == 413
    assert "more than the limit of 1000 bytes" in response.json()["detail"]
    assert "RASTERCATALOG_COG_VALIDATE_MAX_BYTES" in response.json()["detail"]
    assert list(upload_tmp.iterdir()) == []


def test_neither_or_both_is_400(staff, write_raster):
    path = write_raster("x.tif", np.zeros((10, 10), np.uint8))

    neither = staff.post(VALIDATE, {}, format="multipart")
    with path.open("rb") as handle:
        both = staff.post(VALIDATE, {"file": handle, "uri": str(path)}, format="multipart")

    for response in (neither, both):
        assert response.status_code == 400
        assert "give either a file" in response.json()["detail"]


def test_anonymous_users_cannot_post(api, write_raster):
    path = write_raster("x.tif", np.zeros((10, 10), np.uint8))

    with path.open("rb") as handle:
        response = api.post(VALIDATE, {"file": handle}, format="multipart")

    assert response.status_code in (401, 403)


# --- The shared corpus: every riocogeo_validate__* file, through both endpoints. ---


def _corpus_files(corpus: Path) -> list[Path]:
    files = sorted(corpus.glob("riocogeo_validate__*"))
    assert files, "no riocogeo_validate__* file in the corpus"
    return files


@pytest.mark.corpus
def test_corpus_stored_reports_agree_with_rio_cogeo(api, corpus, run_ingest):
    checked = 0
    for path in _corpus_files(corpus):
        if run_ingest(str(path)).code != 0:
            continue  # refused at ingest (not a GeoTIFF, no georeferencing): nothing stored
        raster = Raster.objects.get(uri=str(path))
        body = api.get(f"/api/rasters/{raster.pk}/cog").json()
        assert verdict(body) == rio_cogeo_verdict(path), path.name
        checked += 1
    assert checked >= 5


@pytest.mark.corpus
def test_corpus_uploads_agree_with_rio_cogeo(staff, corpus, tmp_path, upload_tmp):
    for path in _corpus_files(corpus):
        with path.open("rb") as handle:
            response = staff.post(VALIDATE, {"file": handle}, format="multipart")
        driver = driver_of(path)
        if driver != "GTiff":
            assert response.status_code == 400, path.name
            assert f"driver {driver} is not allowed" in response.json()["detail"]
            continue
        # An upload is a lone file: rio-cogeo is asked about a lone copy too (no .ovr beside it).
        alone = tmp_path / path.name / "upload.tif"
        alone.parent.mkdir()
        shutil.copy(path, alone)
        assert response.status_code == 200, (path.name, response.content)
        assert verdict(response.json()) == rio_cogeo_verdict(alone), path.name
    assert list(upload_tmp.iterdir()) == []


@pytest.mark.corpus
def test_corpus_uris_agree_with_rio_cogeo(staff, settings, corpus):
    settings.RASTERCATALOG_ALLOWED_LOCAL_ROOTS = [str(corpus)]
    for path in _corpus_files(corpus):
        response = staff.post(VALIDATE, {"uri": str(path)}, format="json")
        driver = driver_of(path)
        if driver != "GTiff":
            assert response.status_code == 400, path.name
            assert f"driver {driver} is not allowed" in response.json()["detail"]
            continue
        assert response.status_code == 200, (path.name, response.content)
        assert verdict(response.json()) == rio_cogeo_verdict(path), path.name
