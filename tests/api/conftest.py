"""Fixtures of the API tests: a client, and rasters catalogued from a local path, HTTP or S3."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from rest_framework.test import APIClient

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Raster
from tests.servers import http_server, s3_for_gdal

# The "index" raster: every pixel holds its own position, so a value read back says where it came
# from. 300 x 200 uint32 in UTM 33N, 10 m pixels; value = row * 1000 + col + 1 (0 is nodata).
INDEX_SIZE = (300, 200)
INDEX_GEOTRANSFORM = (460000.0, 10.0, 0.0, 5110000.0, 0.0, -10.0)


def index_array() -> np.ndarray:
    rows, cols = np.mgrid[0 : INDEX_SIZE[1], 0 : INDEX_SIZE[0]]
    array = (rows * 1000 + cols + 1).astype(np.uint32)
    array[7, 5] = 0  # one nodata pixel
    return array


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep requests to 127.0.0.1 off any proxy the environment sets (libcurl and boto3 obey it)."""
    for key in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(key, "127.0.0.1,localhost")


@contextlib.contextmanager
def _uri_maker(kind: str, root: Path, monkeypatch) -> Iterator[Callable[[Path], str]]:
    if kind == "http":
        with http_server(root) as server:
            yield lambda path: server.url(path.name)
    elif kind == "s3":
        with s3_for_gdal(monkeypatch) as s3:
            yield s3.upload
    else:
        yield str


@pytest.fixture
def catalogue_local() -> Callable[[Path], Raster]:
    """Catalogue a local raster file (trusted, as the CLI does) and return its ready row."""
    return lambda path: raster_ingest(uri=str(path), trusted=True).raster


@pytest.fixture(params=["local", "http", "s3"])
def catalogue(request, tmp_path: Path, monkeypatch) -> Iterator[Callable[[Path], Raster]]:
    """Catalogue a raster written under tmp_path, read from a local path, over HTTP or from S3."""
    with _uri_maker(request.param, tmp_path, monkeypatch) as uri_for:
        yield lambda path: raster_ingest(uri=uri_for(path), trusted=True).raster


@pytest.fixture
def index_raster(write_raster) -> Path:
    """The index raster (see index_array) as a COG."""
    return write_raster(
        "index.tif", index_array(), epsg=32633, geotransform=INDEX_GEOTRANSFORM, nodata=0, cog=True
    )
