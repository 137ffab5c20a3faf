"""Servers for the benchmarks: our gunicorn, its environment, catalogue commands, process groups."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

# The process group of the server listening on each port (each server leads its own session).
GROUPS: dict[int, int] = {}


def server_env(directory: Path, args) -> dict:
    """The environment of `manage.py` and the servers: DEBUG off, plain HTTP, loopback only."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        RASTERCATALOG_VAR_DIR=str(directory / "var"),
        DJANGO_SETTINGS_MODULE="project.settings",
        DJANGO_DEBUG="false",
        DJANGO_HTTPS="false",  # the benchmark's server speaks plain HTTP
        DJANGO_SECRET_KEY=env.get(
            "DJANGO_SECRET_KEY", "rastercatalog-bench-not-a-secret-" + "x" * 32
        ),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        GDAL_CACHEMAX=str(getattr(args, "gdal_cache_mb", 64)),
        no_proxy="127.0.0.1,localhost",
    )
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    return env


def manage(env: dict, *arguments: str) -> str:
    """Run one `manage.py` command; return what it printed."""
    done = subprocess.run(
        [str(PYTHON), str(ROOT / "manage.py"), *arguments],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return done.stdout


def ingest(path: Path, env: dict) -> int:
    """Migrate, catalogue `path` and return its raster id."""
    manage_py = [str(PYTHON), str(ROOT / "manage.py")]
    subprocess.run([*manage_py, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    output = manage(env, "ingest", str(path))
    match = re.search(r"as raster (\d+)", output)
    if not match:
        raise RuntimeError(f"ingest of {path} said: {output}")
    return int(match.group(1))


def uri_move(raster_id: int, uri: str, env: dict) -> None:
    """Point a catalogued raster at the same bytes elsewhere (its checksum stays true)."""
    code = f"from rastercatalog.models import Raster; Raster.objects.filter(pk={raster_id})"
    code += f".update(uri={uri!r})"
    command = [str(PYTHON), str(ROOT / "manage.py"), "shell", "-c", code]
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


@contextmanager
def serve_ours(env: dict, threads: int | None = None):
    """gunicorn as deployed (2 workers) on a free loopback port; yield the port."""
    port = free_port()
    command = [
        str(GUNICORN),
        "project.wsgi:application",
        "--config",  # as deployed: the Dockerfile, docker-compose.yml and `make serve` use it
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    env = {**env, "GUNICORN_ACCESS_LOG": ""}  # the configuration logs every request otherwise
    if threads is not None:  # 1: sync workers; more: gthread workers with that many threads
        env["GUNICORN_THREADS"] = str(threads)  # settings.py sizes the source cache by it too
    with process(command, ROOT, env, port, "/api/colormaps/"):
        yield port


@contextmanager
def process(command: list[str], cwd: Path, env: dict, port: int, ready_path: str):
    """Start a server in a session of its own, wait for `ready_path`, stop its group at the end."""
    started = subprocess.Popen(command, cwd=cwd, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", ready_path)
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if started.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start (exit {started.poll()})")
            time.sleep(0.2)
        GROUPS[port] = started.pid
        yield started
    finally:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(started.pid, sig)
                started.wait(wait)
                break
            except (ProcessLookupError, subprocess.TimeoutExpired):
                continue


def group_cpu(group: int | None) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group.

    On a machine other work shares, throughput follows the share of the cores each server gets;
    CPU per tile does not: it is what each server would need to serve more."""
    if group is None:
        return 0.0
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the command's closing parenthesis: state is 3, pgrp 5, utime 14.
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_plain(port: int) -> subprocess.Popen:
    """gunicorn (2 sync workers, no configuration file) on `port`, once /healthz answers."""
    command = [str(GUNICORN), "project.wsgi:application", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    env = dict(os.environ, DJANGO_LOG_LEVEL="WARNING")
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30):
                print(f"gunicorn (2 workers) serving on 127.0.0.1:{port}", flush=True)
                return server
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None:
                raise SystemExit("gunicorn exited before serving") from None
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    """Stop a server's process group: TERM, then KILL after 20 s."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def out_of_time(signum, frame):
    raise TimeoutError("the benchmark ran out of time (--timeout)")
