"""manage.py ingest and manage.py load_demo, as an operator runs them."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management import call_command

from rastercatalog.models import Collection, Raster

from .conftest import BASE_DIR, MANAGE_PY

pytestmark = pytest.mark.django_db


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def rasters(write_raster, ramp_u8):
    """Write n small, distinct GeoTIFFs: rasters("a.tif", "b.tif") -> their paths."""

    def write(*names: str) -> list[Path]:
        return [write_raster(name, ramp_u8 // (i + 1) + i) for i, name in enumerate(names)]

    return write


# --- sources: paths, directories, lists -------------------------------------------------------


def test_files_are_ingested_with_a_summary(run_ingest, rasters):
    first, second = rasters("first.tif", "second.tif")

    result = run_ingest(str(first), str(second))

    assert result.code == 0, result
    assert "summary: 2 ingested, 0 failed" in result.out
    assert f"ingested  {first}: ingested as raster" in result.out
    ready = Raster.objects.filter(status=Raster.Status.READY)
    assert sorted(r.checksum_sha256 for r in ready) == sorted(map(_sha256, (first, second)))
    assert sorted(ready.values_list("name", flat=True)) == ["first", "second"]


def test_a_failure_is_reported_and_makes_the_exit_code_non_zero(run_ingest, rasters, tmp_path):
    (good,) = rasters("good.tif")
    missing = tmp_path / "missing.tif"

    result = run_ingest(str(good), str(missing))

    assert result.code == 1
    assert "summary: 1 ingested, 1 failed" in result.out
    assert f"failed  {missing}: no such file" in result.out
    assert "1 of 2 failed" in result.err
    assert Raster.objects.get().name == "good"


def test_directory_takes_top_level_rasters_unless_recursive(
    run_ingest, write_raster, ramp_u8, tmp_path
):
    write_raster("top.tif", ramp_u8)
    (tmp_path / "notes.txt").write_text("not a raster, and not picked up")
    (tmp_path / "sub").mkdir()
    write_raster("sub/deep.tif", ramp_u8 + 1)

    flat = run_ingest(str(tmp_path))

    assert flat.code == 0, flat
    assert "summary: 1 ingested, 0 failed" in flat.out
    assert list(Raster.objects.values_list("name", flat=True)) == ["top"]

    deep = run_ingest(str(tmp_path), "--recursive")

    assert deep.code == 0, deep
    assert "summary: 1 ingested, 1 already present, 0 failed" in deep.out
    assert sorted(Raster.objects.values_list("name", flat=True)) == ["deep", "top"]


def test_from_file_skips_comments_and_blank_lines(run_ingest, rasters, tmp_path):
    first, second = rasters("listed1.tif", "listed2.tif")
    listing = tmp_path / "list.txt"
    listing.write_text(
        f"# rasters to catalogue\n\n{first}\n   \n  # {tmp_path / 'nope.tif'}\n{second}  \n"
    )

    result = run_ingest("--from-file", str(listing))

    assert result.code == 0, result
    assert "summary: 2 ingested, 0 failed" in result.out
    assert sorted(Raster.objects.values_list("name", flat=True)) == ["listed1", "listed2"]


def test_from_file_dash_reads_stdin(run_ingest, rasters, monkeypatch):
    first, second = rasters("piped1.tif", "piped2.tif")
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{first}\n# skip me\n{second}\n"))

    result = run_ingest("--from-file", "-")

    assert result.code == 0, result
    assert "summary: 2 ingested, 0 failed" in result.out
    assert sorted(Raster.objects.values_list("name", flat=True)) == ["piped1", "piped2"]


def test_unreadable_list_is_an_error(run_ingest, tmp_path):
    result = run_ingest("--from-file", str(tmp_path / "absent.txt"))

    assert result.code == 1
    assert "--from-file: cannot read" in result.err
    assert not Raster.objects.exists()


def test_nothing_to_ingest_is_an_error(run_ingest, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()

    for args in ((), (str(empty),)):
        result = run_ingest(*args)
        assert result.code == 1
        assert "nothing to ingest" in result.err
    assert not Raster.objects.exists()


# --- options ----------------------------------------------------------------------------------


def test_collection_is_created_when_missing_and_assigned(run_ingest, rasters):
    first, second = rasters("c1.tif", "c2.tif")

    result = run_ingest(str(first), "--collection", "field-survey")

    assert result.code == 0, result
    assert "created collection field-survey" in result.out
    collection = Collection.objects.get(slug="field-survey")
    assert collection.name == "field-survey"
    assert Raster.objects.get().collection == collection

    again = run_ingest(str(second), "--collection", "field-survey")

    assert again.code == 0, again
    assert "created collection" not in again.out
    assert Collection.objects.count() == 1
    assert collection.rasters.count() == 2


def test_name_applies_to_one_source_only(run_ingest, rasters):
    first, second = rasters("n1.tif", "n2.tif")

    refused = run_ingest(str(first), str(second), "--name", "Both")

    assert refused.code == 1
    assert "--name applies to a single source; got 2" in refused.err
    assert not Raster.objects.exists()

    named = run_ingest(str(first), "--name", "Morning pass")

    assert named.code == 0, named
    assert Raster.objects.get().name == "Morning pass"


def test_acquired_at_is_set_and_checked(run_ingest, rasters):
    (path,) = rasters("dated.tif")

    bad = run_ingest(str(path), "--acquired-at", "last tuesday")

    assert bad.code == 1
    assert "--acquired-at" in bad.err and "'last tuesday'" in bad.err
    assert not Raster.objects.exists()

    good = run_ingest(str(path), "--acquired-at", "2024-03-05T10:30:00Z")

    assert good.code == 0, good
    assert Raster.objects.get().acquired_at == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)


def test_the_same_file_twice_is_already_present(run_ingest, rasters):
    (path,) = rasters("twice.tif")
    run_ingest(str(path))

    result = run_ingest(str(path))

    assert result.code == 0, result
    raster = Raster.objects.get()
    assert f"already present as raster {raster.pk} (twice), same checksum" in result.out
    assert "summary: 0 ingested, 1 already present, 0 failed" in result.out


def test_async_without_a_broker_ingests_here_and_reports_the_outcome(run_ingest, rasters, tmp_path):
    (path,) = rasters("queued.tif")
    broken = tmp_path / "broken.tif"
    broken.write_text("not a raster at all")

    result = run_ingest(str(path), str(broken), "--async", "--collection", "later")

    assert result.code == 1, result
    assert "no broker configured" in result.err
    assert "summary: 1 ingested, 1 failed" in result.out
    raster = Raster.objects.get()
    assert raster.status == Raster.Status.READY, raster.error
    assert raster.checksum_sha256 == _sha256(path)
    assert raster.collection.slug == "later"


# --- a real process ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_real_process_exit_code_and_summary(rasters, tmp_path, process_env):
    good, other = rasters("proc1.tif", "proc2.tif")
    broken = tmp_path / "broken.tif"
    broken.write_bytes(b"II*\x00 truncated nonsense")
    env = process_env
    command = [*MANAGE_PY, "ingest"]

    process = subprocess.run(
        [*command, str(good), str(broken), str(other)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert process.returncode == 1, process.stderr
    assert "summary: 2 ingested, 1 failed" in process.stdout
    assert "1 of 3 failed" in process.stderr
    assert sorted(Raster.objects.values_list("name", flat=True)) == ["proc1", "proc2"]

    process = subprocess.run(
        [*command, str(good)], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )

    assert process.returncode == 0, process.stderr
    assert "summary: 0 ingested, 1 already present, 0 failed" in process.stdout


# --- load_demo --------------------------------------------------------------------------------


def test_load_demo_ingests_four_kinds_idempotently(settings, tmp_path):
    settings.RASTERCATALOG_DEMO_DIR = tmp_path / "demo"
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    assert "created superuser admin" in out.getvalue()
    rasters = {r.name: r for r in Raster.objects.filter(collection__slug="demo")}
    assert len(rasters) == 4
    assert {r.status for r in rasters.values()} == {Raster.Status.READY}
    assert len({r.crs_epsg for r in rasters.values()}) >= 3

    rgb = rasters["rgb_utm33n"]
    assert (rgb.dtype, rgb.band_count) == ("Byte", 3)
    dem = rasters["dem_alps_wgs84"]
    assert dem.dtype == "Float32" and dem.nodata == -9999.0
    landcover = rasters["landcover_lisbon_mercator"]
    assert [b.color_interpretation for b in landcover.bands.all()] == ["palette"]

    fiji = rasters["bathymetry_fiji_utm60s"]
    assert fiji.bbox_west > fiji.bbox_east  # crosses the antimeridian
    assert 170 < fiji.bbox_west <= 180 and -180 <= fiji.bbox_east < -170
    assert len(fiji.footprint) == 2
    longitudes = [x for polygon in fiji.footprint for x, _ in polygon.exterior_ring.coords]
    assert all(-180 <= x <= 180 for x in longitudes)
    assert min(longitudes) == -180 or max(longitudes) == 180

    before = {name: (r.pk, r.checksum_sha256) for name, r in rasters.items()}
    again = io.StringIO()
    call_command("load_demo", stdout=again)

    assert again.getvalue().count("already present") == 4
    after = {
        r.name: (r.pk, r.checksum_sha256) for r in Raster.objects.filter(collection__slug="demo")
    }
    assert after == before
    assert Raster.objects.count() == 4
    assert Collection.objects.filter(slug="demo").count() == 1
    assert settings.RASTERCATALOG_DEMO_DIR.is_dir()
