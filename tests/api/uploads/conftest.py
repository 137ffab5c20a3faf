"""Fixtures of the upload tests: API clients with and without write rights, a small GeoTIFF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from rastercatalog.models import Collection


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path: Path) -> Path:
    """Uploads land in a directory of this test, which the assertions can list."""
    settings.RASTERCATALOG_UPLOAD_DIR = tmp_path / "uploads"
    return settings.RASTERCATALOG_UPLOAD_DIR


@pytest.fixture
def writer(db) -> APIClient:
    """A client holding an API token (the right to write)."""
    user = User.objects.create_user("writer", password="writer-password-1")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def reader(db) -> APIClient:
    """A logged-in user without a token or staff status: may read, not write."""
    client = APIClient()
    client.force_authenticate(User.objects.create_user("reader", password="reader-password-1"))
    return client


@pytest.fixture
def collection(db) -> Collection:
    return Collection.objects.create(name="Uploads", slug="uploads")


@pytest.fixture
def small_tif(write_raster, ramp_u8) -> Path:
    """A 300x200 uint8 GeoTIFF at 10..13 E, 48..50 N."""
    return write_raster("ramp.tif", ramp_u8)


@pytest.fixture
def other_tif(write_raster) -> Path:
    return write_raster("noise.tif", np.random.default_rng(3).integers(0, 255, (50, 60), np.uint8))


@pytest.fixture
def api_anonymous() -> APIClient:
    return APIClient()
