"""gunicorn's production configuration: `gunicorn project.wsgi -c deploy/gunicorn.conf.py`.

Used by the Dockerfile, docker-compose.yml, `make serve` and bench/soak.py. Command-line options
given after `-c` win (e.g. `--workers 2 --bind 127.0.0.1:8000`).

Threads (README, "Deployment"): GUNICORN_THREADS requests at once per worker (more than 1:
gthread workers). Sync workers (1, the default) served local files best: in bench/soak.py
(50 clients, mixed requests, 120 s) 23,300 requests, p95 347 ms, against 19,300, p95 651 ms with
4 threads. Rasters read from an object store are another matter: a sync worker idles while GDAL
waits on each byte range, and with 20 ms a request 4 threads served 1.7-3.1 x the uncached tiles
(bench/tiles.py --latency-ms 20). Each thread opens sources of its own (render/source.py), so
settings.py keeps RASTERCATALOG_TILESOURCE_CACHE_SIZE sources per thread.

Memory (README, "Memory"): the caches of each worker are bounded by settings, and
- glibc's allocator is told to keep few arenas and to return freed large blocks to the system
  (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_). glibc reads those variables
  when a process starts, so they belong in the environment gunicorn is started with (Dockerfile
  ENV, deploy/gunicorn.env as a systemd EnvironmentFile); setting them here in `raw_env` would
  come too late. `post_fork` below applies the same values with mallopt(3) in each new worker, so
  a server started without them gets them anyway;
- a worker is replaced after `max_requests` requests (plus up to `max_requests_jitter`, so the
  workers do not restart together): a backstop against growth nobody has found yet.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))

# mallopt(3) parameters, and the values applied when the environment does not set them.
MALLOPT = {
    "MALLOC_ARENA_MAX": (-8, 2),
    "MALLOC_MMAP_THRESHOLD_": (-3, 4 * 1024 * 1024),
    "MALLOC_TRIM_THRESHOLD_": (-1, 4 * 1024 * 1024),
}


def post_fork(server, worker):
    """Apply the allocator settings in the new worker, before it serves anything."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return
    for name, (parameter, default) in MALLOPT.items():
        value = int(os.environ.get(name, default))
        if not mallopt(parameter, value):
            server.log.warning("mallopt(%s=%s) was refused", name, value)
