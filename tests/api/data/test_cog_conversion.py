"""A converted raster is read from its COG: tiles keep their pixels, ETags and cache keys change."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import PIL.Image
import pytest
from django.core.cache import cache

from rastercatalog.catalog.convert import raster_convert_to_cog
from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.geo.webmercator import tile_for_lonlat
from tests.servers import http_server, s3_for_gdal

pytestmark = pytest.mark.django_db


@pytest.fixture
def striped_tif(write_raster) -> Path:
    """A 900x800 uint16 striped GeoTIFF (not a COG) at 10..19 E, 42..50 N."""
    rows, cols = np.mgrid[0:800, 0:900]
    data = (rows * 7 + cols * 3).astype("uint16")
    return write_raster("striped.tif", data, nodata=0)


@contextlib.contextmanager
def _located(kind: str, path: Path, monkeypatch, settings):
    if kind == "http":
        with http_server(path.parent) as server:
            yield server.url(path.name)
    elif kind == "s3":
        with s3_for_gdal(monkeypatch) as s3:
            settings.RASTERCATALOG_S3_ENDPOINT_URL = f"http://{s3.endpoint}"
            yield s3.upload(path, key=f"originals/{path.name}")
    else:
        yield str(path)


@pytest.fixture(autouse=True)
def empty_cache():
    # Tiles are cached by content: the same COG bytes in an earlier test would be a hit.
    cache.clear()


def _tile(api, raster):
    # Zoom 9 reads full-resolution pixels: lower zooms read the COG's overviews, which the
    # original did not have.
    tile, _, _ = tile_for_lonlat(14.5, 46.0, 9)
    response = api.get(f"/api/rasters/{raster.pk}/tiles/{tile}.png", {"palette": "viridis"})
    assert response.status_code == 200, response.content
    return response


@pytest.mark.parametrize("kind", ["local", "http", "s3"])
def test_tiles_follow_the_cog(api, striped_tif, kind, monkeypatch, settings, tmp_path):
    settings.RASTERCATALOG_COG_DIR = tmp_path / "cogs"
    with _located(kind, striped_tif, monkeypatch, settings) as uri:
        raster = raster_ingest(uri=uri, trusted=True).raster
        assert raster.is_cog is False
        before = _tile(api, raster)
        assert _tile(api, raster)["X-Tile-Cache"] == "hit"

        raster_convert_to_cog(raster=raster)

        raster.refresh_from_db()
        assert raster.conversion_status == "converted", raster.conversion_error
        assert raster.original_uri == uri and raster.is_cog is True
        name = f"{raster.checksum_sha256}.cog.tif"
        expected = {
            "local": str(striped_tif.parent / name),
            "http": str(tmp_path / "cogs" / name),
            "s3": uri.rsplit("/", 1)[0] + "/" + name,
        }[kind]
        assert raster.uri == expected
        after = _tile(api, raster)
        # New bytes: a new cache key (a miss, not the old tile) and a new ETag.
        assert after["X-Tile-Cache"] == "miss"
        assert after["ETag"] != before["ETag"]
        revalidated = api.get(
            f"/api/rasters/{raster.pk}/tiles/{after.wsgi_request.path.split('/tiles/')[1]}",
            {"palette": "viridis"},
            HTTP_IF_NONE_MATCH=before["ETag"],
        )
        assert revalidated.status_code == 200
        # Lossless: the same pixels painted the same way.
        old = np.asarray(PIL.Image.open(io.BytesIO(before.content)).convert("RGBA"))
        new = np.asarray(PIL.Image.open(io.BytesIO(after.content)).convert("RGBA"))
        np.testing.assert_array_equal(old, new)
        feature = api.get(f"/api/rasters/{raster.pk}/").json()["properties"]
        assert feature["conversion_status"] == "converted"
        assert feature["original_checksum_sha256"] == raster.original_checksum_sha256
        assert feature["checksum_sha256"] == raster.checksum_sha256


def test_the_cog_alone_serves_tiles_and_coarser_zooms(api, striped_tif):
    raster = raster_ingest(uri=str(striped_tif), trusted=True).raster
    before = api.get(f"/api/rasters/{raster.pk}/tilejson.json").json()
    raster_convert_to_cog(raster=raster)
    striped_tif.unlink()  # the read path is the COG now
    assert _tile(api, raster).status_code == 200
    after = api.get(f"/api/rasters/{raster.pk}/tilejson.json").json()
    assert after["minzoom"] < before["minzoom"]  # its overviews serve coarser zooms
    assert after["maxzoom"] == before["maxzoom"]
