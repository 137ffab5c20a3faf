"""The API's uploads with "to_cog": base64 and direct-to-S3 uploads end catalogued as COGs."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests

from rastercatalog.models import Raster
from tests.servers import S3Server, s3_for_gdal

pytestmark = pytest.mark.django_db


@pytest.fixture
def striped_tif(write_raster) -> Path:
    """A 600x700 uint8 striped GeoTIFF: not a valid COG."""
    return write_raster("striped.tif", np.tile((np.arange(700) // 3).astype(np.uint8), (600, 1)))


@pytest.fixture
def s3(settings, monkeypatch) -> Iterator[S3Server]:
    for key in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(key, "127.0.0.1,localhost")
    with s3_for_gdal(monkeypatch) as server:
        settings.RASTERCATALOG_UPLOAD_BUCKET = server.bucket
        settings.RASTERCATALOG_S3_ENDPOINT_URL = f"http://{server.endpoint}"
        yield server


def test_base64_with_to_cog(writer, striped_tif):
    data = base64.b64encode(striped_tif.read_bytes()).decode()
    response = writer.post("/api/rasters/", {"data": data, "to_cog": True}, format="json")
    assert response.status_code == 201, response.content
    properties = response.json()["properties"]
    assert properties["conversion_status"] == "converted"
    assert properties["is_cog"] is True
    original = hashlib.sha256(striped_tif.read_bytes()).hexdigest()
    assert properties["original_checksum_sha256"] == original
    raster = Raster.objects.get()
    assert Path(raster.uri).name == f"{raster.checksum_sha256}.cog.tif"
    assert Path(raster.uri).parent == Path(raster.original_uri).parent
    # The same original again is the same raster.
    again = writer.post("/api/rasters/", {"data": data}, format="json")
    assert again.status_code == 200 and again.json()["id"] == raster.pk


def test_base64_follows_the_setting(writer, striped_tif, settings):
    settings.RASTERCATALOG_INGEST_TO_COG = True
    data = base64.b64encode(striped_tif.read_bytes()).decode()
    response = writer.post("/api/rasters/", {"data": data}, format="json")
    assert response.json()["properties"]["conversion_status"] == "converted"


def test_base64_to_cog_false_does_not_convert(writer, striped_tif):
    data = base64.b64encode(striped_tif.read_bytes()).decode()
    response = writer.post("/api/rasters/", {"data": data, "to_cog": False}, format="json")
    assert response.json()["properties"]["conversion_status"] == ""


def test_s3_upload_with_to_cog(s3, writer, striped_tif, django_capture_on_commit_callbacks):
    started = writer.post("/api/uploads/", {"filename": "s.tif", "to_cog": True}, format="json")
    assert started.status_code == 201, started.content
    upload = started.json()
    assert upload["to_cog"] is True
    with striped_tif.open("rb") as handle:
        requests.post(
            upload["upload"]["url"],
            data=upload["upload"]["fields"],
            files={"file": ("s.tif", handle, "image/tiff")},
            timeout=30,
        )
    with django_capture_on_commit_callbacks(execute=True):
        writer.post(upload["complete_url"])

    state = writer.get(upload["status_url"]).json()
    assert state["status"] == "ready", state
    raster = Raster.objects.get(pk=state["raster"])
    original = hashlib.sha256(striped_tif.read_bytes()).hexdigest()
    assert raster.conversion_status == "converted", raster.conversion_error
    assert raster.original_uri == f"s3://{s3.bucket}/rasters/{original}.tif"
    assert raster.uri == f"s3://{s3.bucket}/rasters/{raster.checksum_sha256}.cog.tif"
    listing = s3.client.list_objects_v2(Bucket=s3.bucket)["Contents"]
    assert sorted(item["Key"] for item in listing) == sorted(
        [f"rasters/{original}.tif", f"rasters/{raster.checksum_sha256}.cog.tif"]
    )
    assert writer.get(f"/api/rasters/{raster.pk}/thumbnail.png").status_code == 200
