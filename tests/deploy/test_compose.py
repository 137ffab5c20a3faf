"""docker-compose.yml against the Compose specification's JSON schema, and what it must contain.

There is no Docker engine here: the schema (vendored by check-jsonschema from compose-spec) is what
`docker compose config` itself validates against.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
COMPOSE = BASE_DIR / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def compose_schema() -> dict:
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    return json.loads((vendor / "compose-spec.json").read_text())


def test_the_compose_file_validates_against_the_compose_specification(compose, compose_schema):
    validator = jsonschema.Draft7Validator(compose_schema)
    errors = sorted(validator.iter_errors(compose), key=lambda e: list(e.path))

    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_a_broken_file_would_be_caught(compose, compose_schema):
    broken = {**compose, "services": {**compose["services"], "web": {"image": 3, "bogus": True}}}

    assert list(jsonschema.Draft7Validator(compose_schema).iter_errors(broken))


def test_every_service_the_deployment_needs_is_there_with_a_health_check(compose):
    services = compose["services"]

    assert {"db", "redis", "minio", "web", "worker", "nginx"} <= set(services)
    for name in ("db", "redis", "minio", "web", "worker", "nginx"):
        assert "test" in services[name]["healthcheck"], name
    assert "gunicorn project.wsgi" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A project worker")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["nginx"]["volumes"]
    assert services["web"]["env_file"] == [{"path": ".env", "required": False}]
    assert {"pgdata", "var", "miniodata"} <= set(compose["volumes"])


def test_the_dockerfile_builds_the_viewer_and_runs_gunicorn():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()

    assert "FROM node:20-bookworm-slim AS frontend" in dockerfile
    assert "COPY --from=frontend /frontend/dist ./frontend/dist" in dockerfile
    assert "gunicorn project.wsgi" in dockerfile
    assert ".env" in (BASE_DIR / ".dockerignore").read_text().split()
