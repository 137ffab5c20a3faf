"""PostgreSQL restarted under a running gunicorn: 503 JSON while it is down, 200 right after.

Everything is real: a cluster of the test's own (initdb, pg_ctl), `manage.py migrate` and
`manage.py ingest` against it, gunicorn with two workers as in production, HTTP over sockets.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest

from rastercatalog.catalog.demo import geotiff_write

from ..conftest import BASE_DIR, MANAGE_PY
from .processes import gunicorn, http_get, postgres_cluster

pytestmark = pytest.mark.slow
RECOVERY_TIMEOUT = 30.0


def _app_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "RASTERCATALOG_", "PROMETHEUS_", "CELERY_", "REDIS_"))
    }
    (var_dir / "prometheus").mkdir(parents=True)
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_READ_DOT_ENV="false",
        DJANGO_SECRET_KEY="rastercatalog-ops-test-not-a-secret-" + "x" * 32,
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        RASTERCATALOG_VAR_DIR=str(var_dir),
        PROMETHEUS_MULTIPROC_DIR=str(var_dir / "prometheus"),
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [*MANAGE_PY, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _tile_path(base: str, raster_id: int) -> str:
    tilejson = http_get(f"{base}/api/rasters/{raster_id}/tilejson.json").json()
    lon, lat, _ = tilejson["center"]
    z = tilejson["maxzoom"]
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/api/rasters/{raster_id}/tiles/{z}/{x}/{y}.png"


def _counter(metrics: str, family: str) -> float:
    pattern = rf'rastercatalog_http_requests_total\{{[^}}]*family="{family}"[^}}]*\}} ([0-9.e+]+)'
    return sum(float(value) for value in re.findall(pattern, metrics))


def test_requests_answer_503_json_while_postgres_restarts_then_recover(capsys):
    with postgres_cluster() as cluster, tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        server_url = f"postgresql://postgres@127.0.0.1:{cluster.port}"
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
            connection.execute("CREATE DATABASE rc_restart")
        with psycopg.connect(f"{server_url}/rc_restart", autocommit=True) as connection:
            connection.execute("CREATE EXTENSION postgis")
        env = _app_env(cluster.url("rc_restart"), tmp_dir / "var")
        _manage(env, "migrate", "--noinput")
        ramp = np.tile((np.arange(300) // 2).astype(np.uint8), (200, 1))
        source = geotiff_write(
            tmp_dir / "ramp.tif", ramp, epsg=4326, geotransform=(10.0, 0.01, 0.0, 50.0, 0.0, -0.01)
        )
        output = _manage(env, "ingest", str(source))
        raster_id = int(re.search(r"raster (\d+)", output).group(1))

        with gunicorn(env, workers=2) as server:
            base = server.base
            tile = _tile_path(base, raster_id)
            paths = ["/api/rasters/", "/stac/search", "/healthz", tile]
            for path in paths:
                assert http_get(base + path).status == 200, path
            first_tile = http_get(base + tile.replace(".png", ".webp"))
            timing = first_tile.headers["server-timing"]
            # No "db" phase once the worker knows the raster (render/rasterinfo.py): no query.
            for phase in ("open", "read", "encode", "app"):
                assert re.search(rf"\b{phase};dur=[0-9.]+", timing), timing

            # Metrics add up both workers (PROMETHEUS_MULTIPROC_DIR): a request shows at once.
            before = _counter(http_get(base + "/metrics").body.decode(), "catalog")
            assert http_get(base + "/api/rasters/").status == 200
            metrics = http_get(base + "/metrics")
            assert metrics.headers["content-type"].startswith("text/plain")
            assert _counter(metrics.body.decode(), "catalog") == before + 1
            assert 'rastercatalog_tile_cache_lookups_total{result="miss"}' in metrics.body.decode()

            cluster.stop()
            down = time.monotonic()
            # Twice over: both workers meet the outage, each with a connection it thought alive.
            for path in paths * 2:
                answer = http_get(base + path)
                if path == tile:
                    # A worker that knows the raster (render/rasterinfo.py, for its TTL) needs no
                    # database for a tile: it keeps serving; one that does not says 503 as below.
                    assert answer.status in (200, 503), answer.status
                    if answer.status == 200:
                        assert answer.headers["content-type"] == "image/png"
                        continue
                assert answer.status == 503, (path, answer.status, answer.body[:300])
                assert answer.headers["content-type"] == "application/json", path
                assert int(answer.headers["retry-after"]) > 0
                assert "database is unavailable" in answer.json()["detail"]
                if path == "/healthz":
                    assert answer.json()["status"] == "unavailable"
                    assert answer.json()["database"] == "postgresql"
            assert http_get(base + "/metrics").status == 200  # needs no database
            outage_s = time.monotonic() - down

            restarted = time.monotonic()
            cluster.start()
            started_s = time.monotonic() - restarted
            # The very first request after the restart succeeds (CONN_HEALTH_CHECKS), and so does
            # every one after it, whichever worker answers.
            first = http_get(base + "/api/rasters/")
            first_ms = (time.monotonic() - restarted - started_s) * 1000
            assert first.status == 200, first.body[:300]
            deadline = time.monotonic() + RECOVERY_TIMEOUT
            for path in paths * 3:
                assert time.monotonic() < deadline
                assert http_get(base + path).status == 200, path

            lines = [line for line in server.output().splitlines() if '"event": "request"' in line]
            assert any(
                '"status": 503' in line and '"path": "/stac/search"' in line for line in lines
            )

    with capsys.disabled():
        print(
            f"\noutage checks {outage_s:.2f} s; pg_ctl start {started_s:.2f} s; "
            f"first request after restart: 200 in {first_ms:.0f} ms"
        )
