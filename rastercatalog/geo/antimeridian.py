"""Longitudes on a circle: geometries and boxes that cross the antimeridian (±180°).

Pure geometry in EPSG:4326 degrees: no database, no files.
"""

from __future__ import annotations

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from osgeo import ogr


def bbox_on_circle(geom: GEOSGeometry) -> tuple[float, float, float, float]:
    """West, south, east, north of parts cut at ±180°: the smallest arc of longitudes holding them."""
    parts = sorted((p.extent[0], p.extent[2]) for p in polygons_of(geom))
    south, north = geom.extent[1], geom.extent[3]
    merged: list[list[float]] = []
    for low, high in parts:
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    # The widest empty arc between consecutive intervals (the last one wraps round to the first).
    gaps = [
        ((merged[(i + 1) % len(merged)][0] - merged[i][1]) % 360.0, i) for i in range(len(merged))
    ]
    width, i = max(gaps)
    if width <= 0 or (len(merged) == 1 and merged[0][1] - merged[0][0] >= 360.0):
        return (-180.0, south, 180.0, north)
    west, east = merged[(i + 1) % len(merged)][0], merged[i][1]
    return (west, south, east, north)


def split_at_antimeridian(geom: GEOSGeometry) -> MultiPolygon:
    """Cut a lon/lat geometry that runs past ±180° into parts inside [-180, 180]."""
    parts = []
    for shift in (0.0, -360.0, 360.0):
        window = Polygon.from_bbox((-180.0 - shift, -90.0, 180.0 - shift, 90.0))
        piece = geom.intersection(window)
        if piece.empty or piece.area == 0:
            continue
        if shift:
            piece = GEOSGeometry(_shift_wkt(piece, shift))
        parts.extend(polygons_of(piece))
    return MultiPolygon(parts)


def _shift_wkt(geom: GEOSGeometry, dx: float) -> str:
    clone = ogr.CreateGeometryFromWkb(bytes(geom.wkb))
    for polygon in _ogrpolygons_of(clone):
        for r in range(polygon.GetGeometryCount()):
            ring = polygon.GetGeometryRef(r)
            for i in range(ring.GetPointCount()):
                x, y = ring.GetX(i), ring.GetY(i)
                ring.SetPoint_2D(i, x + dx, y)
    return clone.ExportToWkt()


def _ogrpolygons_of(geom):
    if geom.GetGeometryType() in (ogr.wkbPolygon, ogr.wkbPolygon25D):
        yield geom
    else:
        for i in range(geom.GetGeometryCount()):
            yield from _ogrpolygons_of(geom.GetGeometryRef(i))


def polygons_of(geom: GEOSGeometry) -> list[Polygon]:
    """The polygons of a Polygon, MultiPolygon or GeometryCollection (nothing else)."""
    if geom.geom_type == "Polygon":
        return [geom]
    return (
        [g for g in geom if g.geom_type == "Polygon"]
        if geom.geom_type in ("MultiPolygon", "GeometryCollection")
        else []
    )


def wrap_longitude(lon: float, *, eastern: bool = False) -> float:
    """`lon` brought into [-180, 180]; `eastern`: an eastern edge at -180 becomes 180."""
    if -180.0 <= lon <= 180.0:
        return lon
    wrapped = (lon + 180.0) % 360.0 - 180.0
    return 180.0 if eastern and wrapped == -180.0 else wrapped
