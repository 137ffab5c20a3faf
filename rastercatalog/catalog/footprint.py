"""Valid-data footprints: from a (decimated) mask to a simplified MultiPolygon in EPSG:4326.

The outline is traced in the raster's own CRS, simplified there (where one pixel has one size),
densified so that reprojection bends the edges as it should, then reprojected. Footprints that
cross the antimeridian are split into parts on either side instead of wrapping round the globe;
footprints that enclose a pole become the cap from their southern (northern) edge to the pole.
Projections defined on part of the Earth only (a geostationary satellite's disk) keep the cells PROJ
can place on the Earth: corners of a full disk that look past the limb are outside, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine
from django.contrib.gis.geos import GEOSGeometry, LinearRing, MultiPolygon, Polygon
from osgeo import ogr
from pyproj import CRS as ProjCRS
from pyproj import Transformer
from rasterio.crs import CRS
from rasterio.features import shapes, sieve
from rasterio.warp import transform as transform_points
from rasterio.warp import transform_bounds, transform_geom

from ..geo.antimeridian import bbox_on_circle, polygons_of, split_at_antimeridian, wrap_longitude

WGS84 = CRS.from_epsg(4326)
# Edges are cut to at most this fraction of the footprint's larger side before reprojection.
DENSIFY_PARTS = 32
# Above this many traced parts the mask is sieved of components smaller than this share of it.
SPECKLE_POLYGONS = 200
SPECKLE_FRACTION = 0.0005
MAX_SIMPLIFY_STEPS = 16


class EmptyFootprint(ValueError):
    """The mask has no valid pixel."""


class OffEarth(ValueError):
    """The raster's CRS cannot be placed on the Earth (another planet's, or no valid pixel on it)."""


@dataclass(frozen=True)
class Footprint:
    geometry: MultiPolygon  # EPSG:4326
    bbox: tuple[float, float, float, float]  # west, south, east, north; west > east across 180°


def footprint_from_mask(
    mask: np.ndarray, transform: Affine, crs: CRS, *, max_vertices: int
) -> Footprint:
    """Trace the True cells of `mask` (georeferenced by `transform` in `crs`) as a footprint."""
    clipped = False
    if not crs.is_geographic:
        on_earth = _cells_on_earth(mask.shape, transform, crs)
        if on_earth is not None:
            if not (mask & on_earth).any():
                raise OffEarth("no valid pixel lies on the Earth's surface in its projection")
            mask, clipped = mask & on_earth, True
    native = _trace(mask, transform)
    pixel = max(abs(transform.a), abs(transform.e), abs(transform.b), abs(transform.d))
    native = _simplify(native, tolerance=pixel, max_vertices=max_vertices)
    if crs.is_geographic:
        return _from_geographic(native, crs)
    return _from_projected(
        native, crs, pixel_fraction=pixel / max(_span(native), pixel), bbox_from_outline=clipped
    )


def _cells_on_earth(shape: tuple[int, int], transform: Affine, crs: CRS) -> np.ndarray | None:
    """Cells whose four corners PROJ places on the Earth, or None when all of them are.

    The grid's outline is tried first (4 x side points), so a CRS defined everywhere costs almost
    nothing; only then every corner (a 1024-pixel level takes ~0.3 s).
    """
    rows, cols = shape
    to_wgs84 = Transformer.from_crs(ProjCRS.from_wkt(crs.to_wkt()), "EPSG:4326", always_xy=True)
    outline_cols = np.concatenate([np.arange(cols + 1), np.full(rows + 1, cols)])
    outline_rows = np.concatenate([np.zeros(cols + 1), np.arange(rows + 1)])
    outline_cols = np.concatenate([outline_cols, np.arange(cols + 1), np.zeros(rows + 1)])
    outline_rows = np.concatenate([outline_rows, np.full(cols + 1, rows), np.arange(rows + 1)])
    if _placeable(to_wgs84, transform, outline_cols, outline_rows).all():
        return None
    corner_cols, corner_rows = np.meshgrid(np.arange(cols + 1), np.arange(rows + 1))
    corners = _placeable(to_wgs84, transform, corner_cols, corner_rows)
    return corners[:-1, :-1] & corners[:-1, 1:] & corners[1:, :-1] & corners[1:, 1:]


def _placeable(to_wgs84: Transformer, transform: Affine, cols, rows) -> np.ndarray:
    xs, ys = transform * (np.asarray(cols, dtype=np.float64), np.asarray(rows, dtype=np.float64))
    lons, lats = to_wgs84.transform(xs, ys, errcheck=False)
    return np.isfinite(lons) & np.isfinite(lats) & (np.abs(lons) <= 1e3) & (np.abs(lats) <= 90.0)


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
    return MultiPolygon([Polygon(p.exterior_ring) for p in polygons_of(geom)]).unary_union


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
        bbox = (wrap_longitude(west), south, wrap_longitude(east, eastern=True), north)
    return Footprint(split_at_antimeridian(geom), bbox)


def _span(geom: GEOSGeometry) -> float:
    xmin, ymin, xmax, ymax = geom.extent
    return max(xmax - xmin, ymax - ymin)


def _from_projected(
    native: GEOSGeometry, crs: CRS, *, pixel_fraction: float, bbox_from_outline: bool = False
) -> Footprint:
    if bbox_from_outline:
        # The outline's bounding box reaches off the Earth (a disk's corners): no bounds to transform.
        west, south, east, north = bbox_on_circle(_reproject(native, crs))
    else:
        west, south, east, north = transform_bounds(crs, WGS84, *native.extent, densify_pts=21)
    lon_span = (east - west) % 360 or 360.0
    pixel_degrees = max(lon_span, north - south) * pixel_fraction
    if _encloses_pole(native, crs):
        # Reprojecting a ring round a pole gives nonsense; the honest outline is the polar cap.
        cap = Polygon.from_bbox((-180.0, south, 180.0, north))
        return Footprint(MultiPolygon(cap), (-180.0, south, 180.0, north))
    geom = _reproject(native, crs)
    # Drop the densified vertices that reprojection left (nearly) in line: well under a pixel.
    geom = geom.simplify(pixel_degrees / 4, preserve_topology=True)
    return Footprint(
        _as_multipolygon(geom.buffer(0) if not geom.valid else geom), (west, south, east, north)
    )


def _reproject(native: GEOSGeometry, crs: CRS) -> MultiPolygon:
    """The outline in EPSG:4326, densified first so edges bend as they should, cut at ±180°.

    Each ring's longitudes are unwrapped (no jump of more than 180° between vertices) and the result
    cut at the antimeridian here: GDAL's own cutting (`transform_geom(antimeridian_cutting=True)`)
    returns a ring round the whole globe for a geostationary disk centred near 140°E.
    """
    dense = ogr.CreateGeometryFromWkb(bytes(native.wkb))
    dense.Segmentize(_span(native) / DENSIFY_PARTS)
    to_wgs84 = Transformer.from_crs(ProjCRS.from_wkt(crs.to_wkt()), "EPSG:4326", always_xy=True)
    polygons = []
    for polygon in polygons_of(GEOSGeometry(memoryview(dense.ExportToWkb()))):
        rings = [_ring_to_wgs84(to_wgs84, ring) for ring in polygon]
        # A hole unwrapped on its own may sit a turn away from its shell: bring it back.
        shell_centre = rings[0][:, 0].mean()
        for ring in rings[1:]:
            ring[:, 0] -= 360.0 * round((ring[:, 0].mean() - shell_centre) / 360.0)
        polygons.append(Polygon(*(LinearRing(ring.tolist()) for ring in rings)))
    geom = MultiPolygon(polygons)
    if not geom.valid:
        geom = geom.buffer(0)
    return split_at_antimeridian(geom)


def _ring_to_wgs84(to_wgs84: Transformer, ring) -> np.ndarray:
    xs, ys = np.asarray(ring.coords, dtype=np.float64).T
    lons, lats = to_wgs84.transform(xs, ys, errcheck=False)
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        raise OffEarth("part of the valid-data outline cannot be placed on the Earth")
    ring_wgs84 = np.column_stack([np.unwrap(lons, period=360.0), lats])
    ring_wgs84[-1] = ring_wgs84[0]  # unwrap's running sum may leave the closing vertex 1e-14 off
    return ring_wgs84


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


def _as_multipolygon(geom: GEOSGeometry) -> MultiPolygon:
    multi = MultiPolygon(polygons_of(geom))
    multi.srid = 4326
    return multi


def _geojson(geom: dict) -> str:
    import json

    return json.dumps({"type": geom["type"], "coordinates": geom["coordinates"]})


def _as_dict(geom: GEOSGeometry) -> dict:
    import json

    return json.loads(geom.json)


def _ogr_as_dict(geom) -> dict:
    import json

    return json.loads(geom.ExportToJson())
