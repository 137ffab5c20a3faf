"""WMTS 1.0.0 capabilities of one raster (RESTful): one layer over the XYZ tiles it already has.

The tile ResourceURL is the XYZ route itself ({TileMatrix}/{TileCol}/{TileRow}), with the style
parameters the capabilities were asked with, so a desktop GIS shows what the web viewer shows.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET  # noqa: S405 (writes XML; nothing is parsed here)

from .tilematrix import TMS_ID, WMTS_CRS, TileLimits, tile_matrices

WMTS = "http://www.opengis.net/wmts/1.0"
OWS = "http://www.opengis.net/ows/1.1"
XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", WMTS)
ET.register_namespace("ows", OWS)
ET.register_namespace("xlink", XLINK)
# WMTS 1.0 names well-known scale sets by URN (OGC API Tiles by URI).
WELL_KNOWN_SCALE_SET = "urn:ogc:def:wkss:OGC:1.0:GoogleMapsCompatible"
FORMATS = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def _el(parent: ET.Element, namespace: str, tag: str, text: str | None = None, **attrs):
    element = ET.SubElement(parent, f"{{{namespace}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def wmts_capabilities(
    *,
    layer_id: str,
    title: str,
    bbox: tuple[float, float, float, float],
    tile_template: str,
    fmt: str,
    limits: list[TileLimits],
    capabilities_url: str,
) -> bytes:
    """The capabilities document; `tile_template` has {TileMatrix}, {TileCol} and {TileRow}."""
    root = ET.Element(f"{{{WMTS}}}Capabilities", {"version": "1.0.0"})
    identification = _el(root, OWS, "ServiceIdentification")
    _el(identification, OWS, "Title", "rastercatalog")
    _el(identification, OWS, "ServiceType", "OGC WMTS")
    _el(identification, OWS, "ServiceTypeVersion", "1.0.0")
    contents = _el(root, WMTS, "Contents")
    layer = _el(contents, WMTS, "Layer")
    _el(layer, OWS, "Title", title)
    west, south, east, north = bbox
    if west > east:  # across the antimeridian: WGS84BoundingBox cannot say so, take every longitude
        west, east = -180.0, 180.0
    box = _el(layer, OWS, "WGS84BoundingBox")
    _el(box, OWS, "LowerCorner", f"{west} {south}")
    _el(box, OWS, "UpperCorner", f"{east} {north}")
    _el(layer, OWS, "Identifier", layer_id)
    style = _el(layer, WMTS, "Style", isDefault="true")
    _el(style, OWS, "Identifier", "default")
    _el(layer, WMTS, "Format", FORMATS[fmt])
    link = _el(layer, WMTS, "TileMatrixSetLink")
    _el(link, WMTS, "TileMatrixSet", TMS_ID)
    set_limits = _el(link, WMTS, "TileMatrixSetLimits")
    for limit in limits:
        element = _el(set_limits, WMTS, "TileMatrixLimits")
        _el(element, WMTS, "TileMatrix", str(limit.zoom))
        _el(element, WMTS, "MinTileRow", str(limit.min_row))
        _el(element, WMTS, "MaxTileRow", str(limit.max_row))
        _el(element, WMTS, "MinTileCol", str(limit.min_col))
        _el(element, WMTS, "MaxTileCol", str(limit.max_col))
    _el(
        layer, WMTS, "ResourceURL", format=FORMATS[fmt], resourceType="tile", template=tile_template
    )
    _tile_matrix_set(contents, maxzoom=max((limit.zoom for limit in limits), default=0))
    _el(root, WMTS, "ServiceMetadataURL", **{f"{{{XLINK}}}href": capabilities_url})
    return ET.tostring(root, xml_declaration=True, encoding="utf-8")


def _tile_matrix_set(contents: ET.Element, *, maxzoom: int) -> None:
    tile_matrix_set = _el(contents, WMTS, "TileMatrixSet")
    _el(tile_matrix_set, OWS, "Identifier", TMS_ID)
    _el(tile_matrix_set, OWS, "SupportedCRS", WMTS_CRS)
    _el(tile_matrix_set, WMTS, "WellKnownScaleSet", WELL_KNOWN_SCALE_SET)
    for matrix in tile_matrices(maxzoom):
        element = _el(tile_matrix_set, WMTS, "TileMatrix")
        _el(element, OWS, "Identifier", str(matrix.zoom))
        _el(element, WMTS, "ScaleDenominator", repr(matrix.scale_denominator))
        x, y = matrix.top_left
        _el(element, WMTS, "TopLeftCorner", f"{x!r} {y!r}")
        _el(element, WMTS, "TileWidth", str(matrix.size))
        _el(element, WMTS, "TileHeight", str(matrix.size))
        _el(element, WMTS, "MatrixWidth", str(matrix.matrix_width))
        _el(element, WMTS, "MatrixHeight", str(matrix.matrix_height))
