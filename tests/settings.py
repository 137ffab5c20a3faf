"""Test settings: the suite always runs on PostGIS (DATABASE_URL, else the local server)."""

import os

os.environ.setdefault("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/rastercatalog")
# DEBUG is off in tests (as in production), which requires a key; the suite's is not secret.
os.environ.setdefault("DJANGO_SECRET_KEY", "rastercatalog-tests-not-a-secret-" + "x" * 32)
# The test client and the live servers speak plain HTTP.
os.environ.setdefault("DJANGO_HTTPS", "false")

from project.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # find static files on request; the suite runs no collectstatic
# Tests change rows and read tiles at once: every tile reads the row (tests/render/test_rasterinfo.py
# turns the per-process cache on).
RASTERCATALOG_RASTER_INFO_TTL = 0
# The suite's catalogs are small: search them as a large one is searched, through the
# (footprint, created) index (tests/api/catalog/test_paging.py checks the switch itself).
RASTERCATALOG_SEARCH_INDEX_ORDER_MIN_ROWS = 0
