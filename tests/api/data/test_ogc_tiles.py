"""WMTS capabilities read by OWSLib (as QGIS reads them), and OGC API Tiles' tilesets.

OWSLib opens the capabilities URL, finds the layer and its WebMercatorQuad limits, and fetches a
tile through the advertised ResourceURL template; the PNG is decoded and its pixels must be the
raster's quadrants where Web Mercator arithmetic puts them.
"""

from __future__ import annotations

import io

import PIL.Image
import pytest
from owslib.wmts import WebMapTileService

from rastercatalog.geo.webmercator import tile_for_lonlat

from .test_tiles import NE, NW, QUADRANT_GEOTRANSFORM, SE, SW, quadrants

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def quad(write_raster, catalogue_local):
    path = write_raster(
        "quad.tif", quadrants(), geotransform=QUADRANT_GEOTRANSFORM, nodata=0, cog=True
    )
    return catalogue_local(path)


def pixel(image: PIL.Image.Image, lonlat, z: int) -> tuple[int, ...]:
    _, fx, fy = tile_for_lonlat(*lonlat, z)
    return image.convert("RGBA").getpixel((int(fx * 256), int(fy * 256)))


@pytest.mark.parametrize("form", ["kvp", "rest"])
def test_owslib_reads_the_capabilities_and_fetches_a_tile(live_server, quad, form):
    base = f"{live_server.url}/api/rasters/{quad.pk}/wmts"
    url = base if form == "kvp" else base + "/1.0.0/WMTSCapabilities.xml"
    wmts = WebMapTileService(url)
    layer_id = f"raster-{quad.pk}"
    assert list(wmts.contents) == [layer_id]
    layer = wmts[layer_id]
    assert layer.title == "quad"
    west, south, east, north = layer.boundingBoxWGS84
    assert (west, south, east, north) == pytest.approx((10, 44, 12, 46))
    assert "WebMercatorQuad" in wmts.tilematrixsets
    matrices = wmts.tilematrixsets["WebMercatorQuad"].tilematrix
    assert matrices["0"].scaledenominator == pytest.approx(559082264.0287178)
    limits = layer.tilematrixsetlinks["WebMercatorQuad"].tilematrixlimits
    z = max(int(zoom) for zoom in limits)
    tile, _, _ = tile_for_lonlat(*NW, z)
    assert limits[str(z)].mintilerow <= tile.y <= limits[str(z)].maxtilerow
    values = []
    for lonlat in (NW, NE, SW, SE):
        tile, _, _ = tile_for_lonlat(*lonlat, 8)
        response = wmts.gettile(
            layer=layer_id,
            tilematrixset="WebMercatorQuad",
            tilematrix="8",
            row=tile.y,
            column=tile.x,
        )
        image = PIL.Image.open(io.BytesIO(response.read()))
        assert image.format == "PNG" and image.size == (256, 256)
        values.append(pixel(image, lonlat, 8))
    assert all(value[3] == 255 for value in values)
    greys = [value[0] for value in values]
    assert greys == sorted(greys) and len(set(greys)) == 4  # 10 < 20 < 30 < 40, stretched


def test_capabilities_carry_the_style_into_the_template(api, quad):
    response = api.get(f"/api/rasters/{quad.pk}/wmts", {"palette": "viridis", "format": "webp"})
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    text = response.content.decode()
    assert 'format="image/webp"' in text
    assert f"/api/rasters/{quad.pk}/tiles/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.webp?" in text
    assert "palette=viridis" in text
    assert api.get(f"/api/rasters/{quad.pk}/wmts", {"palette": "nope"}).status_code in (400, 404)
    assert api.get("/api/rasters/999999/wmts").status_code == 404


def test_ogc_api_tiles_tileset_and_tile_matrix_set(api, quad):
    tilesets = api.get(f"/api/rasters/{quad.pk}/ogc/tiles").json()["tilesets"]
    (tileset,) = tilesets
    assert tileset["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    self_link = next(link["href"] for link in tileset["links"] if link["rel"] == "self")
    document = api.get(self_link).json()
    item = next(link for link in document["links"] if link["rel"] == "item")
    assert item["templated"] is True and item["type"] == "image/png"
    tile, _, _ = tile_for_lonlat(*NW, 8)
    href = item["href"].format(tileMatrix=8, tileRow=tile.y, tileCol=tile.x)
    image = PIL.Image.open(io.BytesIO(api.get(href).content))
    assert pixel(image, NW, 8)[3] == 255
    scheme = next(
        link["href"] for link in document["links"] if link["rel"].endswith("tiling-scheme")
    )
    tms = api.get(scheme).json()
    assert tms["id"] == "WebMercatorQuad" and tms["crs"].endswith("/3857")
    assert tms["tileMatrices"][8]["matrixWidth"] == 256
    listed = api.get("/api/ogc/tileMatrixSets").json()["tileMatrixSets"]
    assert [entry["id"] for entry in listed] == ["WebMercatorQuad"]
    assert api.get("/api/ogc/tileMatrixSets/WorldCRS84Quad").status_code == 404
    assert api.get(f"/api/rasters/{quad.pk}/ogc/tiles/WorldCRS84Quad").status_code == 404
