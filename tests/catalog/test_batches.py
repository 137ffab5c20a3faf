"""Batches of real-world files: one file's failure, whatever its cause, never stops the others."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from rastercatalog.catalog import inspection
from rastercatalog.catalog.ingest import raster_create_pending
from rastercatalog.models import Raster
from rastercatalog.tasks import raster_ingest_pending_task

from ..conftest import BASE_DIR, MANAGE_PY
from .test_crs_families import (
    EUROPA,
    GOES_EAST,
    HIMAWARI,
    disk_values,
    full_disk_geotransform,
)
from .test_ingest import UTM33_GT

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_folder(write_raster, ramp_u8, tmp_path) -> Path:
    """A folder of 5 good, 4 bad and 2 odd-but-valid files, in an order that puts an odd one 4th."""
    folder = tmp_path / "batch"
    folder.mkdir()

    def put(name: str, array, **kwargs) -> Path:
        path = write_raster(name, array, **kwargs)
        return path.rename(folder / name)

    put("a_wgs84.tif", ramp_u8)
    put("b_utm.tif", ramp_u8 + 1, epsg=32633, geotransform=UTM33_GT)
    put("c_europa.tif", ramp_u8, crs=EUROPA, geotransform=(0.0, 5000.0, 0.0, 0.0, 0.0, -5000.0))
    put("d_goes_full_disk.tif", disk_values(off_disk_fill=None), crs=GOES_EAST,
        geotransform=full_disk_geotransform())  # fmt: skip
    put("e_himawari.tif", disk_values(off_disk_fill=0), crs=HIMAWARI,
        geotransform=full_disk_geotransform(), nodata=0)  # fmt: skip
    put("f_all_nodata.tif", np.zeros((20, 30), np.uint8), nodata=0)
    (folder / "g_notes.tif").write_text("not a raster at all")
    truncated = put("h_truncated.tif", ramp_u8 + 2, cog=True)
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    put("i_polar.tif", ramp_u8 + 3, epsg=3413,
        geotransform=(-1500000.0, 10000.0, 0.0, 1000000.0, 0.0, -10000.0))  # fmt: skip
    put("j_boom.tif", ramp_u8 + 4)
    put("k_last.tif", ramp_u8 + 5)
    return folder


GOOD = {"a_wgs84", "b_utm", "d_goes_full_disk", "e_himawari", "i_polar", "k_last"}
REFUSED = {
    "c_europa": "is not on the Earth",
    "f_all_nodata": "no valid pixels",
    "g_notes": "not a raster",
    "h_truncated": "",
}


@pytest.fixture
def boom_on_j(monkeypatch):
    """Make inspection of j_boom.tif raise a bug of ours (a ZeroDivisionError)."""
    real = inspection.raster_inspect

    def inspect(dataset):
        if dataset.GetDescription().endswith("j_boom.tif"):
            raise ZeroDivisionError("simulated bug")
        return real(dataset)

    monkeypatch.setattr("rastercatalog.catalog.ingest.raster_inspect", inspect)


@pytest.mark.parametrize("how", ["folder", "recursive", "from-file"])
def test_mixed_batch_ingests_every_good_file_and_names_every_failure(
    run_ingest, mixed_folder, boom_on_j, how, tmp_path
):
    if how == "folder":
        args = [str(mixed_folder)]
    elif how == "recursive":
        args = ["--recursive", str(mixed_folder.parent)]
    else:
        listing = tmp_path / "list.txt"
        listing.write_text("\n".join(sorted(str(p) for p in mixed_folder.iterdir())))
        args = ["--from-file", str(listing)]

    result = run_ingest(*args)

    assert result.code == 1
    assert "summary: 6 ingested, 5 failed" in result.out, result.out
    ready = set(Raster.objects.filter(status=Raster.Status.READY).values_list("name", flat=True))
    assert ready == GOOD
    lines = {line.split(":")[0].split("/")[-1]: line for line in result.out.splitlines()}
    for name, reason in REFUSED.items():
        assert lines[f"{name}.tif"].lstrip().startswith("failed"), lines
        assert reason in lines[f"{name}.tif"]
        assert "internal error" not in lines[f"{name}.tif"]
    assert (
        "internal error while ingesting (ZeroDivisionError: simulated bug)" in lines["j_boom.tif"]
    )
    assert "Traceback" not in result.err  # -v 2 shows it; the log always has it


def test_verbosity_2_prints_the_traceback_of_an_internal_error(run_ingest, mixed_folder, boom_on_j):
    result = run_ingest(
        "-v", "2", str(mixed_folder / "j_boom.tif"), str(mixed_folder / "k_last.tif")
    )

    assert result.code == 1 and "summary: 1 ingested, 1 failed" in result.out
    assert "Traceback (most recent call last)" in result.err
    assert "ZeroDivisionError: simulated bug" in result.err


def test_worker_marks_an_internal_error_failed_with_the_reason(write_raster, ramp_u8, monkeypatch):
    path = write_raster("j_boom.tif", ramp_u8)
    pending = raster_create_pending(uri=str(path), trusted=True)
    monkeypatch.setattr(
        "rastercatalog.catalog.ingest.raster_inspect",
        lambda dataset: (_ for _ in ()).throw(ZeroDivisionError("simulated bug")),
    )

    outcome = raster_ingest_pending_task(pending.pk)

    assert outcome["status"] == "failed"
    pending.refresh_from_db()
    assert pending.status == Raster.Status.FAILED
    assert pending.error == "internal error while ingesting (ZeroDivisionError: simulated bug)"


@pytest.mark.django_db(transaction=True)
def test_real_process_goes_past_a_geostationary_file(mixed_folder, process_env):
    """The first-contact failure: a real `manage.py ingest folder/*` with a GOES disk 4th."""
    files = sorted(str(p) for p in mixed_folder.iterdir() if "boom" not in p.name)

    done = subprocess.run(
        [*MANAGE_PY, "ingest", *files],
        cwd=BASE_DIR, env=process_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert done.returncode == 1, done.stderr
    assert "summary: 6 ingested, 4 failed" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr  # no internal error among these files
    ready = set(Raster.objects.filter(status=Raster.Status.READY).values_list("name", flat=True))
    assert ready == GOOD
