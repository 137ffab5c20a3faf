"""A real Celery worker (subprocess) ingests queued rasters from Redis into the test database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
from django.db import connection

from project.celery import app
from rastercatalog.catalog.ingest import raster_create_pending
from rastercatalog.dispatch import raster_ingest_later
from rastercatalog.models import Raster

# A DB number of its own, so the suite never sees other users' queues on the shared Redis.
BROKER_URL = os.environ.get("RASTERCATALOG_TEST_BROKER_URL", "redis://127.0.0.1:6379/11")
ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
START_TIMEOUT = 30
TASK_TIMEOUT = 60


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def database_url(settings_dict: dict) -> str:
    """The URL of the database pytest-django created, for the worker's DATABASE_URL."""
    user = quote(settings_dict["USER"] or "postgres", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    return f"postgis://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="module")
def queue() -> str:
    """A queue name of our own: other test runs may use the same Redis DB at the same time."""
    return f"rc-test-{uuid.uuid4().hex[:12]}"


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def worker(django_db_setup, queue, tmp_path_factory) -> Iterator[Worker]:
    """Start `celery worker` on the test database and our queue; always stop it afterwards."""
    try:
        with running_worker(queue, tmp_path_factory.mktemp("worker") / "worker.log") as worker:
            yield worker
    finally:
        forget_queue(queue)


@contextlib.contextmanager
def running_worker(queue: str, log_path: Path, **settings: str) -> Iterator[Worker]:
    """A `celery worker` process (its own session) on the test database; stopped at the end.

    `settings` become environment variables of the worker, e.g. shorter recovery intervals.
    """
    if not redis_answers(BROKER_URL):
        pytest.skip(f"Redis does not answer at {BROKER_URL}: the worker test needs a broker")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        # django_db_setup has switched the connection to the test database by now.
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": BROKER_URL,
        "PYTHONUNBUFFERED": "1",
        **settings,
    }
    command = [str(CELERY), "-A", "project", "worker", "--pool=solo", "--concurrency=1"]
    # No gossip/mingle/heartbeat: faster start, and no chatter with other workers on this Redis.
    command += ["-Q", queue, "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_ready(process, log_path)
        yield Worker(process, log_path)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def forget_queue(queue: str) -> None:
    # kombu leaves a binding set per queue in Redis; a fresh queue name per run would pile them up.
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)


def _wait_until_ready(process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        if " ready." in text:
            return
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited with {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.1)
    pytest.fail(f"the Celery worker was not ready after {START_TIMEOUT} s:\n{text[-3000:]}")


@pytest.fixture
def queued(worker, queue) -> Iterator[None]:
    """Make .delay() in this process publish to the worker's queue instead of running inline."""
    with publishing_to(queue):
        yield


@contextlib.contextmanager
def publishing_to(queue: str) -> Iterator[None]:
    """Make .delay() in this process publish to `queue` on the test broker, not run inline."""
    overrides = {"task_always_eager": False, "broker_url": BROKER_URL, "task_default_queue": queue}
    previous = {key: app.conf[key] for key in overrides}
    app.conf.update(overrides)
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(previous)
        _forget_connections()


def _forget_connections() -> None:
    # Celery caches the queue table and the connection pool built from the old configuration, and
    # kombu keeps pools in a process-wide registry: close them all so nothing reuses a stale one.
    kombu.pools.reset()
    app._pool = None
    app.__dict__.pop("amqp", None)


def wait_for_outcome(raster: Raster) -> Raster:
    """Poll the row until the worker has finished with it (ready or failed)."""
    deadline = time.monotonic() + TASK_TIMEOUT
    while time.monotonic() < deadline:
        raster.refresh_from_db()
        if raster.status in (Raster.Status.READY, Raster.Status.FAILED):
            return raster
        time.sleep(0.1)
    pytest.fail(f"raster {raster.pk} still {raster.status} after {TASK_TIMEOUT} s")


@pytest.mark.django_db(transaction=True)
def test_worker_ingests_queued_raster(worker, queued, write_raster, ramp_u8):
    """A pending row queued for the worker ends up ready, with footprint and bands."""
    path = write_raster("queued.tif", ramp_u8)
    raster = raster_create_pending(uri=str(path), trusted=True)
    raster_ingest_later(raster)  # outside an atomic block on_commit fires now, publishing the task

    raster = wait_for_outcome(raster)

    assert raster.status == Raster.Status.READY, raster.error
    assert raster.footprint is not None
    assert raster.footprint.extent == pytest.approx((10.0, 48.0, 13.0, 50.0))
    assert (raster.width, raster.height) == (300, 200)
    assert list(raster.bands.values_list("index", "min", "max")) == [(1, 0.0, 149.0)]
    # The worker, not an inline (eager) call, did the work.
    assert f"'raster': {raster.pk}, 'status': 'ingested'" in worker.log()


@pytest.mark.django_db(transaction=True)
def test_worker_marks_non_raster_failed(queued, tmp_path):
    """A text file named .tif ends up failed, with the reason stored on the row."""
    path = tmp_path / "notes.tif"
    path.write_text("these are field notes, not pixels\n")
    raster = raster_create_pending(uri=str(path), trusted=True)
    raster_ingest_later(raster)

    raster = wait_for_outcome(raster)

    assert raster.status == Raster.Status.FAILED
    assert "not a raster" in raster.error
    assert raster.checksum_sha256 is None
    assert not raster.bands.exists()
