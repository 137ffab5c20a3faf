"""Fixtures of the thumbnail tests: media under tmp_path and rasters with recognisable content."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Raster


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def wide_raster(write_raster) -> Raster:
    """600x200 grey: the left two thirds a flat 100, the right third noise (the "detail")."""
    array = np.full((200, 600), 100, np.uint8)
    array[:, 400:] = np.random.default_rng(5).integers(0, 255, (200, 200), dtype=np.uint8)
    return raster_ingest(uri=str(write_raster("wide.tif", array)), trusted=True).raster
