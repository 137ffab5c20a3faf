"""Signed thumbnails behind the deployed nginx configuration, for real (Debian's nginx on loopback).

The first request goes through nginx to Django, which renders, stores and answers with
X-Accel-Redirect; nginx sends the file. Every later request is answered by nginx from disk: its
access log shows no upstream for it, and it still succeeds after the raster's row is deleted, when
Django would refuse the URL.
"""

from __future__ import annotations

import io
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.template import Context, Template
from PIL import Image

from rastercatalog.models import Raster
from tests.nginx import nginx_available, nginx_running

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not nginx_available(), reason="nginx is not installed (nginx-light)"),
]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(key, "127.0.0.1,localhost")


@pytest.fixture
def nginx(live_server, settings, media_root: Path, tmp_path: Path):
    settings.RASTERCATALOG_THUMBNAIL_SERVE = "x-accel"
    directory = tmp_path / "nginx"
    directory.mkdir()
    static_root = tmp_path / "static"
    static_root.mkdir()
    media_root.mkdir(parents=True, exist_ok=True)
    # An address, not "localhost": nginx resolves upstream names with the configured resolver.
    upstream = f"http://{live_server.thread.host}:{live_server.thread.port}".replace(
        "localhost", "127.0.0.1"
    )
    with nginx_running(
        directory, upstream=upstream, media_root=media_root, static_root=static_root
    ) as server:
        yield server


def get(url: str) -> tuple[int, dict, bytes, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            body = response.read()
            return response.status, dict(response.headers), body, time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read(), time.perf_counter() - started


def thumbnail_url(raster: Raster) -> str:
    template = Template(
        '{% load raster_thumbnails %}{% raster_thumbnail raster "160x120" "crop" "jpg" as t %}'
        "{{ t.url }}"
    )
    return template.render(Context({"raster": raster}))


def test_the_second_request_never_reaches_django(nginx, wide_raster, media_root):
    path = thumbnail_url(wide_raster)

    status, headers, first, first_seconds = get(nginx.url + path)

    assert status == 200
    assert "X-Accel-Redirect" not in headers  # nginx acted on it and sent the file itself
    assert Image.open(io.BytesIO(first)).size == (160, 120)
    assert (media_root / path.lstrip("/")).read_bytes() == first
    [line] = nginx.log_lines(1)
    assert line.startswith(f"{path} 200 upstream=127.0.0.1:")  # Django answered

    # Django would now refuse the URL (no such raster: 403); nginx does not ask it.
    Raster.objects.filter(pk=wide_raster.pk).delete()
    status, headers, second, second_seconds = get(nginx.url + path)

    assert status == 200
    assert second == first
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert nginx.log_lines(2)[-1] == f"{path} 200 upstream=-"
    print(
        f"\nthumbnail via nginx: first {first_seconds * 1000:.1f} ms, cached {second_seconds * 1000:.2f} ms"
    )


def test_urls_without_a_stored_file_still_go_to_django(nginx, wide_raster):
    forged = f"/thumbs/{wide_raster.pk}/160x120/crop/{'0' * 32}.jpg"

    status, _, body, _ = get(nginx.url + forged)

    assert status == 403
    assert b"wrong signature" in body
    assert nginx.log_lines(1)[-1].startswith(f"{forged} 403 upstream=127.0.0.1:")
