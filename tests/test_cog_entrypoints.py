"""Convert to COG from every way in: `ingest --to-cog`, `cog_convert`, the admin form and action."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Collection, Raster

pytestmark = pytest.mark.django_db


@pytest.fixture
def striped(write_raster) -> Path:
    """A 600x700 uint8 striped GeoTIFF: not a valid COG."""
    return write_raster("striped.tif", np.tile((np.arange(700) // 3).astype(np.uint8), (600, 1)))


def run(command: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return code, out.getvalue(), err.getvalue()


def test_ingest_to_cog(striped):
    code, out, _ = run("ingest", str(striped), "--to-cog")
    assert code == 0, out
    raster = Raster.objects.get()
    assert "converted to COG" in out and raster.uri in out
    assert raster.conversion_status == "converted" and raster.is_cog
    assert raster.original_uri == str(striped)
    assert Path(raster.uri).parent == striped.parent


def test_ingest_follows_the_setting_unless_told(striped, settings):
    settings.RASTERCATALOG_INGEST_TO_COG = True
    code, out, _ = run("ingest", str(striped), "--no-to-cog")
    assert code == 0
    assert Raster.objects.get().conversion_status == ""
    Raster.objects.all().delete()
    run("ingest", str(striped))
    assert Raster.objects.get().conversion_status == "converted"


def test_ingest_to_cog_failure_keeps_the_raster_and_exits_1(striped):
    code, out, err = run("ingest", str(striped), "--to-cog", "--cog-compression", "jpeg")
    assert code == 1
    assert "but not converted: JPEG is lossy and only offered for RGB uint8" in out
    raster = Raster.objects.get()
    assert raster.status == "ready" and raster.uri == str(striped)
    assert raster.conversion_status == "failed"


def test_cog_convert_command(striped, write_raster):
    first = raster_ingest(uri=str(striped), trusted=True).raster
    small = write_raster("small.tif", np.ones((20, 20), dtype="uint8"))
    cog = raster_ingest(uri=str(small), trusted=True).raster
    assert cog.is_cog  # small enough to be a valid COG as it is

    code, out, err = run("cog_convert", "--all")

    assert code == 0, err
    assert f"converted  raster {first.pk}" in err + out
    assert "summary: 1 converted" in out
    first.refresh_from_db()
    assert first.conversion_status == "converted"
    cog.refresh_from_db()
    assert cog.conversion_status == ""  # --all skips valid COGs
    code, out, _ = run("cog_convert", str(cog.pk))
    assert "1 not-needed" in out


def test_cog_convert_reports_failures_and_exits_1(striped):
    raster = raster_ingest(uri=str(striped), trusted=True).raster
    striped.unlink()
    code, out, err = run("cog_convert", str(raster.pk))
    assert code == 1
    assert "the original cannot be read any more" in err + out
    assert "1 failed" in out


def test_cog_convert_needs_a_selection():
    code, _, err = run("cog_convert")
    assert code == 1 and "nothing to convert" in err
    code, _, err = run("cog_convert", "999999")
    assert code == 1 and "no ready raster with id 999999" in err


def test_cog_convert_by_collection(striped):
    raster = raster_ingest(uri=str(striped), trusted=True).raster
    raster.collection = Collection.objects.create(name="c", slug="c")
    raster.save()
    code, out, _ = run("cog_convert", "--collection", "other")
    assert "summary: " in out and Raster.objects.get().conversion_status == ""
    code, out, _ = run("cog_convert", "--collection", "c")
    assert Raster.objects.get().conversion_status == "converted"


def test_admin_add_with_convert_to_cog(admin_client, striped, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RASTERCATALOG_UPLOAD_DIR = tmp_path / "media" / "uploads"
    upload = SimpleUploadedFile("striped.tif", striped.read_bytes(), "image/tiff")
    data = {"uri": "", "name": "", "collection": "", "upload": upload}
    data |= {"to_cog": "on", "cog_compression": "deflate"}
    response = admin_client.post(reverse("admin:rastercatalog_raster_add"), data, follow=True)
    assert response.status_code == 200
    raster = Raster.objects.get()
    assert raster.conversion_status == "converted", raster.conversion_error
    assert Path(raster.uri).parent == Path(raster.original_uri).parent
    assert str(tmp_path / "media" / "uploads") in raster.uri


def test_admin_action_converts_and_shows_failures(admin_client, striped, write_raster):
    good = raster_ingest(uri=str(striped), trusted=True).raster
    other = write_raster("other.tif", np.full((600, 700), 9, dtype="uint8"))
    bad = raster_ingest(uri=str(other), trusted=True).raster
    other.unlink()
    url = reverse("admin:rastercatalog_raster_changelist")
    data = {"action": "convert_to_cog_selected", "_selected_action": [good.pk, bad.pk]}
    response = admin_client.post(url, data, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    assert any("1 converted" in m and "1 failed" in m for m in messages), messages
    assert any("cannot be read any more" in m for m in messages), messages
    listing = admin_client.get(url).content.decode()
    assert "converted to COG" in listing and "conversion failed" in listing
