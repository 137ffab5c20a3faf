"""Real processes for operations tests: a throwaway PostgreSQL cluster and a gunicorn server.

The cluster is the test's own (initdb in a temporary directory, a free port): stopping it never
touches the PostgreSQL other test runs use. As root, PostgreSQL's tools run as `postgres`.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..conftest import BASE_DIR

STARTUP_TIMEOUT = 60


def postgres_bin() -> Path:
    """The newest PostgreSQL server binaries on the machine, or skip the test."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    bin: Path
    directory: Path
    port: int

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=True, cwd="/"
        )

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "postgres.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "-t", "60", "start"
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def url(self, database: str) -> str:
        return f"postgis://postgres@127.0.0.1:{self.port}/{database}"


@contextlib.contextmanager
def postgres_cluster() -> Iterator[Cluster]:
    """initdb + start a cluster on a free port; stopped and deleted when the block ends."""
    binaries = postgres_bin()
    # Not under pytest's tmp_path: its parent is private to root, and postgres must enter it.
    directory = Path(tempfile.mkdtemp(prefix="rc-pg-"))
    cluster = Cluster(binaries, directory, free_port())
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    try:
        cluster._run(
            "initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "--no-sync"
        )
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def http_get(url: str, timeout: float = 20) -> Answer:
    """GET without raising on 4xx/5xx; header names lower-cased."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, _headers(response), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, _headers(error), error.read())


def _headers(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers.items()}


@dataclass
class Server:
    base: str
    log: object  # the file gunicorn's stdout and stderr go to

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2) -> Iterator[Server]:
    """Serve project.wsgi with gunicorn on a free port until the block ends."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(
        [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "project.wsgi",
            # As deployed (gthread workers, allocator settings); the options below win.
            "--config",
            str(BASE_DIR / "deploy" / "gunicorn.conf.py"),
            "-b",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
        ],
        cwd=BASE_DIR,
        env={**env, "GUNICORN_ACCESS_LOG": ""},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            assert process.poll() is None, f"gunicorn exited: {_tail(log)}"
            try:
                http_get(base + "/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, f"gunicorn did not answer: {_tail(log)}"
                time.sleep(0.2)
        yield Server(base, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def _tail(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-3000:]
