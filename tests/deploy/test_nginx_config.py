"""deploy/nginx.conf passes `nginx -t` (Debian's nginx), as the compose nginx service loads it.

The server block is included inside an http {} block as the nginx image's own nginx.conf does.
Its upstream (`http://web:8000`) is a variable resolved at request time through Docker's DNS, so
the test needs no resolvable `web` host: the file is tested exactly as deployed.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.nginx import DEPLOY_CONF, MIME_TYPES, NGINX, nginx_available

pytestmark = pytest.mark.skipif(
    not nginx_available(), reason="nginx is not installed (nginx-light)"
)


def nginx_test(directory: Path, server_conf: Path) -> subprocess.CompletedProcess:
    main = directory / "nginx.conf"
    main.write_text(
        f"""
error_log {directory}/error.log;
pid {directory}/nginx.pid;
events {{}}
http {{
    include {MIME_TYPES};
    access_log {directory}/access.log;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    include {server_conf};
}}
"""
    )
    return subprocess.run(
        [NGINX, "-t", "-p", str(directory), "-c", str(main)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_deployed_config_passes_nginx_t(tmp_path):
    result = nginx_test(tmp_path, DEPLOY_CONF)

    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_t_catches_a_broken_config(tmp_path):
    broken = tmp_path / "broken.conf"
    broken.write_text(DEPLOY_CONF.read_text().replace("try_files $uri @web;", "try_files;"))

    result = nginx_test(tmp_path, broken)

    assert result.returncode != 0
    assert "invalid number of arguments" in result.stderr


def test_thumbnails_are_served_from_disk_before_asking_django():
    conf = DEPLOY_CONF.read_text()

    assert "try_files $uri @web;" in conf
    assert "internal;" in conf and "location /_protected_media/" in conf
