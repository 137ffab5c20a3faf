"""WSGI entry point (gunicorn project.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
application = get_wsgi_application()
# Import the views (and through them large-image, GDAL, DRF) now rather than in each worker's
# first request: Django loads the URLconf lazily, and that first request would wait ~0.8 s.
URL_PATTERNS = get_resolver().url_patterns
