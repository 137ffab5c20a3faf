"""Real servers for remote-read tests: a Range-capable static HTTP server and moto's S3 server.

Both listen on 127.0.0.1 on a free port and run in a daemon thread of the test process, so GDAL's
/vsicurl/ and /vsis3/ talk to them over real sockets. Use them as context managers.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest
from osgeo import gdal

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
S3_ACCESS_KEY = "testing"
S3_SECRET_KEY = "testing"  # noqa: S105 (moto accepts any credentials)
S3_REGION = "us-east-1"


class RangeRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Serve a directory, honouring a single `Range: bytes=a-b` with 206 and Content-Range."""

    # HTTP/1.1 keeps GDAL's curl connection open between range requests, as real servers do.
    protocol_version = "HTTP/1.1"

    def __init__(self, *args, log: list, prefix: str, **kwargs) -> None:
        self._log, self._prefix = log, prefix
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:
        pass  # keep pytest output clean; requests are recorded in `log` instead

    def send_head(self):
        self._log.append((self.command, self.path, self.headers.get("Range")))
        inside = self.path.startswith(self._prefix + "/")
        path = Path(self.translate_path(self.path[len(self._prefix) :])) if inside else None
        if path is None or not path.is_file():
            self.send_error(404, "File not found")
            return None
        size = path.stat().st_size
        first, last = 0, size - 1
        header = self.headers.get("Range")
        if header:
            span = self._parse_range(header, size)
            if span is None:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            first, last = span
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        else:
            self.send_response(200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "image/tiff")
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        handle = path.open("rb")
        handle.seek(first)
        self._remaining = last - first + 1
        return handle

    def copyfile(self, source, outputfile) -> None:
        # Send only the requested span, not the rest of the file.
        try:
            while self._remaining > 0:
                chunk = source.read(min(64 * 1024, self._remaining))
                if not chunk:
                    break
                outputfile.write(chunk)
                self._remaining -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            # With CPL_VSIL_CURL_USE_HEAD=NO, GDAL learns the size from a GET and hangs up.
            self.close_connection = True

    @staticmethod
    def _parse_range(header: str, size: int) -> tuple[int, int] | None:
        match = _RANGE.match(header.strip())
        if not match or match.groups() == ("", ""):
            return None
        start, end = match.groups()
        if start == "":  # suffix range: the last N bytes
            first, last = max(size - int(end), 0), size - 1
        else:
            first, last = int(start), min(int(end), size - 1) if end else size - 1
        if first >= size or first > last:
            return None
        return first, last


@dataclass
class HttpServer:
    root: Path
    port: int
    prefix: str
    requests: list = field(default_factory=list)  # (method, path, Range header or None)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}/{name}"


@contextlib.contextmanager
def http_server(root: Path, handler_class=RangeRequestHandler) -> Iterator[HttpServer]:
    """Serve `root` on 127.0.0.1 (free port) with Range support until the block ends."""
    log: list = []
    # GDAL caches sizes and 404s per URL for the whole process, and a later server may get the same
    # port: a unique path prefix keeps one server's files from being mistaken for another's.
    prefix = f"/{uuid.uuid4().hex[:12]}"
    handler = partial(handler_class, directory=str(root), log=log, prefix=prefix)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield HttpServer(root=root, port=httpd.server_address[1], prefix=prefix, requests=log)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@dataclass
class S3Server:
    port: int
    bucket: str
    client: object  # boto3 S3 client bound to the server

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def upload(self, path: Path, key: str | None = None) -> str:
        """Upload `path` to the bucket and return its s3:// URI."""
        key = key or path.name
        self.client.upload_file(str(path), self.bucket, key)
        return f"s3://{self.bucket}/{key}"

    def gdal_env(self) -> dict[str, str]:
        """The options GDAL's /vsis3/ needs to reach this server instead of AWS."""
        return {
            "AWS_S3_ENDPOINT": self.endpoint,
            "AWS_HTTPS": "NO",
            "AWS_VIRTUAL_HOSTING": "FALSE",
            "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
            "AWS_REGION": S3_REGION,
        }


@contextlib.contextmanager
def s3_server(files: Iterable[Path] = (), bucket: str | None = None) -> Iterator[S3Server]:
    """Run moto's S3 server on 127.0.0.1 (free port) with one bucket holding `files`."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    # A fresh name per server: moto's state lives in this process and outlives the server.
    bucket = bucket or f"rc-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name=S3_REGION,
    )
    try:
        client.create_bucket(Bucket=bucket)
        s3 = S3Server(port=port, bucket=bucket, client=client)
        for path in files:
            s3.upload(path)
        yield s3
    finally:
        server.stop()


@contextlib.contextmanager
def s3_for_gdal(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Server]:
    """moto's S3 server, with both GDALs' /vsis3/ pointed at it for the duration."""
    # Settings that would make GDAL sign differently or look for other credentials.
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_NO_SIGN_REQUEST"):
        monkeypatch.delenv(key, raising=False)
    with s3_server() as server:
        options = server.gdal_env()
        # Rasterio's bundled GDAL (rio-cogeo) reads these from the environment; osgeo's GDAL
        # also gets them as config options, so neither depends on when the other looked.
        for key, value in options.items():
            monkeypatch.setenv(key, value)
            gdal.SetConfigOption(key, value)
        try:
            yield server
        finally:
            for key in options:
                gdal.SetConfigOption(key, None)
