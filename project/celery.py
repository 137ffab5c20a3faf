"""Celery application: the worker runs the same services as the web process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("rastercatalog")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
