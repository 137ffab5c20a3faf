"""The XYZ grid (geo/webmercator.py) as OGC describes it: WebMercatorQuad and raster limits.

WMTS capabilities (XML) and OGC API Tiles (JSON) describe the same grid as webmercator.py's GRID,
so that QGIS, OpenLayers or OWSLib find the tiles the XYZ routes already serve.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...geo.webmercator import GRID, MAX_LATITUDE, MAX_ZOOM, TILE_SIZE, tile_for_lonlat

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TMS_CRS = "http://www.opengis.net/def/crs/EPSG/0/3857"
WMTS_CRS = "urn:ogc:def:crs:EPSG::3857"
WELL_KNOWN_SCALE_SET = "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"


@dataclass(frozen=True)
class TileMatrix:
    """One zoom level of the grid."""

    zoom: int
    scale_denominator: float
    cell_size: float  # metres per pixel
    top_left: tuple[float, float]  # EPSG:3857 metres
    size: int  # tiles are size x size pixels
    matrix_width: int
    matrix_height: int


@dataclass(frozen=True)
class TileLimits:
    """The rows and columns of one zoom that hold a raster's tiles (both ends included)."""

    zoom: int
    min_row: int
    max_row: int
    min_col: int
    max_col: int


def tile_matrices(maxzoom: int = MAX_ZOOM) -> list[TileMatrix]:
    """The grid's tile matrices from zoom 0 to `maxzoom`."""
    matrices = []
    for zoom in range(maxzoom + 1):
        matrix = GRID.matrix(zoom)
        origin = matrix.pointOfOrigin
        matrices.append(
            TileMatrix(
                zoom=zoom,
                scale_denominator=matrix.scaleDenominator,
                cell_size=matrix.cellSize,
                top_left=(origin[0], origin[1]),
                size=TILE_SIZE,
                matrix_width=matrix.matrixWidth,
                matrix_height=matrix.matrixHeight,
            )
        )
    return matrices


def tile_matrix_set_document() -> dict:
    """WebMercatorQuad as an OGC Two Dimensional Tile Matrix Set (2.0) JSON document."""
    return {
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": TMS_CRS,
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": WELL_KNOWN_SCALE_SET,
        "tileMatrices": [
            {
                "id": str(m.zoom),
                "scaleDenominator": m.scale_denominator,
                "cellSize": m.cell_size,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": list(m.top_left),
                "tileWidth": m.size,
                "tileHeight": m.size,
                "matrixWidth": m.matrix_width,
                "matrixHeight": m.matrix_height,
            }
            for m in tile_matrices()
        ],
    }


def tile_limits(
    bbox: tuple[float, float, float, float], *, minzoom: int, maxzoom: int
) -> list[TileLimits]:
    """The tiles of each zoom that cover a west, south, east, north box (west > east: across 180°)."""
    west, south, east, north = bbox
    north, south = min(north, MAX_LATITUDE), max(south, -MAX_LATITUDE)
    limits = []
    for zoom in range(minzoom, maxzoom + 1):
        top_left, _, _ = tile_for_lonlat(west, north, zoom)
        bottom_right, _, _ = tile_for_lonlat(east, south, zoom)
        last = 2**zoom - 1
        min_col, max_col = min(top_left.x, last), min(bottom_right.x, last)
        if west > east or min_col > max_col:
            min_col, max_col = 0, last  # across the antimeridian: every column
        rows = sorted((min(max(top_left.y, 0), last), min(max(bottom_right.y, 0), last)))
        limits.append(TileLimits(zoom, rows[0], rows[1], min_col, max_col))
    return limits
