"""Hostile and broken files, crafted here, fed to every entry point: each is refused with its reason.

Every case goes through the operator's CLI (trusted), the service as the admin/API call it
(untrusted, the file under an allowed root), and the service with a pending placeholder row. All
three must fail with the same reason and leave nothing catalogued: no Raster or Band row, or only
the placeholder marked `failed` with the reason and nothing that ingestion would have filled in.
"""

from __future__ import annotations

import contextlib
import http.server
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, osr

from rastercatalog.catalog.ingest import IngestError, raster_create_pending, raster_ingest
from rastercatalog.models import Band, Raster

pytestmark = pytest.mark.django_db

GEOTRANSFORM = (10.0, 0.01, 0.0, 50.0, 0.0, -0.01)
NOT_ALLOWED = "driver {} is not allowed (the catalog reads GTiff only)"
UNREADABLE = "pixels cannot be read (corrupt or truncated data): "


@pytest.fixture(autouse=True)
def allowed_root(settings, tmp_path: Path) -> Path:
    """Untrusted callers may read tmp_path, where every hostile file is written."""
    settings.RASTERCATALOG_ALLOWED_LOCAL_ROOTS = [str(tmp_path)]
    return tmp_path


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep requests to 127.0.0.1 off any proxy the environment sets."""
    for key in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(key, "127.0.0.1,localhost")


def assert_nothing_catalogued() -> None:
    assert not Raster.objects.exists()
    assert not Band.objects.exists()


@pytest.fixture
def refused_everywhere(run_ingest) -> Callable[[Path], str]:
    """Ingest `path` through the CLI, the untrusted service and a placeholder; return the reason.

    Each must fail with one and the same reason and leave nothing behind but a failed placeholder.
    """

    def check(path: Path) -> str:
        # 1. The operator's CLI (trusted).
        cli = run_ingest(str(path))
        assert cli.code == 1, cli
        assert "summary: 0 ingested, 1 failed" in cli.out, cli
        match = re.search(rf"^\s+failed  {re.escape(str(path))}: (.+)$", cli.out, re.MULTILINE)
        assert match, cli
        reason = match.group(1)
        assert_nothing_catalogued()

        # 2. The service, untrusted, as the admin and the API call it.
        with pytest.raises(IngestError) as caught:
            raster_ingest(uri=str(path), trusted=False)
        assert caught.value.reason == reason
        assert caught.value.raster is None
        assert_nothing_catalogued()

        # 3. A pending placeholder (admin with a worker): kept, failed, with the reason only.
        pending = raster_create_pending(uri=str(path), trusted=False)
        with pytest.raises(IngestError) as caught:
            raster_ingest(uri=str(path), trusted=False, placeholder=pending)
        assert caught.value.reason == reason
        assert caught.value.raster.pk == pending.pk
        row = Raster.objects.get()
        assert row.pk == pending.pk
        assert row.status == Raster.Status.FAILED
        assert row.error == reason
        assert row.checksum_sha256 is None
        assert row.footprint is None
        assert row.bbox is None
        assert (row.width, row.height, row.band_count) == (None, None, None)
        assert row.is_cog is None
        assert not Band.objects.exists()
        row.delete()
        return reason

    return check


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def tile_range(
    path: Path, column: int, row: int, *, overview: int | None = None
) -> tuple[int, int]:
    """(offset, size) in bytes of one tile of band 1 (all bands, pixel-interleaved)."""
    dataset = gdal.Open(str(path))  # keep a reference: a band outlives its dataset only in a crash
    band = dataset.GetRasterBand(1)
    if overview is not None:
        band = band.GetOverview(overview)
    offset = band.GetMetadataItem(f"BLOCK_OFFSET_{column}_{row}", "TIFF")
    size = band.GetMetadataItem(f"BLOCK_SIZE_{column}_{row}", "TIFF")
    return int(offset), int(size)


def overwrite_middle(path: Path, offset: int, size: int, length: int = 64) -> None:
    """Overwrite `length` bytes in the middle of [offset, offset + size): same size, bad data."""
    with path.open("r+b") as handle:
        handle.seek(offset + size // 2)
        handle.write(b"\xff" * length)


def noise(size: int, seed: int = 0) -> np.ndarray:
    """3 x size x size uint8 noise: incompressible, so tiles are large and truncation cuts them."""
    return np.random.default_rng(seed).integers(0, 256, (3, size, size), dtype=np.uint8)


# --- formats that point elsewhere ---------------------------------------------------------------

VRT_RAW = """<VRTDataset rasterXSize="16" rasterYSize="4">
  <GeoTransform>10.0, 0.01, 0.0, 50.0, 0.0, -0.01</GeoTransform>
  <VRTRasterBand dataType="Byte" band="1" subClass="VRTRawRasterBand">
    <SourceFilename relativetoVRT="0">/etc/passwd</SourceFilename>
    <ImageOffset>0</ImageOffset>
    <PixelOffset>1</PixelOffset>
    <LineOffset>16</LineOffset>
  </VRTRasterBand>
</VRTDataset>
"""

VRT_SIMPLE_SOURCE = """<VRTDataset rasterXSize="16" rasterYSize="4">
  <VRTRasterBand dataType="Byte" band="1">
    <SimpleSource>
      <SourceFilename relativeToVRT="0">/etc/passwd</SourceFilename>
      <SourceBand>1</SourceBand>
    </SimpleSource>
  </VRTRasterBand>
</VRTDataset>
"""


@pytest.mark.parametrize("vrt", [VRT_RAW, VRT_SIMPLE_SOURCE], ids=["raw-band", "simple-source"])
def test_vrt_renamed_tif_pointing_at_etc_passwd(refused_everywhere, tmp_path, vrt):
    path = write_text(tmp_path / "innocent.tif", vrt)

    reason = refused_everywhere(path)

    assert reason == NOT_ALLOWED.format("VRT")
    assert list(tmp_path.rglob("*.aux.xml")) == []
    assert not Path("/etc/passwd.aux.xml").exists()


def test_the_raw_vrt_really_reads_etc_passwd_when_gdal_is_left_alone(tmp_path):
    """Control: the file above is hostile — without the allow-list GDAL returns /etc/passwd."""
    path = write_text(tmp_path / "innocent.tif", VRT_RAW)

    pixels = gdal.Open(str(path)).ReadRaster(0, 0, 16, 1)

    assert pixels == Path("/etc/passwd").read_bytes()[:16]


def wms_xml(port: int) -> str:
    return f"""<GDAL_WMS>
  <Service name="TMS"><ServerUrl>http://127.0.0.1:{port}/${{z}}/${{x}}/${{y}}.png</ServerUrl></Service>
  <DataWindow>
    <UpperLeftX>-20037508.34</UpperLeftX><UpperLeftY>20037508.34</UpperLeftY>
    <LowerRightX>20037508.34</LowerRightX><LowerRightY>-20037508.34</LowerRightY>
    <TileLevel>2</TileLevel><TileCountX>1</TileCountX><TileCountY>1</TileCountY>
    <YOrigin>top</YOrigin>
  </DataWindow>
  <Projection>EPSG:3857</Projection>
  <BlockSizeX>256</BlockSizeX><BlockSizeY>256</BlockSizeY>
  <BandsCount>3</BandsCount>
</GDAL_WMS>
"""


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP socket listening on 127.0.0.1 that nobody accepts from: connections queue up."""
    server = socket.create_server(("127.0.0.1", 0))
    server.listen(16)
    try:
        yield server
    finally:
        server.close()


def connections_waiting(server: socket.socket) -> int:
    """How many connections reached `server` (the kernel completes them without accept())."""
    server.setblocking(False)
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def test_wms_description_renamed_tif_makes_no_connection(refused_everywhere, tmp_path, listener):
    path = write_text(tmp_path / "tiles.tif", wms_xml(listener.getsockname()[1]))

    reason = refused_everywhere(path)

    assert reason == NOT_ALLOWED.format("WMS")
    assert connections_waiting(listener) == 0


def test_the_wms_file_really_connects_when_gdal_is_left_alone(tmp_path, listener):
    """Control: the file above is hostile — without the allow-list GDAL dials the listener."""
    path = write_text(tmp_path / "tiles.tif", wms_xml(listener.getsockname()[1]))

    def hang_up() -> None:  # answer nothing, so GDAL fails fast instead of waiting for a timeout
        with contextlib.suppress(OSError):
            connection, _ = listener.accept()
            connection.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    dataset = gdal.Open(str(path))
    assert dataset.GetDriver().ShortName == "WMS"
    with contextlib.suppress(RuntimeError):
        dataset.ReadRaster(0, 0, 16, 16)
    thread.join(10)

    assert not thread.is_alive(), "GDAL never connected to the listener"


MRF_HEADER = """<MRF_META>
  <Raster>
    <Size x="256" y="256" c="1" />
    <PageSize x="256" y="256" c="1" />
    <DataType>Byte</DataType>
    <DataFile>/etc/passwd</DataFile>
    <IndexFile>/etc/passwd</IndexFile>
  </Raster>
  <GeoTags><BoundingBox minx="0" miny="0" maxx="1" maxy="1" /></GeoTags>
</MRF_META>
"""


def test_mrf_header_renamed_tif(refused_everywhere, tmp_path):
    path = write_text(tmp_path / "meta.tif", MRF_HEADER)

    assert gdal.IdentifyDriverEx(str(path), gdal.OF_RASTER).ShortName == "MRF"
    assert refused_everywhere(path) == NOT_ALLOWED.format("MRF")


# --- not rasters, other rasters ----------------------------------------------------------------


def test_empty_file(refused_everywhere, tmp_path):
    path = tmp_path / "empty.tif"
    path.write_bytes(b"")

    assert refused_everywhere(path) == "empty file (0 bytes): not a raster"


def test_text_file(refused_everywhere, tmp_path):
    path = write_text(tmp_path / "notes.tif", "Field notes, 12 June: two scenes over the Alps.\n")

    assert refused_everywhere(path) == (
        "not a raster: GDAL recognises no raster format in this file"
    )


@pytest.mark.parametrize("driver", ["PNG", "JPEG"])
def test_other_image_formats_renamed_tif(refused_everywhere, tmp_path, driver):
    memory = gdal.GetDriverByName("MEM").Create("", 64, 64, 3, gdal.GDT_Byte)
    for index, band in enumerate(noise(64), start=1):
        memory.GetRasterBand(index).WriteArray(band)
    memory.SetGeoTransform(GEOTRANSFORM)
    path = tmp_path / f"photo-{driver.lower()}.tif"
    gdal.GetDriverByName(driver).CreateCopy(str(path), memory)
    for sidecar in tmp_path.glob("*.aux.xml"):  # a world file or PAM sidecar would only help it
        sidecar.unlink()

    assert refused_everywhere(path) == NOT_ALLOWED.format(driver)


# --- broken GeoTIFFs ----------------------------------------------------------------------------


def test_truncated_cog(refused_everywhere, write_raster):
    path = write_raster("cut.tif", noise(1024), cog=True)
    size = int(path.stat().st_size * 0.6)
    with path.open("r+b") as handle:
        handle.truncate(size)

    reason = refused_everywhere(path)

    assert re.fullmatch(
        rf"file truncated at tile \d+ \(level 1024x1024\): it needs bytes up to \d+ "
        rf"but the file has {size}",
        reason,
    ), reason


def test_cog_with_a_corrupt_tile_is_refused(refused_everywhere, write_raster):
    """1024 px: statistics read every pixel, so a damaged tile fails the read."""
    path = write_raster("damaged.tif", noise(1024), cog=True)
    size = path.stat().st_size
    overwrite_middle(path, *tile_range(path, 1, 1))
    assert path.stat().st_size == size  # damaged, not truncated: the structure check passes

    reason = refused_everywhere(path)

    assert reason.startswith(UNREADABLE), reason
    assert "IReadBlock failed at X offset 1, Y offset 1" in reason
    assert "TIFFReadEncodedTile() failed" in reason


def test_large_cog_with_a_corrupt_tile_on_the_statistics_level_is_refused(
    refused_everywhere, write_raster
):
    """2048 px: statistics read the 1024 px overview, so damage there is found."""
    path = write_raster("damaged-overview.tif", noise(2048), cog=True)
    dataset = gdal.Open(str(path))
    assert dataset.GetRasterBand(1).GetOverview(0).XSize == 1024
    dataset = None
    overwrite_middle(path, *tile_range(path, 1, 1, overview=0))

    reason = refused_everywhere(path)

    assert reason.startswith(UNREADABLE), reason
    assert "IReadBlock failed at X offset 1, Y offset 1" in reason
    assert "TIFFReadEncodedTile() failed" in reason


def test_large_cog_with_a_corrupt_full_resolution_tile_is_refused(refused_everywhere, write_raster):
    """2048 px: statistics never touch full resolution; only a full decode pass finds this tile."""
    path = write_raster("damaged-full.tif", noise(2048), cog=True)
    overwrite_middle(path, *tile_range(path, 1, 1))

    reason = refused_everywhere(path)

    assert reason.startswith("pixels cannot be read"), reason
    assert "IReadBlock failed at X offset 1, Y offset 1" in reason
    assert "TIFFReadEncodedTile() failed" in reason


def test_sparse_giant_tiff_is_refused_quickly(refused_everywhere, settings, tmp_path):
    settings.RASTERCATALOG_MAX_PIXELS = 10_000_000_000
    path = tmp_path / "giant.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), 200000, 200000, 1, gdal.GDT_Byte, ["TILED=YES", "SPARSE_OK=TRUE"]
    )
    dataset.SetGeoTransform(GEOTRANSFORM)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    dataset.SetSpatialRef(srs)
    dataset = None
    assert path.stat().st_size < 20 * 1024 * 1024  # a few MB of tile tables, no pixels

    started = time.monotonic()
    reason = refused_everywhere(path)
    elapsed = time.monotonic() - started

    assert reason == (
        "raster is 200000x200000 pixels (4e+10), more than RASTERCATALOG_MAX_PIXELS (1e+10)"
    )
    assert elapsed < 2 * 3, f"three refusals took {elapsed:.1f} s"  # < 2 s each


# --- rasters the catalog cannot place -----------------------------------------------------------


def test_plain_tiff_without_georeferencing(refused_everywhere, tmp_path):
    path = tmp_path / "plain.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 50, 40, 1, gdal.GDT_Byte)
    dataset.GetRasterBand(1).Fill(7)
    dataset = None

    assert refused_everywhere(path) == "no georeferencing: the file has no geotransform"


def test_geotransform_without_crs(refused_everywhere, write_raster, ramp_u8):
    path = write_raster("nocrs.tif", ramp_u8, epsg=None)

    assert refused_everywhere(path) == (
        "no georeferencing: the file has a geotransform but no coordinate reference system"
    )


def test_ground_control_points_only(refused_everywhere, tmp_path):
    path = tmp_path / "gcps.tif"
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 50, 40, 1, gdal.GDT_Byte)
    dataset.GetRasterBand(1).Fill(7)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    gcps = [gdal.GCP(10 + x / 100, 50 - y / 100, 0, x, y) for x, y in [(0, 0), (50, 0), (0, 40)]]
    dataset.SetGCPs(gcps, srs)
    dataset = None

    assert refused_everywhere(path) == (
        "no georeferencing: the file has only ground control points; warp it first"
    )


def test_every_pixel_nodata(refused_everywhere, write_raster):
    path = write_raster("void.tif", np.full((3, 40, 50), 255, dtype=np.uint8), nodata=255)

    assert refused_everywhere(path) == "no valid pixels: every pixel is nodata or masked"


def test_every_pixel_nan(refused_everywhere, write_raster):
    path = write_raster("nan.tif", np.full((40, 50), np.nan, dtype=np.float32))

    assert refused_everywhere(path) == "no valid pixels: every pixel is nodata or masked"


# --- remote sources that lead elsewhere ---------------------------------------------------------


@contextlib.contextmanager
def serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known gap: GDAL 3.6's /vsicurl/ follows HTTP redirects and has no option to stop, so an "
        "allowed host can send the reader to a host the allow-list refuses (e.g. 169.254.169.254)"
    ),
)
def test_redirect_from_an_allowed_host_to_a_refused_one_is_not_followed(settings):
    settings.RASTERCATALOG_ALLOWED_HTTP_HOSTS = ["localhost"]  # 127.0.0.1 itself is not allowed
    reached: list[str] = []

    class Target(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reached.append(self.path)
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    with serve(Target) as target_port:

        class Redirect(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{target_port}/secret")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        with serve(Redirect) as port, pytest.raises(IngestError):
            raster_ingest(uri=f"http://localhost:{port}/scene-{port}.tif", trusted=False)

    assert_nothing_catalogued()
    assert reached == []
