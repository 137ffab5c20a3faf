"""Property-based fuzzing of the whole API with schemathesis, anonymously and as staff.

The schemathesis CLI runs against gunicorn on loopback (the production server: Django's development
server resets connections whose body a view did not read, which the fuzzer reports as network
errors), on the test database, with a fixed seed and a few examples per operation (all phases:
examples, coverage, fuzzing, stateful), so it is bounded (under a minute here) and repeatable.
Two checks: no response is a server error, and every response matches the project's own OpenAPI
schema.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.models import Collection

from ..ops.processes import gunicorn

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES_PER_OPERATION = 5
SEED = 20261126


@pytest.fixture
def catalogue(write_raster, ramp_u8) -> dict:
    """A collection with one raster, a raster in none (nulls in its record), a staff token."""
    collection = Collection.objects.create(name="Fuzz", slug="fuzz")
    first = raster_ingest(uri=str(write_raster("a.tif", ramp_u8)), trusted=True).raster
    first.collection = collection
    first.save()
    rgb = np.stack([ramp_u8, ramp_u8 // 2, 255 - ramp_u8])
    second = raster_ingest(
        uri=str(write_raster("b.tif", rgb, epsg=32633, geotransform=(5e5, 10, 0, 5e6, 0, -10))),
        trusted=True,
    ).raster
    staff = User.objects.create_user("staff", password="staff-password-1", is_staff=True)
    return {
        "collection": collection.slug,
        "rasters": [first.pk, second.pk],
        "token": Token.objects.create(user=staff).key,
    }


def run_schemathesis(base_url: str, config: Path, *headers: str) -> subprocess.CompletedProcess:
    command = [str(SCHEMATHESIS), "--config-file", str(config), "run"]
    command += [f"{base_url}/api/schema/?format=json", "--url", base_url]
    command += ["--checks", "not_a_server_error,response_schema_conformance"]
    command += ["--max-examples", str(EXAMPLES_PER_OPERATION), "--seed", str(SEED)]
    command += ["--request-timeout", "30", "--no-color", "--workers", "1"]
    for header in headers:
        command += ["-H", header]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def config_file(tmp_path: Path, catalogue: dict) -> Path:
    """Real identifiers for path parameters, so operations reach their logic, not only 404s."""
    path = tmp_path / "schemathesis.toml"
    path.write_text(
        "[parameters]\n"
        f"raster_id = {catalogue['rasters'][1]}\n"
        f'collection_id = "{catalogue["collection"]}"\n'
        f'slug = "{catalogue["collection"]}"\n'
        f'item_id = "{catalogue["rasters"][0]}"\n'
        'name = "viridis"\n'
    )
    return path


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_no_server_error_and_no_schema_violation(process_env, catalogue, tmp_path, who):
    headers = [f"Authorization: Token {catalogue['token']}"] if who == "staff" else []

    with gunicorn(process_env, workers=2) as server:
        done = run_schemathesis(server.base, config_file(tmp_path, catalogue), *headers)

    report = done.stdout[-6000:] + done.stderr[-2000:]
    assert done.returncode == 0, report
    assert "generated" in done.stdout and "failure" not in done.stdout.split("Test cases:")[-1], (
        report
    )
