"""CORS in a real browser: a page on a second loopback origin reads tiles and STAC search results.

The page is served by another HTTP server (another port: another origin). Chromium enforces the
policy itself, so what the page can read is what a web map elsewhere could read.
"""

from __future__ import annotations

import http.server
from pathlib import Path

import pytest

from rastercatalog.catalog.ingest import raster_ingest
from rastercatalog.geo.webmercator import tile_for_lonlat
from tests.api.conftest import INDEX_GEOTRANSFORM, index_array
from tests.servers import http_server

from .conftest import offline_context

pytestmark = pytest.mark.django_db(transaction=True)


class PageHandler(http.server.SimpleHTTPRequestHandler):
    """Serve the page as text/html (the shared test server answers image/tiff)."""

    def __init__(self, *args, log: list, prefix: str, **kwargs) -> None:
        self._prefix = prefix
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        return super().translate_path(path.removeprefix(self._prefix))

    def log_message(self, format: str, *args) -> None:
        pass


PAGE = """<!doctype html><html><body><script>
window.results = (async () => {
  const out = {};
  const search = await fetch(API + "/stac/search?limit=5");
  out.search = (await search.json()).features.map((f) => f.properties.title);
  const post = await fetch(API + "/stac/search", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({limit: 5}),
  });
  out.post = (await post.json()).features.length;
  const image = new Image();
  image.crossOrigin = "anonymous";
  image.src = TILE;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 256;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  // Reading pixels of a cross-origin image throws unless the tile was served with CORS.
  const pixels = context.getImageData(0, 0, 256, 256).data;
  let opaque = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) opaque++;
  out.opaque = opaque;
  try {
    await fetch(API + "/api/rasters/", {credentials: "include"});
    out.credentialed = "read";
  } catch (error) {
    out.credentialed = "blocked";
  }
  return out;
})();
</script></body></html>"""


def test_a_page_elsewhere_reads_tiles_and_stac(browser, live_server, write_raster, tmp_path: Path):
    path = write_raster(
        "index.tif", index_array(), epsg=32633, geotransform=INDEX_GEOTRANSFORM, nodata=0, cog=True
    )
    raster = raster_ingest(uri=str(path), trusted=True).raster
    west, south, east, north = raster.bbox
    tile, _, _ = tile_for_lonlat((west + east) / 2, (south + north) / 2, 14)
    tile_url = f"{live_server.url}/api/rasters/{raster.pk}/tiles/{tile.z}/{tile.x}/{tile.y}.png"
    site = tmp_path / "site"
    site.mkdir()
    script = f"<script>const API = {live_server.url!r}; const TILE = {tile_url!r};</script>"
    (site / "index.html").write_text(PAGE.replace("<body>", "<body>" + script))
    with http_server(site, handler_class=PageHandler) as other:
        page_url = other.url("index.html")
        assert page_url.split("/")[2] != live_server.url.split("/")[2]  # another origin
        context = offline_context(browser, width=800, height=600)
        try:
            page = context.new_page()
            page.goto(page_url)
            results = page.evaluate("window.results")
        finally:
            context.close()
    assert results["search"] == [raster.name]
    assert results["post"] == 1
    assert results["opaque"] > 1000
    # The catalog API with credentials is for the listed origins only (none here).
    assert results["credentialed"] == "blocked"
