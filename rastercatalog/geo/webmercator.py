"""Web Mercator XYZ tiles (the Leaflet/QGIS convention, y down from the north) over catalog rows.

Everything here works from what ingestion stored (bounding box, ground resolution, overview count),
so deciding that a tile is outside a raster or beyond its zoom range costs no file read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import morecantile
import pyproj
from django.conf import settings

from ..errors import TileNotFound, TileOutsideGrid
from ..models import Raster

TILE_SIZE = 256
# The one zoom limit of raster tiles and footprint tiles (a 256-pixel tile is then 3.7 cm wide).
MAX_ZOOM = 30
MAX_LATITUDE = 85.0511287798066
EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6378137.0
MERCATOR_HALF_WORLD = EARTH_CIRCUMFERENCE_M / 2  # metres
# The XYZ grid (OGC WebMercatorQuad); morecantile does its arithmetic. Its registered quad stops
# at zoom 24 and warns beyond, so the same grid is declared down to MAX_ZOOM.
GRID = morecantile.TileMatrixSet.custom(
    [-MERCATOR_HALF_WORLD, -MERCATOR_HALF_WORLD, MERCATOR_HALF_WORLD, MERCATOR_HALF_WORLD],
    pyproj.CRS.from_epsg(3857),
    minzoom=0,
    maxzoom=MAX_ZOOM,
    id="WebMercatorQuad",
)
# Footprints are traced and simplified at the statistics level: allow that many of its pixels of
# slack before calling a tile "outside", so edge tiles with a sliver of data are still drawn.
BBOX_SLACK_PIXELS = 2


@dataclass(frozen=True)
class Tile:
    """One tile of the Web Mercator grid."""

    z: int
    x: int
    y: int

    @classmethod
    def checked(cls, z: int, x: int, y: int) -> Tile:
        """Return the tile, or raise TileOutsideGrid when z, x or y are outside the grid."""
        if not 0 <= z <= MAX_ZOOM:
            why = f"zoom {z} is out of range: zooms are 0 to {MAX_ZOOM}"
            raise TileOutsideGrid(f"tile {z}/{x}/{y} does not exist: {why}")
        last = 2**z - 1
        for name, value in (("x", x), ("y", y)):
            if not 0 <= value <= last:
                why = f"{name}={value} is out of range at zoom {z}: 0 to {last}"
                raise TileOutsideGrid(f"tile {z}/{x}/{y} does not exist: {why}")
        return cls(z, x, y)

    def __str__(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north in degrees."""
        # The spherical Mercator inverse in closed form: morecantile's GRID.bounds gives the same
        # degrees (within 1e-13) through pyproj, at ~0.14 ms a call, once per tile request.
        n = 2.0**self.z
        return (
            self.x / n * 360.0 - 180.0,
            _latitude(self.y + 1, n),
            (self.x + 1) / n * 360.0 - 180.0,
            _latitude(self.y, n),
        )

    def children(self) -> list[Tile]:
        """The four tiles of the next zoom, in row order: top-left, top-right, bottom-left, right."""
        z, x, y = self.z + 1, 2 * self.x, 2 * self.y
        return [Tile(z, x, y), Tile(z, x + 1, y), Tile(z, x, y + 1), Tile(z, x + 1, y + 1)]


def _latitude(row: float, n: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * row / n))))


def tile_for_lonlat(lon: float, lat: float, z: int) -> tuple[Tile, float, float]:
    """The tile containing (lon, lat) at zoom z, and the point's fractional position in it (0..1)."""
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    found = GRID.tile(lon, lat, z)
    west, south, east, north = GRID.xy_bounds(found)
    x, y = GRID.xy(lon, lat)
    return Tile(z, found.x, found.y), (x - west) / (east - west), (north - y) / (north - south)


def tile_bounds_lonlat(
    tile: Tile, *, margin: float = 0.0, max_latitude: float = MAX_LATITUDE
) -> tuple[float, float, float, float]:
    """West, south, east, north of `tile` in degrees, widened by `margin` of its width.

    Latitudes are clipped to `max_latitude` and longitudes to ±180°, so the box stays a valid
    EPSG:4326 box even past the poles of Web Mercator.
    """
    west_m, south_m, east_m, north_m = GRID.xy_bounds(morecantile.Tile(tile.x, tile.y, tile.z))
    pad = (east_m - west_m) * margin

    def lon(m: float) -> float:
        return max(-180.0, min(180.0, m / MERCATOR_HALF_WORLD * 180.0))

    def lat(m: float) -> float:
        value = math.degrees(math.atan(math.sinh(m / MERCATOR_HALF_WORLD * math.pi)))
        return max(-max_latitude, min(max_latitude, value))

    return lon(west_m - pad), lat(south_m - pad), lon(east_m + pad), lat(north_m + pad)


@dataclass(frozen=True)
class ZoomRange:
    """Zooms served for a raster: `native` is the first whose pixels are as fine as the raster's."""

    minzoom: int
    native: int
    maxzoom: int

    def __contains__(self, zoom: int) -> bool:
        return self.minzoom <= zoom <= self.maxzoom


def zoom_range(raster: Raster) -> ZoomRange:
    """The zooms served for `raster`, from its ground resolution and stored overview count."""
    latitude = _centre_latitude(raster)
    resolution = raster.ground_resolution_m or 1.0
    ratio = EARTH_CIRCUMFERENCE_M * math.cos(math.radians(latitude)) / (TILE_SIZE * resolution)
    native = max(0, min(MAX_ZOOM, math.ceil(math.log2(max(ratio, 1.0)) - 1e-9)))
    # Without overviews every coarser zoom reads more of the full-resolution file.
    coarsest = native - _overview_count(raster)
    minzoom = max(0, coarsest - settings.RASTERCATALOG_TILE_UNDERZOOM)
    maxzoom = min(MAX_ZOOM, native + settings.RASTERCATALOG_TILE_OVERZOOM)
    return ZoomRange(minzoom=min(minzoom, native), native=native, maxzoom=maxzoom)


def _centre_latitude(raster: Raster) -> float:
    if raster.bbox_south is None:
        return 0.0
    latitude = (raster.bbox_south + raster.bbox_north) / 2
    return max(-MAX_LATITUDE, min(MAX_LATITUDE, latitude))


def _overview_count(raster: Raster) -> int:
    levels = (raster.cog_info or {}).get("IFD") or []
    return max(0, len(levels) - 1)


def tile_check_covers(raster: Raster, tile: Tile, *, zoom: int | None = None) -> None:
    """Raise TileNotFound if `tile` is beyond the raster's zooms or outside its bounding box.

    `zoom` is the zoom whose resolution the tile is drawn at (z + 1 for 512-pixel tiles).
    """
    zooms = zoom_range(raster)
    zoom = tile.z if zoom is None else zoom
    if zoom not in zooms:
        raise TileNotFound(
            f"zoom {zoom} is outside the zooms served for raster {raster.pk}: {zooms.minzoom} to "
            f"{zooms.maxzoom} (native zoom {zooms.native})"
        )
    if not bbox_intersects(_bbox_with_slack(raster), tile.bounds):
        west, south, east, north = raster.bbox
        raise TileNotFound(
            f"tile {tile} is outside raster {raster.pk}, whose bounds are "
            f"west {west:.6f}, south {south:.6f}, east {east:.6f}, north {north:.6f}"
        )


def _bbox_with_slack(raster: Raster) -> tuple[float, float, float, float]:
    west, south, east, north = raster.bbox
    stats_pixel_m = (raster.ground_resolution_m or 0.0) * (
        (raster.width or 1) / (raster.stats_width or raster.width or 1)
    )
    dy = BBOX_SLACK_PIXELS * stats_pixel_m / 111_320.0
    dx = dy / max(math.cos(math.radians(_centre_latitude(raster))), 0.01)
    if west <= east and east - west + 2 * dx >= 360.0:
        return (-180.0, south - dy, 180.0, north + dy)
    return (_wrap(west - dx), south - dy, _wrap(east + dx), north + dy)


def _wrap(longitude: float) -> float:
    return (longitude + 180.0) % 360.0 - 180.0 if abs(longitude) > 180.0 else longitude


def bbox_intersects(bbox: tuple[float, ...], bounds: tuple[float, ...]) -> bool:
    """True when a catalog bbox (west > east across the antimeridian) overlaps tile bounds."""
    west, south, east, north = bbox
    tile_west, tile_south, tile_east, tile_north = bounds
    if tile_south >= north or tile_north <= south:
        return False
    spans = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
    return any(tile_west < span_east and tile_east > span_west for span_west, span_east in spans)
