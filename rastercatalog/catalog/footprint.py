"""Valid-data footprints: from a (decimated) mask to a simplified MultiPolygon in EPSG:4326.

The outline is traced in the raster's own CRS, simplified there (where one pixel has one size),
densified so that reprojection bends the edges as it should, then reprojected. Footprints that
cross the antimeridian are split into parts on either side instead of wrapping round the globe;
footprints that enclose a pole become the cap from their southern (northern) edge to the pole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from osgeo import ogr
from rasterio.crs import CRS
from rasterio.features import shapes, sieve
from rasterio.warp import transform as transform_points
from rasterio.warp import transform_bounds, transform_geom

WGS84 = CRS.from_epsg(4326)
# Edges are cut to at most this fraction of the footprint's larger side before reprojection.
DENSIFY_PARTS = 32
# Above this many traced parts the mask is sieved of components smaller than this share of it.
SPECKLE_POLYGONS = 200
SPECKLE_FRACTION = 0.0005
MAX_SIMPLIFY_STEPS = 16


class EmptyFootprint(ValueError):
    """The mask has no valid pixel."""


@dataclass(frozen=True)
class Footprint:
    geometry: MultiPolygon  # EPSG:4326
    bbox: tuple[float, float, float, float]  # west, south, east, north; west > east across 180°


def footprint_from_mask(
    mask: np.ndarray, transform: Affine, crs: CRS, *, max_vertices: int
) -> Footprint:
    """Trace the True cells of `mask` (georeferenced by `transform` in `crs`) as a footprint."""
    native = _trace(mask, transform)
    pixel = max(abs(transform.a), abs(transform.e), abs(transform.b), abs(transform.d))
    native = _simplify(native, tolerance=pixel, max_vertices=max_vertices)
    if crs.is_geographic:
        return _from_geographic(native, crs)
    return _from_projected(native, crs, pixel_fraction=pixel / max(_span(native), pixel))


def _trace(mask: np.ndarray, transform: Affine) -> GEOSGeometry:
    mask = mask.astype(np.uint8)
    polygons = _polygons_of(mask, transform)
    if len(polygons) > SPECKLE_POLYGONS:
        # Speckled validity (noise, scattered nodata) would make thousands of islands and holes: sieve
        # away the components smaller than a fraction of the level, unless that leaves nothing.
        sieved = sieve(mask, size=max(2, int(mask.size * SPECKLE_FRACTION)), connectivity=8)
        polygons = _polygons_of(sieved, transform) or polygons
    if not polygons:
        raise EmptyFootprint("no valid pixels: every pixel is nodata or masked")
    return MultiPolygon(polygons).unary_union


def _polygons_of(mask: np.ndarray, transform: Affine) -> list[GEOSGeometry]:
    return [
        GEOSGeometry(_geojson(geom))
        for geom, value in shapes(mask, mask=mask.astype(bool), transform=transform)
        if value
    ]


def _simplify(geom: GEOSGeometry, *, tolerance: float, max_vertices: int) -> GEOSGeometry:
    """Simplify until at most `max_vertices` remain; fall back to outer rings, then the hull."""
    for candidate in (geom, _without_holes(geom)):
        step = tolerance
        for _ in range(MAX_SIMPLIFY_STEPS):
            simplified = candidate.simplify(step, preserve_topology=True)
            if simplified.num_coords <= max_vertices:
                return simplified
            step *= 2
    # Many separate parts can't drop below 4 vertices each: the hull still contains all the data.
    return geom.convex_hull.simplify(tolerance, preserve_topology=True)


def _without_holes(geom: GEOSGeometry) -> GEOSGeometry:
    return MultiPolygon([Polygon(p.exterior_ring) for p in _polygons(geom)]).unary_union


def _from_geographic(native: GEOSGeometry, crs: CRS) -> Footprint:
    geom = native
    if crs != WGS84:
        geom = GEOSGeometry(
            _geojson(transform_geom(crs, WGS84, _as_dict(native), antimeridian_cutting=False))
        )
    west, south, east, north = geom.extent
    if east - west >= 360:
        bbox = (-180.0, max(south, -90.0), 180.0, min(north, 90.0))
    else:
        bbox = (_wrap_longitude(west), south, _wrap_longitude(east, eastern=True), north)
    return Footprint(_split_at_antimeridian(geom), bbox)


def _span(geom: GEOSGeometry) -> float:
    xmin, ymin, xmax, ymax = geom.extent
    return max(xmax - xmin, ymax - ymin)


def _from_projected(native: GEOSGeometry, crs: CRS, *, pixel_fraction: float) -> Footprint:
    west, south, east, north = transform_bounds(crs, WGS84, *native.extent, densify_pts=21)
    lon_span = (east - west) % 360 or 360.0
    pixel_degrees = max(lon_span, north - south) * pixel_fraction
    if _encloses_pole(native, crs):
        # Reprojecting a ring round a pole gives nonsense; the honest outline is the polar cap.
        cap = Polygon.from_bbox((-180.0, south, 180.0, north))
        return Footprint(MultiPolygon(cap), (-180.0, south, 180.0, north))
    dense = ogr.CreateGeometryFromWkb(bytes(native.wkb))
    dense.Segmentize(_span(native) / DENSIFY_PARTS)
    reprojected = transform_geom(crs, WGS84, _ogr_as_dict(dense), antimeridian_cutting=True)
    geom = GEOSGeometry(_geojson(reprojected))
    # Drop the densified vertices that reprojection left (nearly) in line: well under a pixel.
    geom = geom.simplify(pixel_degrees / 4, preserve_topology=True)
    return Footprint(
        _as_multipolygon(geom.buffer(0) if not geom.valid else geom), (west, south, east, north)
    )


def _encloses_pole(native: GEOSGeometry, crs: CRS) -> bool:
    for latitude in (90.0, -90.0):
        try:
            xs, ys = transform_points(WGS84, crs, [0.0], [latitude])
        except Exception:  # noqa: BLE001, S112 - a pole outside the projection's domain is not enclosed
            continue
        if (
            np.isfinite(xs[0])
            and np.isfinite(ys[0])
            and native.contains(GEOSGeometry(f"POINT ({xs[0]} {ys[0]})"))
        ):
            return True
    return False


def _split_at_antimeridian(geom: GEOSGeometry) -> MultiPolygon:
    """Cut a lon/lat geometry that runs past ±180° into parts inside [-180, 180]."""
    parts = []
    for shift in (0.0, -360.0, 360.0):
        window = Polygon.from_bbox((-180.0 - shift, -90.0, 180.0 - shift, 90.0))
        piece = geom.intersection(window)
        if piece.empty or piece.area == 0:
            continue
        if shift:
            piece = GEOSGeometry(_shift_wkt(piece, shift))
        parts.extend(_polygons(piece))
    return MultiPolygon(parts)


def _shift_wkt(geom: GEOSGeometry, dx: float) -> str:
    clone = ogr.CreateGeometryFromWkb(bytes(geom.wkb))
    for polygon in _ogr_polygons(clone):
        for r in range(polygon.GetGeometryCount()):
            ring = polygon.GetGeometryRef(r)
            for i in range(ring.GetPointCount()):
                x, y = ring.GetX(i), ring.GetY(i)
                ring.SetPoint_2D(i, x + dx, y)
    return clone.ExportToWkt()


def _ogr_polygons(geom):
    if geom.GetGeometryType() in (ogr.wkbPolygon, ogr.wkbPolygon25D):
        yield geom
    else:
        for i in range(geom.GetGeometryCount()):
            yield from _ogr_polygons(geom.GetGeometryRef(i))


def _polygons(geom: GEOSGeometry) -> list[Polygon]:
    if geom.geom_type == "Polygon":
        return [geom]
    return (
        [g for g in geom if g.geom_type == "Polygon"]
        if geom.geom_type in ("MultiPolygon", "GeometryCollection")
        else []
    )


def _as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    multi = MultiPolygon(_polygons(geom))
    multi.srid = 4326
    return multi


def _wrap_longitude(lon: float, *, eastern: bool = False) -> float:
    if -180.0 <= lon <= 180.0:
        return lon
    wrapped = (lon + 180.0) % 360.0 - 180.0
    return 180.0 if eastern and wrapped == -180.0 else wrapped


def _geojson(geom: dict) -> str:
    import json

    return json.dumps({"type": geom["type"], "coordinates": geom["coordinates"]})


def _as_dict(geom: GEOSGeometry) -> dict:
    import json

    return json.loads(geom.json)


def _ogr_as_dict(geom) -> dict:
    import json

    return json.loads(geom.ExportToJson())
