"""Killing an ingestion mid-way leaves nothing behind: the only write is the final transaction."""

from __future__ import annotations

import http.server
import signal
import subprocess
import threading
import time

import pytest

from rastercatalog.models import Band, Raster

from ..conftest import BASE_DIR, MANAGE_PY


class StallingHandler(http.server.BaseHTTPRequestHandler):
    """Promise a 4 MB file, send 64 KB of it, then stall: the ingest is stuck mid-checksum."""

    protocol_version = "HTTP/1.1"
    started = threading.Event()
    release = threading.Event()

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(4 * 1024 * 1024))
        self.end_headers()
        self.wfile.write(b"II*\x00" + b"\x00" * (64 * 1024 - 4))
        self.wfile.flush()
        type(self).started.set()
        type(self).release.wait(timeout=30)


@pytest.fixture
def stalling_server():
    StallingHandler.started.clear()
    StallingHandler.release.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StallingHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/scene.tif"
    StallingHandler.release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_ingest_leaves_no_row(stalling_server, process_env):
    process = subprocess.Popen(
        [*MANAGE_PY, "ingest", stalling_server],
        cwd=BASE_DIR,
        env=process_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert StallingHandler.started.wait(timeout=30), "the ingest never reached the server"
        time.sleep(0.2)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == -signal.SIGKILL
    assert Raster.objects.count() == 0 and Band.objects.count() == 0
