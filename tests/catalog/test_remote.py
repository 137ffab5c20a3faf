"""Ingestion over real remote reads: /vsicurl/ against a local HTTP server, /vsis3/ against moto."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from rastercatalog.catalog.ingest import IngestError, raster_ingest
from rastercatalog.models import Raster
from tests.servers import HttpServer, S3Server, http_server, s3_for_gdal

pytestmark = pytest.mark.django_db


@pytest.fixture
def noise() -> np.ndarray:
    """3x512x512 uint8 noise: incompressible, so the file (~800 kB) is read in several ranges."""
    return np.random.default_rng(7).integers(0, 255, (3, 512, 512), dtype=np.uint8)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep requests to 127.0.0.1 off any proxy the environment sets (libcurl and boto3 obey it)."""
    for key in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(key, "127.0.0.1,localhost")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[HttpServer]:
    """An HTTP server with Range support over tmp_path (where `write_raster` writes)."""
    with http_server(tmp_path) as server:
        yield server


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """moto's S3 server, with GDAL's /vsis3/ pointed at it."""
    with s3_for_gdal(monkeypatch) as server:
        yield server


def local_bounds(path: Path) -> tuple[float, float, float, float]:
    """West, south, east, north of a north-up raster, as GDAL reports them for the local file."""
    ds = gdal.Open(str(path))
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    return (x0, y0 + dy * ds.RasterYSize, x0 + dx * ds.RasterXSize, y0)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_http_ingest_reads_with_range_requests(settings, served, write_raster, noise):
    """A COG on an explicitly allowed loopback host is catalogued from its URL."""
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["127.0.0.1"]
    path = write_raster("x.tif", noise, cog=True)
    url = served.url("x.tif")

    result = raster_ingest(uri=url, trusted=False)

    raster = Raster.objects.get(pk=result.raster.pk)
    assert result.created
    assert raster.status == Raster.Status.READY
    assert raster.uri == url
    assert raster.checksum_sha256 == sha256(path)
    assert raster.size_bytes == path.stat().st_size
    assert (raster.width, raster.height, raster.band_count) == (512, 512, 3)
    assert raster.geotransform == pytest.approx(list(gdal.Open(str(path)).GetGeoTransform()))
    assert raster.bbox == pytest.approx(local_bounds(path))
    assert raster.footprint.extent == pytest.approx(local_bounds(path))
    assert raster.bands.count() == 3
    assert raster.is_cog is True, raster.cog_errors
    assert raster.cog_errors == []
    assert raster.cog_info["Profile"]["Tiled"] is True
    # GDAL read the file in pieces: proof that /vsicurl/ (not a download) did the reading.
    assert any(rng for _, _, rng in served.requests)


def test_http_non_cog_gets_a_computed_verdict(settings, served, write_raster):
    """A striped 1024x1024 GeoTIFF read over HTTP is judged not a COG, with rio-cogeo's reason."""
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["127.0.0.1"]
    pixels = np.random.default_rng(3).integers(0, 255, (1024, 1024), dtype=np.uint8)
    write_raster("plain.tif", pixels)

    raster = raster_ingest(uri=served.url("plain.tif")).raster

    assert raster.status == Raster.Status.READY
    assert raster.is_cog is False
    assert any("not tiled" in error for error in raster.cog_errors)


def test_http_loopback_refused_by_default_allow_list(settings, served, write_raster, ramp_u8):
    """With the default "*" allow-list a loopback host is refused, before any request is made."""
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["*"]
    write_raster("x.tif", ramp_u8)

    with pytest.raises(IngestError) as caught:
        raster_ingest(uri=served.url("x.tif"), trusted=False)

    assert "loopback" in caught.value.reason
    assert "127.0.0.1" in caught.value.reason
    assert not Raster.objects.exists()
    assert served.requests == []


def test_http_404_fails_with_reason(settings, served):
    """A URL the server does not have fails saying it cannot be read, and leaves no row."""
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["127.0.0.1"]
    url = served.url("missing.tif")

    with pytest.raises(IngestError) as caught:
        raster_ingest(uri=url, trusted=False)

    assert url in caught.value.reason
    assert "not found" in caught.value.reason
    assert not Raster.objects.exists()


def test_s3_ingest_cog(settings, s3, write_raster, noise):
    """A COG in an allowed bucket is catalogued through /vsis3/, with a COG verdict."""
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = [s3.bucket]
    path = write_raster("scene.tif", noise, cog=True)
    uri = s3.upload(path, "scenes/scene.tif")

    result = raster_ingest(uri=uri, trusted=False)

    raster = Raster.objects.get(pk=result.raster.pk)
    assert raster.status == Raster.Status.READY
    assert raster.uri == uri
    assert raster.name == "scene"
    assert raster.checksum_sha256 == sha256(path)
    assert raster.bbox == pytest.approx(local_bounds(path))
    assert raster.bands.count() == 3
    assert raster.is_cog is True, raster.cog_errors
    assert [ifd["Level"] for ifd in raster.cog_info["IFD"]] == [0, 1]


def test_s3_bucket_not_allowed(settings, s3, write_raster, ramp_u8):
    """A bucket missing from the allow-list is refused with a reason naming it."""
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = ["some-other-bucket"]
    uri = s3.upload(write_raster("x.tif", ramp_u8))

    with pytest.raises(IngestError) as caught:
        raster_ingest(uri=uri, trusted=False)

    assert s3.bucket in caught.value.reason
    assert "RASTERCATALOG_ALLOWED_S3_BUCKETS" in caught.value.reason
    assert not Raster.objects.exists()


def test_s3_missing_key_fails_with_reason(settings, s3):
    """A key that is not in the bucket fails with a reason, not with S3's XML error as 'bytes'."""
    settings.RASTERCATALOG_ALLOWED_S3_BUCKETS = [s3.bucket]
    uri = f"s3://{s3.bucket}/missing.tif"

    with pytest.raises(IngestError) as caught:
        raster_ingest(uri=uri, trusted=False)

    assert uri in caught.value.reason
    assert not Raster.objects.exists()
