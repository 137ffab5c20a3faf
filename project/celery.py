"""Celery application: the worker runs the same services as the web process."""

import logging
import os
import threading

from celery import Celery
from celery.signals import worker_ready, worker_shutdown

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("rastercatalog")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Every worker sweeps for work that lost its worker (SIGKILL, out of memory) and queues it again:
# no `celery beat` is needed for a row never to stay `processing` (see rastercatalog/catalog/leases).
_sweeping = threading.Event()


@worker_ready.connect
def _start_recovery_sweeps(**_kwargs) -> None:
    from django.conf import settings

    interval = settings.RASTERCATALOG_RECOVERY_INTERVAL_SECONDS
    _sweeping.clear()
    threading.Thread(target=_sweep_forever, args=(interval,), name="recovery", daemon=True).start()


@worker_shutdown.connect
def _stop_recovery_sweeps(**_kwargs) -> None:
    _sweeping.set()


def _sweep_forever(interval: float) -> None:
    from django.db import connections

    from rastercatalog.tasks import ingests_recover

    while True:
        try:
            outcome = ingests_recover()
            if outcome["rasters"] or outcome["uploads"]:
                logging.getLogger("rastercatalog.recovery").warning("recovered %s", outcome)
        except Exception:  # the database or the broker is away: try again next time
            logging.getLogger("rastercatalog.recovery").exception("recovery sweep failed")
        finally:
            connections.close_all()
        if _sweeping.wait(interval):
            return
