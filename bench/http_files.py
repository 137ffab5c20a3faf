"""Files over HTTP with byte ranges and a fixed delay per request: an object store's latency.

For bench/tiles.py --latency-ms: rasters read in place from S3 or an HTTP server wait on the
network for each range GDAL fetches (tens of milliseconds from a bucket), which local files hide.
A threaded server on 127.0.0.1, in processes of its own (so that the benchmark's clients do not
share its interpreter), answers HEAD and GET, honours one `Range: bytes=a-b` (what GDAL's
/vsicurl/ sends) and sleeps `delay` seconds before each answer.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")
PROCESSES = 4  # sharing the port (SO_REUSEPORT): the kernel spreads connections over them


@contextmanager
def files_served(directory: Path, *, delay: float) -> Iterator[str]:
    """Serve `directory` until the block ends; yield its base URL (ending in /)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, __file__, str(directory.resolve()), str(delay), str(port)]
    processes = [subprocess.Popen(command, start_new_session=True) for _ in range(PROCESSES)]
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the file server did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/"
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()


def _serve(directory: Path, delay: float, port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as GDAL's curl expects

        def do_HEAD(self) -> None:  # noqa: N802 (http.server's naming)
            self._answer(body=False)

        def do_GET(self) -> None:  # noqa: N802
            self._answer(body=True)

        def _answer(self, *, body: bool) -> None:
            time.sleep(delay)
            path = directory / self.path.lstrip("/").split("?")[0]
            if not path.is_file() or directory not in path.resolve().parents:
                self.send_error(404)
                return
            size = path.stat().st_size
            start, end = 0, size - 1
            match = _RANGE.match(self.headers.get("Range", ""))
            if match:
                start = int(match.group(1))
                end = min(int(match.group(2) or size - 1), size - 1)
            self.send_response(206 if match else 200)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(end - start + 1))
            if match:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.end_headers()
            if body:
                with path.open("rb") as handle:
                    self.connection.sendfile(handle, start, end - start + 1)

        def log_message(self, *args) -> None:  # quiet
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def server_bind(self) -> None:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            super().server_bind()

    Server(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    _serve(Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]))
