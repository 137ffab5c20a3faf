"""Direct-to-S3 uploads against moto's S3 server: a real multipart POST of the presigned form."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from rastercatalog.models import Raster, Upload
from rastercatalog.uploads.worker import uploads_cleanup
from tests.servers import S3Server, s3_for_gdal

pytestmark = pytest.mark.django_db

SECRET = "webhook-secret-for-tests"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(key, "127.0.0.1,localhost")


@pytest.fixture
def s3(settings, monkeypatch) -> Iterator[S3Server]:
    with s3_for_gdal(monkeypatch) as server:
        settings.RASTERCATALOG_UPLOAD_BUCKET = server.bucket
        settings.RASTERCATALOG_S3_ENDPOINT_URL = f"http://{server.endpoint}"
        settings.RASTERCATALOG_UPLOAD_WEBHOOK_SECRET = SECRET
        yield server


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Wrap a request: what it queued for after its transaction (the worker's task) runs at the end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def start(client, **body) -> dict:
    response = client.post("/api/uploads/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def post_form(upload: dict, path: Path) -> requests.Response:
    """What a browser or script does with the presigned POST: multipart fields, then the file."""
    with path.open("rb") as handle:
        return requests.post(
            upload["upload"]["url"],
            data=upload["upload"]["fields"],
            files={"file": (path.name, handle, "image/tiff")},
            timeout=30,
        )


def objects(s3: S3Server) -> list[str]:
    listing = s3.client.list_objects_v2(Bucket=s3.bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def test_upload_complete_and_follow_to_ready(s3, writer, collection, small_tif, run_on_commit):
    upload = start(writer, name="from S3", collection="uploads", filename="ramp.tif")
    assert upload["status"] == "pending"
    assert upload["upload"]["fields"]["key"].startswith("staging/")
    assert "policy" in {name.lower() for name in upload["upload"]["fields"]}

    assert post_form(upload, small_tif).status_code in (200, 201, 204)
    with run_on_commit():
        completed = writer.post(upload["complete_url"])

    assert completed.status_code == 202
    assert completed.json()["status"] == "processing"
    state = writer.get(upload["status_url"]).json()
    assert state["status"] == "ready", state
    raster = Raster.objects.get(pk=state["raster"])
    checksum = hashlib.sha256(small_tif.read_bytes()).hexdigest()
    assert raster.checksum_sha256 == checksum
    assert raster.name == "from S3" and raster.collection.slug == "uploads"
    # Moved out of staging to a content-addressed key, and read from there.
    assert objects(s3) == [f"rasters/{checksum}.tif"]
    assert raster.uri == f"s3://{s3.bucket}/rasters/{checksum}.tif"
    feature = writer.get(state["raster_url"]).json()
    assert feature["bbox"] == pytest.approx([10.0, 48.0, 13.0, 50.0])
    tile = writer.get(f"/api/rasters/{raster.pk}/thumbnail.png")
    assert tile.status_code == 200  # the moved object is readable


def test_the_same_bytes_return_the_existing_raster(s3, writer, small_tif, run_on_commit):
    first = start(writer, filename="a.tif")
    post_form(first, small_tif)
    with run_on_commit():
        writer.post(first["complete_url"])
    second = start(writer, filename="b.tif")
    post_form(second, small_tif)
    with run_on_commit():
        writer.post(second["complete_url"])

    states = [writer.get(u["status_url"]).json() for u in (first, second)]

    assert [s["status"] for s in states] == ["ready", "ready"]
    assert states[0]["raster"] == states[1]["raster"]
    assert Raster.objects.count() == 1
    assert len(objects(s3)) == 1  # the second staging object is gone


def test_a_non_raster_fails_with_the_reason(s3, writer, tmp_path, run_on_commit):
    text = tmp_path / "notes.tif"
    text.write_text("these are not pixels\n" * 10)
    upload = start(writer, filename="notes.tif")
    post_form(upload, text)
    with run_on_commit():
        writer.post(upload["complete_url"])

    state = writer.get(upload["status_url"]).json()

    assert state["status"] == "failed"
    assert state["error"]
    assert state["raster"] is None
    assert objects(s3) == []


def test_complete_before_the_file_arrived_is_refused(s3, writer):
    upload = start(writer)

    response = writer.post(upload["complete_url"])

    assert response.status_code == 400
    assert "no file has been uploaded" in str(response.json())
    assert writer.get(upload["status_url"]).json()["status"] == "pending"


def test_the_s3_event_webhook_needs_the_secret_and_queues_ingestion(
    s3, writer, api_anonymous, small_tif, run_on_commit
):
    upload = start(writer, filename="my ramp.tif")
    post_form(upload, small_tif)
    key = upload["upload"]["fields"]["key"].replace(" ", "+")
    event = {"Records": [{"s3": {"bucket": {"name": s3.bucket}, "object": {"key": key}}}]}

    refused = api_anonymous.post("/api/uploads/events", event, format="json")
    with run_on_commit():
        accepted = api_anonymous.post(
            "/api/uploads/events", event, format="json", HTTP_X_UPLOAD_SECRET=SECRET
        )

    assert refused.status_code == 403
    assert accepted.status_code == 202
    assert accepted.json() == {"uploads": [upload["id"]]}
    assert writer.get(upload["status_url"]).json()["status"] == "ready"


def test_the_presigned_post_limits_the_size_and_the_key(settings, s3, writer, small_tif):
    settings.RASTERCATALOG_UPLOAD_MAX_BYTES = 100
    upload = start(writer)
    fields = upload["upload"]["fields"]

    # The policy S3 checks the form against, as the client sends it.
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 100] in policy["conditions"]
    assert {"key": fields["key"]} in policy["conditions"]
    assert policy["expiration"] > timezone.now().isoformat()[:19]
    response = post_form(upload, small_tif)
    # S3 and MinIO refuse the body (EntityTooLarge); moto 5 accepts it without checking.
    if b"EntityTooLarge" in response.content:
        assert response.status_code == 400


def test_only_the_owner_sees_an_upload_and_writing_needs_a_token(s3, writer, reader, api_anonymous):
    upload = start(writer)

    assert reader.get(upload["status_url"]).status_code == 404
    assert api_anonymous.get(upload["status_url"]).status_code == 404
    assert reader.post("/api/uploads/", {}, format="json").status_code == 403
    assert api_anonymous.post("/api/uploads/", {}, format="json").status_code == 401


def test_cleanup_deletes_abandoned_staging_objects(s3, writer, small_tif, capsys):
    abandoned = start(writer, filename="old.tif")
    post_form(abandoned, small_tif)
    in_flight = start(writer, filename="new.tif")
    post_form(in_flight, small_tif)
    s3.client.put_object(Bucket=s3.bucket, Key="staging/orphan/x.tif", Body=b"left over")
    s3.client.put_object(Bucket=s3.bucket, Key="rasters/keep.tif", Body=b"catalogued")
    # Two days on (S3 objects cannot be aged): the first upload expired, the second was renewed.
    later = timezone.now() + timedelta(days=2)
    Upload.objects.filter(pk=abandoned["id"]).update(expires_at=later - timedelta(days=1))
    Upload.objects.filter(pk=in_flight["id"]).update(expires_at=later + timedelta(hours=1))

    deleted = uploads_cleanup(now=later)

    assert deleted == 2
    assert objects(s3) == ["rasters/keep.tif", in_flight["upload"]["fields"]["key"]]
    state = writer.get(abandoned["status_url"]).json()
    assert state["status"] == "failed" and "abandoned" in state["error"]
    call_command("cleanup_uploads")
    assert "deleted 0 abandoned staging object(s)" in capsys.readouterr().out


def test_an_upload_whose_worker_died_after_cataloguing_is_finished_by_the_next(
    s3, writer, small_tif, settings
):
    """Killed between the catalogue's commit and the move: the retry moves, nothing is lost."""
    from rastercatalog.catalog.ingest import raster_ingest
    from rastercatalog.catalog.leases import lease_claim, leases_recover
    from rastercatalog.uploads.worker import upload_ingest

    upload = start(writer, filename="scene.tif")
    post_form(upload, small_tif)
    staging_key = upload["upload"]["fields"]["key"]
    staging = f"s3://{s3.bucket}/{staging_key}"
    Upload.objects.filter(pk=upload["id"]).update(status=Upload.Status.PROCESSING)
    # What the dead worker got done: its claim, and the raster row on the staging key.
    lease_claim(Upload, upload["id"], statuses=())
    raster = raster_ingest(uri=staging, trusted=True).raster
    stale = timezone.now() - timedelta(seconds=settings.RASTERCATALOG_INGEST_STALE_SECONDS + 1)
    Upload.objects.filter(pk=upload["id"]).update(heartbeat_at=stale)

    assert leases_recover()[1] == [upload["id"]]
    finished = upload_ingest(upload_id=upload["id"])

    assert finished.status == Upload.Status.READY and finished.raster_id == raster.pk
    raster.refresh_from_db()
    final_key = f"{settings.RASTERCATALOG_UPLOAD_FINAL_PREFIX}{raster.checksum_sha256}.tif"
    assert raster.uri == f"s3://{s3.bucket}/{final_key}"
    assert objects(s3) == [final_key]  # the staging object is gone, the raster's is there
    assert Raster.objects.count() == 1
