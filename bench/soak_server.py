"""gunicorn for bench/soak.py: the production configuration on 127.0.0.1, and its workers' RSS."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
# The allocator settings of production (Dockerfile ENV, deploy/gunicorn.env): glibc reads them
# when a process starts, so they go in gunicorn's environment, not in its configuration.
ALLOCATOR_ENV = ROOT / "deploy" / "gunicorn.env"


def server_env(directory: Path, *, database_url: str = "", redis_url: str = "") -> dict:
    """The environment of `manage.py` and gunicorn: DEBUG off, plain HTTP, loopback only."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        RASTERCATALOG_VAR_DIR=str(directory / "var"),
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",
        DJANGO_READ_DOT_ENV="false",
        DJANGO_SECRET_KEY=env.get(
            "DJANGO_SECRET_KEY", "rastercatalog-soak-not-a-secret-" + "x" * 32
        ),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_ACCESS_LOG="",  # deploy/gunicorn.conf.py logs every request otherwise
        no_proxy="127.0.0.1,localhost",
    )
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    if ALLOCATOR_ENV.exists():
        for line in ALLOCATOR_ENV.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                env.setdefault(key.strip(), value.strip())
    return env


@contextmanager
def gunicorn_serve(env: dict, *, workers: int) -> Iterator[tuple[int, int]]:
    """Serve the project on a free loopback port; yield (port, master pid); stop it at the end."""
    port = free_port()
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), "project.wsgi:application"]
    if GUNICORN_CONFIG.exists():
        command += ["--config", str(GUNICORN_CONFIG)]
    else:  # the configuration of the Dockerfile before deploy/gunicorn.conf.py existed
        command += ["--timeout", "120"]
    command += ["--workers", str(workers), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while not _ready(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start (exit {process.poll()})")
            time.sleep(0.2)
        yield port, process.pid
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, sig)
                process.wait(wait)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue


def _ready(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/api/colormaps/")
        return connection.getresponse().status == 200
    except OSError:
        return False


def workers_rss(master: int) -> int:
    """The summed resident memory of the master's children (the workers), in bytes."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
            total += int(fields["VmRSS"].split()[0]) * 1024
    return total
