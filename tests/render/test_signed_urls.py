"""Signed thumbnail URLs: the template tag, signatures, sizes and methods, storage, the response backends."""

from __future__ import annotations

import io
import threading
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from django.template import Context, Template
from django.test import Client
from PIL import Image

from rastercatalog.render.thumbnails import thumbnail_get

pytestmark = pytest.mark.django_db


def render_tag(raster, *args: str) -> dict:
    quoted = " ".join(f'"{arg}"' for arg in args)
    template = Template(
        "{% load raster_thumbnails %}{% raster_thumbnail raster " + quoted + " as thumb %}"
        "{{ thumb.url }}|{{ thumb.width }}|{{ thumb.height }}"
    )
    url, width, height = template.render(Context({"raster": raster})).split("|")
    return {"url": url, "width": int(width), "height": int(height)}


def decode(body: bytes) -> Image.Image:
    return Image.open(io.BytesIO(body))


@pytest.mark.parametrize(
    ("size", "method", "expected"),
    [
        ("200x200", "crop", (200, 200)),
        ("200x200", "fit", (200, 67)),
        ("300x", "fit", (300, 100)),
        ("x50", "crop", (150, 50)),  # one side given: nothing to crop
        ("120x60", "smart", (120, 60)),
    ],
)
def test_the_tag_gives_a_url_whose_image_has_the_announced_size(
    wide_raster, size, method, expected
):
    thumb = render_tag(wide_raster, size, method, "png")

    response = Client().get(thumb["url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = decode(b"".join(response.streaming_content))
    assert image.size == (thumb["width"], thumb["height"]) == expected
    assert thumb["url"].startswith(f"/thumbs/{wide_raster.pk}/{size}/{method}/")


def test_a_wrong_or_reused_signature_is_refused(wide_raster):
    thumb = render_tag(wide_raster, "200x200", "crop", "jpg")
    client = Client()

    tampered = thumb["url"].replace("/200x200/", "/999x999/")
    other_raster = thumb["url"].replace(
        f"/thumbs/{wide_raster.pk}/", f"/thumbs/{wide_raster.pk + 1}/"
    )
    forged = thumb["url"][:-36] + "0" * 32 + ".jpg"

    for url in (tampered, other_raster, forged):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "wrong signature" in response.json()["detail"]
    assert client.get(thumb["url"]).status_code == 200


def test_the_first_request_renders_and_stores_later_ones_read_the_file(wide_raster, media_root):
    thumb = render_tag(wide_raster, "200x200", "crop", "jpg")
    client = Client()

    first = client.get(thumb["url"])
    second = client.get(thumb["url"])

    assert first["X-Thumbnail"] == "rendered"
    assert second["X-Thumbnail"] == "stored"
    stored = media_root / thumb["url"].lstrip("/")
    assert stored.is_file()  # at the URL's own path, where nginx looks (try_files)
    assert b"".join(second.streaming_content) == stored.read_bytes()
    assert "immutable" in first["Cache-Control"]


def test_crop_keeps_the_middle_and_smart_keeps_the_detail(wide_raster):
    client = Client()

    def pixels(method: str) -> np.ndarray:
        url = render_tag(wide_raster, "100x100", method, "png")["url"]
        return np.asarray(decode(b"".join(client.get(url).streaming_content)).convert("L"))

    middle, smart = pixels("crop"), pixels("smart")

    assert middle.std() < 2  # the flat middle of the raster
    assert smart.std() > 40  # the noisy right third


def test_x_accel_hands_the_file_to_nginx(settings, wide_raster):
    settings.RASTERCATALOG_THUMBNAIL_SERVE = "x-accel"
    thumb = render_tag(wide_raster, "64x64", "fit", "webp")

    response = Client().get(thumb["url"])

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Accel-Redirect"] == "/_protected_media" + thumb["url"]
    assert response.content == b""


def test_sizes_beyond_the_limit_get_no_url(settings, wide_raster):
    settings.RASTERCATALOG_THUMBNAIL_MAX_SIZE = 100
    with pytest.raises(ValueError, match="RASTERCATALOG_THUMBNAIL_MAX_SIZE"):
        thumbnail_get(wide_raster, size="200x200", method="crop", fmt="jpg")


def test_new_bytes_make_new_urls(wide_raster):
    before = thumbnail_get(wide_raster, size="200x200", method="crop", fmt="jpg").url
    wide_raster.checksum_sha256 = "0" * 64

    assert thumbnail_get(wide_raster, size="200x200", method="crop", fmt="jpg").url != before


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_render_once(live_server, wide_raster, media_root: Path):
    url = live_server.url + render_tag(wide_raster, "256x256", "smart", "png")["url"]
    outcomes: list[str] = []
    bodies: list[bytes] = []

    def fetch() -> None:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            outcomes.append(response.headers["X-Thumbnail"])
            bodies.append(response.read())

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["rendered"] + ["stored"] * 7
    assert len(set(bodies)) == 1
    assert len(list((media_root / "thumbs").rglob("*.png"))) == 1
