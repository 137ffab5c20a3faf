"""Debian's nginx on loopback for the tests, running deploy/nginx.conf with local paths.

The deployed server block is used as it is, with four substitutions: the listen address, the
upstream (Django's live server instead of the compose service `web`), and the static and media
directories. Around it goes a minimal main configuration that keeps every file nginx writes under
the test's directory.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEPLOY_CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MIME_TYPES = Path("/etc/nginx/mime.types")
# One line per request: status and the upstream nginx asked ("-": it answered by itself).
LOG_FORMAT = "'$request_uri $status upstream=$upstream_addr'"


@dataclass
class Nginx:
    port: int
    access_log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_lines(self, count: int = 0) -> list[str]:
        """The access log's lines, once there are at least `count` (nginx logs after replying)."""
        deadline = time.monotonic() + 5
        while True:
            lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
            if len(lines) >= count or time.monotonic() > deadline:
                return lines
            time.sleep(0.01)


def nginx_available() -> bool:
    return Path(NGINX).is_file()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_write_config(
    directory: Path, *, port: int, upstream: str, media_root: Path, static_root: Path
) -> Path:
    """Write the main configuration and the adapted server block; return the main file."""
    server = DEPLOY_CONF.read_text()
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("http://web:8000", upstream.rstrip("/")),
        ("/app/var/media", str(media_root)),
        ("/app/var/static", str(static_root)),
    ):
        assert old in server, f"deploy/nginx.conf no longer contains {old!r}"
        server = server.replace(old, new)
    (directory / "server.conf").write_text(server)
    main = f"""
daemon off;
worker_processes 1;
user root;
error_log {directory}/error.log warn;
pid {directory}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    include {MIME_TYPES};
    log_format upstream {LOG_FORMAT};
    access_log {directory}/access.log upstream;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    include {directory}/server.conf;
}}
"""
    path = directory / "nginx.conf"
    path.write_text(main)
    return path


@contextlib.contextmanager
def nginx_running(directory: Path, **config) -> Iterator[Nginx]:
    """Start nginx on a free loopback port with the deployed server block; stop it afterwards."""
    port = free_port()
    conf = nginx_write_config(directory, port=port, **config)
    process = subprocess.Popen(
        [NGINX, "-p", str(directory), "-c", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                error_log = directory / "error.log"
                raise RuntimeError(
                    f"nginx did not start: {output} {error_log.read_text() if error_log.exists() else ''}"
                )
            time.sleep(0.05)
        yield Nginx(port=port, access_log=directory / "access.log")
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
