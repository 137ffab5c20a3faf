"""The admin: adding rasters by upload or URI, the changelist, the change page, the actions."""

from __future__ import annotations

import hashlib
import json
from html import unescape
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rastercatalog.catalog.demo import geotiff_write
from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Collection, Raster

pytestmark = pytest.mark.django_db


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add_url() -> str:
    return reverse("admin:rastercatalog_raster_add")


def _changelist_url() -> str:
    return reverse("admin:rastercatalog_raster_changelist")


def _change_url(raster: Raster) -> str:
    return reverse("admin:rastercatalog_raster_change", args=[raster.pk])


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _form_errors(response) -> str:
    """Every error the add form shows, as one string."""
    form = response.context["adminform"].form
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _post_add(client, *, upload=None, uri: str = "", name: str = "", follow: bool = False):
    data = {"uri": uri, "name": name, "collection": ""}
    if upload is not None:
        data["upload"] = upload
    return client.post(_add_url(), data, follow=follow)


@pytest.fixture
def dirs(settings, tmp_path: Path) -> SimpleNamespace:
    """Media, uploads and the one allowed local root, all under tmp_path."""
    media = tmp_path / "media"
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    settings.MEDIA_ROOT = media
    settings.RASTERCATALOG_UPLOAD_DIR = media / "uploads"
    settings.RASTERCATALOG_ALLOWED_LOCAL_ROOTS = [str(allowed)]
    return SimpleNamespace(media=media, uploads=media / "uploads", allowed=allowed)


@pytest.fixture
def ingested(write_raster):
    """Ingest a small GeoTIFF written under tmp_path: ingested("a.tif", array, **write_kwargs)."""

    def ingest(name: str, array, **kwargs) -> Raster:
        path = write_raster(name, array, **kwargs)
        return raster_ingest(uri=str(path), trusted=True).raster

    return ingest


# --- add page and changelist ----------------------------------------------------------------


def test_add_page_offers_upload_and_uri(admin_client, dirs):
    response = admin_client.get(_add_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="upload"' in html
    assert 'name="uri"' in html
    assert "or URI" in html


def test_changelist_has_filters_and_searches_by_name_and_checksum(admin_client, ingested, ramp_u8):
    collection = Collection.objects.create(name="Alps", slug="alps")
    ridge = ingested("ridgeline.tif", ramp_u8)
    quarry = ingested("quarry.tif", np.full((40, 60), 7, np.uint8))
    Raster.objects.filter(pk=ridge.pk).update(collection=collection)

    response = admin_client.get(_changelist_url())
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("status", "collection", "is cog", "dtype", "band count"):
        assert f'data-filter-title="{title}"' in html, title
    assert _change_url(ridge) in html and _change_url(quarry) in html

    by_name = admin_client.get(_changelist_url(), {"q": "ridgeline"}).content.decode()
    assert _change_url(ridge) in by_name
    assert _change_url(quarry) not in by_name

    by_checksum = admin_client.get(
        _changelist_url(), {"q": quarry.checksum_sha256}
    ).content.decode()
    assert _change_url(quarry) in by_checksum
    assert _change_url(ridge) not in by_checksum

    # The checksum is matched exactly: a prefix finds nothing.
    by_prefix = admin_client.get(_changelist_url(), {"q": quarry.checksum_sha256[:12]})
    assert list(by_prefix.context["cl"].result_list) == []

    by_collection = admin_client.get(_changelist_url(), {"collection__id__exact": collection.pk})
    assert list(by_collection.context["cl"].result_list) == [ridge]


# --- adding by upload -----------------------------------------------------------------------


def test_upload_is_stored_and_ingested(admin_client, dirs, write_raster, ramp_u8):
    path = write_raster("scene.tif", ramp_u8)

    with path.open("rb") as upload:
        response = _post_add(admin_client, upload=upload)

    assert response.status_code == 302
    raster = Raster.objects.get()
    assert raster.status == Raster.Status.READY, raster.error
    assert raster.name == "scene"
    assert raster.checksum_sha256 == _sha256(path)
    stored = Path(raster.uri)
    assert stored.name == "scene.tif"
    assert stored.parent.parent == dirs.uploads  # one directory per upload
    assert stored.read_bytes() == path.read_bytes()
    assert raster.bands.count() == 1


def test_upload_of_catalogued_bytes_leads_to_the_existing_raster(
    admin_client, dirs, write_raster, ramp_u8
):
    path = write_raster("scene.tif", ramp_u8)
    with path.open("rb") as upload:
        _post_add(admin_client, upload=upload)
    existing = Raster.objects.get()

    again = SimpleUploadedFile("same_again.tif", path.read_bytes(), content_type="image/tiff")
    response = _post_add(admin_client, upload=again, follow=True)

    assert response.redirect_chain[-1] == (_change_url(existing), 302)
    assert any(
        "already catalogued" in message and "scene" in message for message in _messages(response)
    )
    assert Raster.objects.count() == 1
    # Only the first upload's directory is left.
    assert [p.parent for p in dirs.uploads.rglob("*.tif")] == [Path(existing.uri).parent]
    assert len(list(dirs.uploads.iterdir())) == 1


def test_upload_of_text_named_tif_fails_with_a_reason(admin_client, dirs):
    upload = SimpleUploadedFile(
        "x.tif", b"this is not a raster, just words\n", content_type="image/tiff"
    )

    response = _post_add(admin_client, upload=upload, follow=True)

    assert response.status_code == 200
    raster = Raster.objects.get()
    assert raster.status == Raster.Status.FAILED
    assert "not a raster" in raster.error
    assert raster.checksum_sha256 is None
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert any("Ingestion failed" in e and "not a raster" in e for e in errors), errors


# --- adding by URI --------------------------------------------------------------------------


def test_uri_under_an_allowed_root_is_ingested(admin_client, dirs, write_raster, ramp_u8):
    written = write_raster("valley.tif", ramp_u8)
    path = written.rename(dirs.allowed / written.name)

    response = _post_add(admin_client, uri=str(path), name="Valley floor")

    assert response.status_code == 302
    raster = Raster.objects.get()
    assert raster.status == Raster.Status.READY, raster.error
    assert raster.name == "Valley floor"
    assert raster.uri == str(path)
    assert raster.checksum_sha256 == _sha256(path)


def test_uri_outside_the_allowed_roots_is_refused(admin_client, dirs, write_raster, ramp_u8):
    path = write_raster("elsewhere.tif", ramp_u8)  # tmp_path itself is not an allowed root

    response = _post_add(admin_client, uri=str(path))

    assert response.status_code == 200
    errors = _form_errors(response)
    assert "outside the allowed directories" in errors
    assert "RASTERCATALOG_ALLOWED_LOCAL_ROOTS" in errors
    assert "RASTERCATALOG_ALLOWED_LOCAL_ROOTS" in unescape(response.content.decode())
    assert not Raster.objects.exists()


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("/vsicurl/http://x", "GDAL virtual path"),
        ("WMS:http://x", "connection string"),
        ("<VRTDataset>", "GDAL virtual path"),
    ],
)
def test_gdal_special_uris_are_refused(admin_client, dirs, uri, expected):
    response = _post_add(admin_client, uri=uri)

    assert response.status_code == 200
    assert expected in _form_errors(response)
    assert not Raster.objects.exists()


def test_upload_and_uri_together_or_neither_are_refused(admin_client, dirs, write_raster, ramp_u8):
    written = write_raster("both.tif", ramp_u8)
    path = written.rename(dirs.allowed / written.name)

    with path.open("rb") as upload:
        both = _post_add(admin_client, upload=upload, uri=str(path))
    neither = _post_add(admin_client)

    for response in (both, neither):
        assert response.status_code == 200
        assert "Give either a file to upload or a URI" in _form_errors(response)
    assert not Raster.objects.exists()
    assert not dirs.uploads.exists()  # nothing was saved


# --- change page ----------------------------------------------------------------------------


def test_changelist_maps_the_footprints_listed(admin_client, ingested, ramp_u8):
    raster = ingested("mapped.tif", ramp_u8)

    response = admin_client.get(_changelist_url())

    assert response.status_code == 200
    script = response.content.split(b'id="footprints-data" type="application/json">')[1]
    data = json.loads(script.split(b"</script>")[0])
    features = {f["properties"]["name"]: f for f in data["features"]}
    feature = features[raster.name]
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert feature["properties"]["url"] == _change_url(raster)
    assert feature["properties"]["bbox"] == pytest.approx(list(raster.bbox))
    assert b"rastercatalog/footprint_map.js" in response.content


def test_change_page_shows_footprint_map_and_bands(admin_client, ingested):
    rgb = np.stack([np.full((50, 80), v, np.uint8) for v in (10, 20, 30)])
    raster = ingested("rgb.tif", rgb)

    response = admin_client.get(_change_url(raster))

    assert response.status_code == 200
    html = response.content.decode()
    assert "leaflet" in html.lower()
    assert "django-leaflet-raw-textarea" in html and 'id="id_footprint"' in html
    textarea = unescape(html.split('id="id_footprint"', 1)[1].split("</textarea>", 1)[0])
    assert '"MultiPolygon"' in textarea
    assert "10.0" in textarea and "50.0" in textarea  # the raster's corner at 10°E, 50°N
    # The band inline lists the three bands.
    assert 'id="bands-group"' in html
    assert response.context["inline_admin_formsets"][0].formset.queryset.count() == 3
    assert html.count("Byte") >= 3


def test_change_page_saves_name_and_date_and_keeps_what_ingestion_found(
    admin_client, ingested, ramp_u8
):
    raster = ingested("plain.tif", ramp_u8)
    page = admin_client.get(_change_url(raster)).content.decode()
    footprint = page.split('id="id_footprint"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    band = raster.bands.get()
    data = {
        "name": "Renamed scene",
        "collection": "",
        "acquired_at_0": "2024-01-02",
        "acquired_at_1": "03:04:05",
        "visibility": "public",
        "owner": "",
        "footprint": unescape(footprint),  # what the browser posts back from the hidden textarea
        "bands-TOTAL_FORMS": "1",
        "bands-INITIAL_FORMS": "1",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "0",
        "bands-0-id": str(band.pk),
        "bands-0-raster": str(raster.pk),
        "_save": "Save",
    }

    response = admin_client.post(_change_url(raster), data)

    assert response.status_code == 302
    saved = Raster.objects.get()
    assert saved.name == "Renamed scene"
    assert saved.acquired_at.isoformat() == "2024-01-02T03:04:05+00:00"
    assert saved.status == Raster.Status.READY
    assert saved.checksum_sha256 == raster.checksum_sha256
    assert saved.footprint.equals(raster.footprint)
    assert saved.bands.get().max == 149


# --- actions --------------------------------------------------------------------------------


def _run_action(client, action: str, *rasters: Raster):
    data = {"action": action, "_selected_action": [r.pk for r in rasters]}
    return client.post(_changelist_url(), data, follow=True)


def test_reingest_picks_up_replaced_bytes(admin_client, ingested, ramp_u8):
    raster = ingested("changing.tif", ramp_u8)
    old_checksum = raster.checksum_sha256
    path = Path(raster.uri)
    geotiff_write(path, 255 - ramp_u8, epsg=4326, geotransform=(10.0, 0.01, 0.0, 50.0, 0.0, -0.01))

    response = _run_action(admin_client, "reingest_selected", raster)

    assert "1 re-ingested." in _messages(response)
    raster.refresh_from_db()
    assert raster.status == Raster.Status.READY
    assert raster.checksum_sha256 == _sha256(path) != old_checksum
    assert raster.bands.get().max == 255


def test_reingest_of_a_deleted_file_marks_it_failed(admin_client, ingested, ramp_u8):
    raster = ingested("vanishing.tif", ramp_u8)
    Path(raster.uri).unlink()

    response = _run_action(admin_client, "reingest_selected", raster)

    messages = _messages(response)
    assert "0 re-ingested." in messages
    assert any(m.startswith("vanishing: ") and "no such file" in m for m in messages), messages
    raster.refresh_from_db()
    assert raster.status == Raster.Status.FAILED
    assert "no such file" in raster.error


def test_revalidate_cog_updates_the_verdict(admin_client, ingested):
    grid = np.tile(np.arange(600, dtype=np.uint16) % 256, (600, 1)).astype(np.uint8)
    raster = ingested("tiles.tif", grid, cog=True)
    assert raster.is_cog is True

    # Replaced by a plain striped GeoTIFF larger than 512 px: no longer a COG.
    geotiff_write(
        Path(raster.uri), grid, epsg=4326, geotransform=(10.0, 0.01, 0.0, 50.0, 0.0, -0.01)
    )
    response = _run_action(admin_client, "revalidate_cog_selected", raster)

    assert "1 checked: 0 valid COGs." in _messages(response)
    raster.refresh_from_db()
    assert raster.is_cog is False
    assert raster.cog_errors

    geotiff_write(
        Path(raster.uri),
        grid,
        epsg=4326,
        geotransform=(10.0, 0.01, 0.0, 50.0, 0.0, -0.01),
        cog=True,
    )
    response = _run_action(admin_client, "revalidate_cog_selected", raster)

    assert "1 checked: 1 valid COGs." in _messages(response)
    raster.refresh_from_db()
    assert raster.is_cog is True
    assert raster.cog_errors == []


# --- permissions ----------------------------------------------------------------------------


def test_non_staff_user_is_sent_to_login(client, dirs):
    client.force_login(User.objects.create_user("visitor", password="x"))

    response = client.get(_add_url())

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_without_add_permission_is_forbidden(client, dirs):
    client.force_login(User.objects.create_user("clerk", password="x", is_staff=True))

    assert client.get(_add_url()).status_code == 403
    assert client.post(_add_url(), {"uri": "/tmp/x.tif"}).status_code == 403
    assert not Raster.objects.exists()


def test_bulk_reingest_goes_on_past_an_internal_error(admin_client, ingested, ramp_u8, monkeypatch):
    first, broken, last = (ingested(f"{n}.tif", ramp_u8 + i) for i, n in enumerate("abc"))
    from rastercatalog.catalog import ingest

    real = ingest.raster_inspect

    def inspect(dataset):
        if dataset.GetDescription().endswith("b.tif"):
            raise ZeroDivisionError("simulated bug")
        return real(dataset)

    monkeypatch.setattr(ingest, "raster_inspect", inspect)

    response = _run_action(admin_client, "reingest_selected", first, broken, last)

    messages = _messages(response)
    assert "2 re-ingested." in messages
    assert "b: internal error while ingesting (ZeroDivisionError: simulated bug)" in messages
    broken.refresh_from_db()
    assert broken.status == Raster.Status.FAILED and "ZeroDivisionError" in broken.error
    assert Raster.objects.filter(status=Raster.Status.READY).count() == 2
