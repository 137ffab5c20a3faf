"""TiTiler for the benchmarks: its throwaway venv outside the project, and uvicorn serving it."""

from __future__ import annotations

import json
import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

from servers import free_port, process

TITILER_APP = (
    "from fastapi import FastAPI\nfrom titiler.core.factory import TilerFactory\n"
    "app = FastAPI()\napp.include_router(TilerFactory().router, prefix='/cog')\n"
)
MOSAIC_APP = (
    "from fastapi import FastAPI\n"
    "from cogeo_mosaic.backends import MosaicBackend\n"
    "from titiler.mosaic.factory import MosaicTilerFactory\n"
    "app = FastAPI()\n"
    "app.include_router(MosaicTilerFactory(backend=MosaicBackend).router, prefix='/mosaicjson')\n"
)
MOSAICJSON_SCRIPT = (
    "import json, sys\n"
    "from cogeo_mosaic.mosaic import MosaicJSON\n"
    "paths, out = json.load(sys.stdin), sys.argv[1]\n"
    "mosaic = MosaicJSON.from_urls(paths, quiet=True)\n"
    "open(out, 'w').write(mosaic.model_dump_json(exclude_none=True))\n"
)


def titiler_python(venv: Path) -> Path:
    """The venv's interpreter, with titiler.core and uvicorn installed on first use."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(
            f"installing titiler.core and uvicorn into {venv} (outside the project) …", flush=True
        )
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "titiler.core", "uvicorn"], check=True
        )
    return python


def titiler_mosaic_python(venv: Path) -> Path:
    """The venv's interpreter, with titiler.mosaic and cogeo-mosaic installed when missing."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run(["/usr/bin/python3", "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-c", "import titiler.mosaic, cogeo_mosaic, uvicorn"])
    if probe.returncode != 0:
        print(f"installing titiler.mosaic and cogeo-mosaic into {venv} (outside the project) …")
        packages = ["titiler.core", "titiler.mosaic", "cogeo-mosaic", "uvicorn"]
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    return python


@contextmanager
def serve_titiler(python: Path, directory: Path, *, mosaic: bool = False, cache_mb: int = 64):
    """uvicorn (2 workers) serving TiTiler (or its mosaic) on a free loopback port; yield it.

    `cache_mb`: GDAL's block cache per worker, as our server gets (bench/servers.py).
    """
    module = "bench_titiler_mosaic_app" if mosaic else "bench_titiler_app"
    (directory / f"{module}.py").write_text(MOSAIC_APP if mosaic else TITILER_APP)
    port = free_port()
    env = {
        **os.environ,
        "GDAL_CACHEMAX": str(cache_mb),
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    }
    env["PYTHONWARNINGS"] = "ignore"  # rasterio warns that a PNG tile has no georeferencing
    command = [str(python), "-m", "uvicorn", f"{module}:app", "--workers", "2"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command += ["--no-access-log"]
    with process(command, directory, env, port, "/openapi.json"):
        yield port


def mosaicjson(python: Path, paths: list, out: Path) -> Path:
    """A MosaicJSON of `paths` (first = top) made by cogeo-mosaic, once."""
    if not out.exists():
        subprocess.run(
            [str(python), "-c", MOSAICJSON_SCRIPT, str(out)],
            input=json.dumps([str(p) for p in paths]),
            text=True,
            check=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    return out
