"""Files over HTTP with byte ranges and a fixed delay per request: an object store's latency.

For bench/tiles.py --latency-ms: rasters read in place from S3 or an HTTP server wait on the
network for each range GDAL fetches (tens of milliseconds from a bucket), which local files hide.
A threaded server on 127.0.0.1 answers HEAD and GET, honours one `Range: bytes=a-b` (what GDAL's
/vsicurl/ sends) and sleeps `delay` seconds before each answer.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_RANGE = re.compile(r"bytes=(\d+)-(\d*)$")


@contextmanager
def files_served(directory: Path, *, delay: float) -> Iterator[str]:
    """Serve `directory` until the block ends; yield its base URL (ending in /)."""

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
                    handle.seek(start)
                    self.wfile.write(handle.read(end - start + 1))

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
