"""Production settings pass `manage.py check --deploy` without a warning; without a key they refuse."""

from __future__ import annotations

import os
import subprocess

from tests.conftest import BASE_DIR, MANAGE_PY

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "project.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7Qp2vL9mZ4rT8wK1nB6cY3hF5jD0sG-aE_uIoPlMkNbVcXzQwErTyUiOp",
    "DJANGO_ALLOWED_HOSTS": "catalog.example.org",
    "DATABASE_URL": "postgis://postgres@127.0.0.1:5432/rastercatalog",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # Only what a production host would set: nothing inherited from the test process's settings.
    base = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [*MANAGE_PY, *args],
        env={**base, "DJANGO_READ_DOT_ENV": "false", **env},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_the_secure_settings_are_on_by_default_in_production():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = manage("shell", "-c", code, **PRODUCTION)

    assert result.stdout.strip().splitlines()[-1] == (
        "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"
    ), result.stderr


def test_without_a_secret_key_production_refuses_to_start():
    env = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_SECRET_KEY"}

    result = manage("check", **env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_mode_still_starts_with_the_development_key():
    env = {key: value for key, value in PRODUCTION.items() if key != "DJANGO_SECRET_KEY"}

    result = manage("check", **{**env, "DJANGO_DEBUG": "true"})

    assert result.returncode == 0, result.stderr
