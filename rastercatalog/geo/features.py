"""Posted GeoJSON (EPSG:4326) -> checked polygons: a geometry, a Feature or a FeatureCollection.

Every position is checked by hand (numbers, ranges, closed rings) before GEOS sees the geometry, and
GEOS then judges validity (self-intersections, crossing holes). The limits are settings: features
per request, vertices in all, and the geodesic area of each geometry on the WGS84 ellipsoid.
A geometry is reprojected to a raster's CRS with its edges densified first, since a GeoJSON edge
is straight in longitude and latitude and would otherwise be straightened in the raster's CRS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from django.contrib.gis.geos import GEOSException, LinearRing, MultiPolygon, Polygon
from pyproj import CRS, Geod, Transformer

from ..errors import GeometryInvalid

POLYGON_TYPES = ("Polygon", "MultiPolygon")
# Edges longer than this (degrees) are densified before reprojection, within DENSIFY_MAX_POINTS.
DENSIFY_DEGREES = 0.01
DENSIFY_MAX_POINTS = 20000
_GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=64)
def _from_lonlat(crs: str) -> Transformer:
    # Building one costs milliseconds; a raster's CRS is the same for all its requests.
    return Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(crs), always_xy=True)


@dataclass(frozen=True)
class Feature:
    """One posted feature: its polygons (rings of lon/lat as (n, 2) arrays) and what came with it."""

    polygons: tuple[tuple[np.ndarray, ...], ...]
    geometry: dict  # the geometry as posted, echoed in responses
    properties: dict
    feature_id: Any = None

    @property
    def vertices(self) -> int:
        return sum(len(ring) for polygon in self.polygons for ring in polygon)

    def area_km2(self) -> float:
        """The geodesic area on the WGS84 ellipsoid, holes removed."""
        total = 0.0
        for exterior, *holes in self.polygons:
            total += _ring_area(exterior) - sum(_ring_area(hole) for hole in holes)
        return total / 1e6

    def geojson_in(self, crs: str) -> dict:
        """The polygons as a GeoJSON MultiPolygon in `crs`, edges densified first."""
        step = max(DENSIFY_DEGREES, self._perimeter_degrees() / DENSIFY_MAX_POINTS)
        polygons = []
        for polygon in self.polygons:
            rings = []
            for ring in polygon:
                dense = _densify(ring, step)
                xs, ys = _from_lonlat(crs).transform(dense[:, 0], dense[:, 1], errcheck=False)
                if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
                    raise GeometryInvalid(
                        f"{_name(self)} has points outside the area the raster's CRS can represent"
                    )
                rings.append(np.column_stack([xs, ys]).tolist())
            polygons.append(rings)
        return {"type": "MultiPolygon", "coordinates": polygons}

    def _perimeter_degrees(self) -> float:
        return sum(
            float(np.hypot(*np.diff(ring, axis=0).T).sum())
            for polygon in self.polygons
            for ring in polygon
        )


def _name(feature: Feature) -> str:
    return "the geometry" if feature.feature_id is None else f"feature {feature.feature_id!r}"


def _ring_area(ring: np.ndarray) -> float:
    area, _ = _GEOD.polygon_area_perimeter(ring[:, 0], ring[:, 1])
    return abs(area)


def _densify(ring: np.ndarray, step: float) -> np.ndarray:
    lengths = np.hypot(*np.diff(ring, axis=0).T)
    pieces = np.maximum(1, np.ceil(lengths / step).astype(int))
    if (pieces == 1).all():
        return ring
    parts = [
        start + (end - start) * np.linspace(0, 1, count, endpoint=False)[:, np.newaxis]
        for start, end, count in zip(ring[:-1], ring[1:], pieces, strict=True)
    ]
    return np.concatenate([*parts, ring[-1:]])


def features_parse(
    body: Any, *, max_features: int, max_vertices: int, max_area_km2: float
) -> list[Feature]:
    """Check a GeoJSON geometry, Feature or FeatureCollection of polygons; raise GeometryInvalid."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        raise GeometryInvalid(
            "the body must be a GeoJSON object: a Polygon or MultiPolygon geometry, a Feature or a "
            'FeatureCollection (EPSG:4326), e.g. {"type": "Polygon", "coordinates": [...]}'
        )
    kind = body["type"]
    if kind == "FeatureCollection":
        items = body.get("features")
        if not isinstance(items, list) or not items:
            raise GeometryInvalid("the FeatureCollection must have a non-empty features list")
        if len(items) > max_features:
            raise GeometryInvalid(
                f"the FeatureCollection has {len(items)} features, more than the limit of "
                f"{max_features} (RASTERCATALOG_ANALYSIS_MAX_FEATURES)"
            )
        features = [_feature(item, f"feature {i}") for i, item in enumerate(items)]
    elif kind == "Feature":
        features = [_feature(body, "the Feature")]
    else:
        features = [_from_geometry(body, {}, None, "the geometry")]
    vertices = sum(feature.vertices for feature in features)
    if vertices > max_vertices:
        raise GeometryInvalid(
            f"the geometry has {vertices} vertices, more than the limit of {max_vertices} "
            "(RASTERCATALOG_ANALYSIS_MAX_VERTICES): simplify it"
        )
    for feature in features:
        area = feature.area_km2()
        if area > max_area_km2:
            raise GeometryInvalid(
                f"{_name(feature)} covers {area:,.0f} km², more than the limit of "
                f"{max_area_km2:,.0f} km² (RASTERCATALOG_ANALYSIS_MAX_AREA_KM2)"
            )
    return features


def _feature(item: Any, where: str) -> Feature:
    if not isinstance(item, dict) or item.get("type") != "Feature":
        raise GeometryInvalid(f'{where} must be a GeoJSON Feature ({{"type": "Feature", ...}})')
    properties = item.get("properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise GeometryInvalid(f"{where}: properties must be an object or null")
    feature_id = item.get("id")
    if feature_id is not None and not isinstance(feature_id, str | int | float):
        raise GeometryInvalid(f"{where}: id must be a string or a number")
    return _from_geometry(item.get("geometry"), properties, feature_id, where)


def _from_geometry(geometry: Any, properties: dict, feature_id: Any, where: str) -> Feature:
    if not isinstance(geometry, dict):
        raise GeometryInvalid(f"{where} has no geometry")
    kind = geometry.get("type")
    if kind not in POLYGON_TYPES:
        raise GeometryInvalid(
            f"{where} is a {kind!r}: statistics and clips need a Polygon or MultiPolygon"
        )
    coordinates = geometry.get("coordinates")
    parts = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(parts, list) or not parts:
        raise GeometryInvalid(f"{where}: coordinates must be a non-empty list of polygons")
    polygons = tuple(_polygon(part, where) for part in parts)
    _check_valid(polygons, where)
    return Feature(polygons, geometry, properties, feature_id)


def _polygon(rings: Any, where: str) -> tuple[np.ndarray, ...]:
    if not isinstance(rings, list) or not rings:
        raise GeometryInvalid(f"{where}: a polygon must be a non-empty list of rings")
    return tuple(_ring(ring, where) for ring in rings)


def _ring(ring: Any, where: str) -> np.ndarray:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryInvalid(
            f"{where}: a ring needs at least 4 positions (the first repeated last)"
        )
    points = []
    for position in ring:
        if not (
            isinstance(position, list)
            and len(position) in (2, 3)
            and all(_is_number(value) for value in position)
        ):
            raise GeometryInvalid(f"{where}: a position must be [longitude, latitude] numbers")
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeometryInvalid(
                f"{where}: position [{lon}, {lat}] is outside longitude -180..180, latitude "
                "-90..90 (coordinates are EPSG:4326, longitude first)"
            )
        points.append((lon, lat))
    if points[0] != points[-1]:
        raise GeometryInvalid(f"{where}: a ring must end where it starts")
    return np.array(points, dtype=np.float64)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_valid(polygons: tuple[tuple[np.ndarray, ...], ...], where: str) -> None:
    try:
        shapes = [Polygon(*(LinearRing(ring.tolist()) for ring in rings)) for rings in polygons]
        geometry = shapes[0] if len(shapes) == 1 else MultiPolygon(*shapes)
    except (GEOSException, ValueError, TypeError) as exc:
        raise GeometryInvalid(f"{where} is not a polygon GEOS can build: {exc}") from None
    if geometry.empty:
        raise GeometryInvalid(f"{where} is empty")
    if not geometry.valid:
        raise GeometryInvalid(f"{where} is not a valid polygon: {geometry.valid_reason}")
    if geometry.area == 0:
        raise GeometryInvalid(f"{where} has no area")
