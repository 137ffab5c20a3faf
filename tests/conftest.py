"""Shared fixtures: rasters written with GDAL inside the tests, the corpus, the CLI."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rastercatalog.catalog.demo import geotiff_write

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of real rasters; tests that use it skip where it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture
def write_raster(tmp_path: Path) -> Callable[..., Path]:
    """Write a GeoTIFF under tmp_path: write_raster("a.tif", array, epsg=…|crs=…, geotransform=…, …)."""

    def write(name: str, array: np.ndarray, **kwargs) -> Path:
        if "crs" not in kwargs:
            kwargs.setdefault("epsg", 4326)
        kwargs.setdefault("geotransform", (10.0, 0.01, 0.0, 50.0, 0.0, -0.01))
        return geotiff_write(tmp_path / name, np.asarray(array), **kwargs)

    return write


@pytest.fixture
def ramp_u8() -> np.ndarray:
    """A 200x300 uint8 ramp: value = column // 2 (so 0..149), handy for checking statistics."""
    return np.tile((np.arange(300) // 2).astype(np.uint8), (200, 1))


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out!r}, err={self.err!r})"


@pytest.fixture
def run_ingest() -> Callable[..., CliResult]:
    """Run `manage.py ingest …` in-process; returns exit code and output."""

    def run(*args: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("ingest", *args, stdout=out, stderr=err)
            code = 0
        except CommandError as exc:
            err.write(str(exc))
            code = exc.returncode
        return CliResult(code, out.getvalue(), err.getvalue())

    return run


BASE_DIR = Path(__file__).resolve().parent.parent
MANAGE_PY = [str(BASE_DIR / ".venv" / "bin" / "python"), str(BASE_DIR / "manage.py")]


@pytest.fixture
def process_env() -> dict[str, str]:
    """Environment for a `manage.py` subprocess that uses the test database (needs transaction=True)."""
    import os

    from django.db import connection

    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }


_exit_status = 0


def pytest_sessionfinish(session, exitstatus) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config) -> None:
    """Leave without the interpreter's teardown, once pytest has reported everything.

    The process holds two GDAL and PROJ copies (Debian's, and rasterio's wheel) and GDAL datasets
    cached by large-image, some of them warped views of others; destroyed in the interpreter's
    final teardown (or even when the cache is cleared at the very end), they sometimes crash the
    process with SIGSEGV after every test has passed, turning a green run into exit 139. Nothing
    is left to do at this point: the reports are written and flushed.
    """
    import os
    import sys

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)
