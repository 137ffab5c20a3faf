"""GET /api/colormaps/ and /api/colormaps/{name}.png: the names tiles accept, as legend bars."""

from __future__ import annotations

import io

import matplotlib
import PIL.Image
import pytest

pytestmark = pytest.mark.django_db


def legend(api, name, **query) -> PIL.Image.Image:
    response = api.get(f"/api/colormaps/{name}.png", query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "image/png"
    return PIL.Image.open(io.BytesIO(response.content)).convert("RGBA")


def rgba(name: str, fraction: float) -> tuple[int, ...]:
    return tuple(int(v) for v in matplotlib.colormaps[name](fraction, bytes=True))


def test_names_include_matplotlibs_set(api):
    body = api.get("/api/colormaps/").json()
    names = body["colormaps"]
    assert {"viridis", "magma", "terrain", "RdYlBu", "Greys", "gray", "jet", "tab10"} <= set(names)
    assert not any(name.endswith("_r") for name in names)
    assert body["count"] == len(names)
    assert body["reversed_suffix"] == "_r"
    assert body["legend"] == "http://testserver/api/colormaps/{name}.png"


def test_legend_bar_runs_from_low_to_high(api):
    image = legend(api, "viridis")
    assert image.size == (256, 16)
    assert image.getpixel((0, 8)) == rgba("viridis", 0.0)
    assert image.getpixel((255, 8)) == rgba("viridis", 1.0)
    assert image.getpixel((128, 0)) == image.getpixel((128, 15))


def test_reversed_and_vertical_legends(api):
    reversed_bar = legend(api, "terrain_r", width=100, height=10)
    assert reversed_bar.getpixel((0, 5)) == rgba("terrain", 1.0)
    vertical = legend(api, "magma", width=12, height=200)
    assert vertical.size == (12, 200)
    assert vertical.getpixel((6, 199)) == rgba("magma", 0.0)  # low values at the bottom
    assert vertical.getpixel((6, 0)) == rgba("magma", 1.0)


def test_discrete_legend_shows_the_palettes_own_colours(api):
    image = legend(api, "tab10", width=100, height=4, scheme="discrete")
    colours = [image.getpixel((x, 2))[:3] for x in range(5, 100, 10)]
    assert colours == [
        tuple(round(c * 255) for c in colour) for colour in matplotlib.colormaps["tab10"].colors
    ]


def test_unknown_name_and_bad_sizes(api):
    response = api.get("/api/colormaps/nosuch.png")
    assert response.status_code == 404
    detail = response.json()["detail"]
    assert detail.startswith("unknown palette 'nosuch': valid names are ")
    assert "viridis" in detail
    for query, name in (
        ({"width": 0}, "width"),
        ({"height": "tall"}, "height"),
        ({"width": 5000}, "width"),
    ):
        response = api.get("/api/colormaps/viridis.png", query)
        assert response.status_code == 400
        assert response.json()["detail"].startswith(f"parameter {name}=")
