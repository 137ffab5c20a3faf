"""POST /api/rasters/ with a base64 GeoTIFF: catalogued like every other door, refused with a reason."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from rastercatalog.models import Raster

pytestmark = pytest.mark.django_db


def data_url(path: Path) -> str:
    return "data:image/tiff;base64," + base64.b64encode(path.read_bytes()).decode()


def test_a_data_url_is_catalogued_and_returned_as_the_detail_feature(writer, collection, small_tif):
    response = writer.post(
        "/api/rasters/",
        {"name": "ramp from a script", "collection": "uploads", "data": data_url(small_tif)},
        format="json",
    )

    assert response.status_code == 201, response.content
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["name"] == "ramp from a script"
    assert feature["properties"]["collection"] == "uploads"
    assert feature["bbox"] == pytest.approx([10.0, 48.0, 13.0, 50.0])
    assert response["Location"] == f"/api/rasters/{feature['id']}/"
    assert writer.get(response["Location"]).json() == feature
    raster = Raster.objects.get(pk=feature["id"])
    assert raster.status == "ready" and raster.width == 300 and raster.height == 200


def test_bare_base64_works_and_the_same_bytes_return_the_existing_raster(writer, small_tif):
    bare = base64.b64encode(small_tif.read_bytes()).decode()
    first = writer.post("/api/rasters/", {"data": bare}, format="json")
    again = writer.post("/api/rasters/", {"name": "again", "data": bare}, format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Raster.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("data:image/tiff;base64,@@not base64@@", "not valid base64"),
        (base64.b64encode(b"<html>hello</html>").decode(), "not a GeoTIFF"),
        ("", "may not be blank"),
    ],
)
def test_bad_data_is_refused_with_a_message(writer, upload_dir, data, message):
    response = writer.post("/api/rasters/", {"data": data}, format="json")

    assert response.status_code == 400
    assert message in str(response.json()["data"])
    assert not upload_dir.exists() or not any(upload_dir.iterdir())
    assert Raster.objects.count() == 0


def test_a_tiff_header_on_a_broken_file_is_refused_by_ingestion(writer, upload_dir):
    broken = base64.b64encode(b"II*\x00" + b"\x00" * 200).decode()

    response = writer.post("/api/rasters/", {"data": broken}, format="json")

    assert response.status_code == 400
    assert response.json()["data"][0]  # the ingestion's reason, in words
    assert not any(upload_dir.iterdir())  # the decoded file is not kept
    assert Raster.objects.count() == 0


def test_an_oversize_body_is_refused_before_anything_is_written(
    settings, writer, upload_dir, small_tif
):
    settings.RASTERCATALOG_BASE64_MAX_BYTES = 1000

    response = writer.post("/api/rasters/", {"data": data_url(small_tif)}, format="json")

    assert response.status_code == 400
    assert "RASTERCATALOG_BASE64_MAX_BYTES" in str(response.json()) or "larger than" in str(
        response.json()
    )
    assert not upload_dir.exists()


def test_the_estimate_refuses_a_body_just_over_the_limit(settings, writer, upload_dir):
    settings.RASTERCATALOG_BASE64_MAX_BYTES = 3000
    data = base64.b64encode(b"II*\x00" + b"\x00" * 3000).decode()

    response = writer.post("/api/rasters/", {"data": data}, format="json")

    assert response.status_code == 400
    assert "more than the limit of 3000 bytes" in response.json()["data"][0]
    assert not upload_dir.exists()


def test_writing_needs_staff_or_a_token(api_anonymous, reader, small_tif):
    body = {"data": data_url(small_tif)}
    assert api_anonymous.post("/api/rasters/", body, format="json").status_code == 401
    assert reader.post("/api/rasters/", body, format="json").status_code == 403
    assert Raster.objects.count() == 0


def test_the_search_still_answers_get(writer, small_tif):
    writer.post("/api/rasters/", {"name": "findable", "data": data_url(small_tif)}, format="json")

    page = writer.get("/api/rasters/", {"bbox": "9,47,14,51"}).json()

    assert [f["properties"]["name"] for f in page["features"]] == ["findable"]


def test_a_large_upload_goes_to_the_worker_with_a_status_url(
    settings, writer, small_tif, django_capture_on_commit_callbacks
):
    from project.celery import app

    # Celery's own configuration is read (once) before the settings say a broker is configured:
    # the task still runs inline here, but the view takes the worker's path for this large file.
    eager, app.conf.task_always_eager = app.conf.task_always_eager, True
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RASTERCATALOG_ASYNC_UPLOAD_BYTES = 1000
    try:
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = writer.post("/api/rasters/", {"data": data_url(small_tif)}, format="json")
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "pending"
        assert body["status_url"].endswith(f"/api/rasters/{body['id']}/")
        assert writer.get(body["status_url"]).json()["properties"]["status"] == "pending"
        for task in queued:  # the transaction commits: the "worker" runs
            task()
    finally:
        app.conf.task_always_eager = eager

    assert writer.get(body["status_url"]).json()["properties"]["status"] == "ready"


def test_a_content_length_that_is_not_a_number_is_a_400_not_a_500(writer, small_tif):
    response = writer.post(
        "/api/rasters/", {"data": data_url(small_tif)}, format="json", CONTENT_LENGTH="lots"
    )

    assert response.status_code == 400
    assert response.json() == {"Content-Length": ["the header is not a number"]}
    assert Raster.objects.count() == 0
