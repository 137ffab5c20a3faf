"""A catalogued raster's pixel grid: world coordinates <-> pixels, from the catalog row alone.

Everything here works from the geotransform and CRS stored at ingest, so deciding where a point or a
box falls costs no file read. Pixel (col, row) is the pixel whose area contains the point: GDAL's
geotransform maps (0, 0) to the top-left corner of the top-left pixel.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from affine import Affine
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError

from ..errors import OutsideRaster
from ..models import Raster

WGS84 = "EPSG:4326"
_EPSG = re.compile(r"^EPSG:(\d{1,6})$", re.IGNORECASE)
# Points added along each edge when a box is reprojected, so curved edges are not cut short.
_DENSIFY_POINTS = 21
_WGS84_ELLIPSOID = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Window:
    """Whole pixels of the full-resolution grid: columns [col_off, col_off + width), same for rows."""

    col_off: int
    row_off: int
    width: int
    height: int


def crs_parse(text: str) -> str:
    """Return 'EPSG:n' for a known EPSG code given as 'EPSG:n'; raise ValueError otherwise."""
    match = _EPSG.match(text.strip())
    if not match:
        raise ValueError("expected EPSG:<code>, for example EPSG:4326")
    code = f"EPSG:{int(match.group(1))}"
    try:
        CRS.from_user_input(code)
    except CRSError:
        raise ValueError(f"{code} is not a known EPSG code") from None
    return code


@lru_cache(maxsize=128)
def _transformer(source: str, target: str) -> Transformer:
    # Building one costs a few milliseconds; a pixel query should not pay that each time.
    return Transformer.from_crs(
        CRS.from_user_input(source), CRS.from_user_input(target), always_xy=True
    )


def point_transform(x: float, y: float, source: str, target: str) -> tuple[float, float]:
    """Reproject one point (x first: longitude before latitude)."""
    if source == target:
        return x, y
    return _transformer(source, target).transform(x, y)


@dataclass(frozen=True)
class Grid:
    crs: str  # the raster's WKT, or 'EPSG:n'
    transform: Affine
    width: int
    height: int

    @classmethod
    def of(cls, raster: Raster) -> Grid:
        """The grid recorded for a ready raster."""
        # The WKT, not the EPSG code: the code is PROJ's best match, which may differ in detail.
        crs = raster.crs_wkt or f"EPSG:{raster.crs_epsg}"
        return cls(crs, Affine.from_gdal(*raster.geotransform), raster.width, raster.height)

    def bounds(self) -> tuple[float, float, float, float]:
        """xmin, ymin, xmax, ymax of the whole grid in its own CRS."""
        corners = [self.transform * (c, r) for c in (0, self.width) for r in (0, self.height)]
        xs, ys = [x for x, _ in corners], [y for _, y in corners]
        return min(xs), min(ys), max(xs), max(ys)

    def bounds_in(self, crs: str) -> tuple[float, float, float, float]:
        """The grid's bounds reprojected to `crs` (west > east when it crosses the antimeridian)."""
        if crs == self.crs:
            return self.bounds()
        return _transformer(self.crs, crs).transform_bounds(
            *self.bounds(), densify_pts=_DENSIFY_POINTS
        )

    def pixel_at(self, x: float, y: float, crs: str = WGS84) -> tuple[int, int]:
        """Return (col, row) of the pixel containing the point; raise OutsideRaster if none does."""
        nx, ny = point_transform(x, y, crs, self.crs)
        if not (math.isfinite(nx) and math.isfinite(ny)):
            raise OutsideRaster(
                f"point ({x}, {y}) in {crs} has no position in the raster's CRS "
                "(it is outside that projection's area of use)"
            )
        col, row = ~self.transform * (nx, ny)
        if not (0 <= col < self.width and 0 <= row < self.height):
            raise OutsideRaster(
                f"point ({x}, {y}) in {crs} is outside the raster, whose bounds in {crs} are "
                f"{_rounded(self.bounds_in(crs))}"
            )
        return math.floor(col), math.floor(row)

    def ground_axes(self, col: int, row: int) -> tuple[float, float, float]:
        """Ground metres between pixel centres along the rows and the columns at (col, row), and
        the bearing of the columns upwards (degrees clockwise from true north).

        Measured on the WGS84 ellipsoid between the neighbours' centres, so it holds for any CRS:
        degrees, metres, a projection's scale error or a grid turned from north.
        """
        centres = [
            self.transform * (col + 0.5 + dc, row + 0.5 + dr)
            for dc, dr in ((-1, 0), (1, 0), (0, 1), (0, -1))
        ]
        xs, ys = zip(*centres, strict=True)
        lons, lats = _transformer(self.crs, WGS84).transform(xs, ys)
        _, _, across = _WGS84_ELLIPSOID.inv(lons[0], lats[0], lons[1], lats[1])
        bearing, _, along = _WGS84_ELLIPSOID.inv(lons[2], lats[2], lons[3], lats[3])
        return across / 2, along / 2, float(bearing)

    def window_of(self, bbox: tuple[float, float, float, float], crs: str = WGS84) -> Window:
        """The whole pixels that intersect `bbox` (xmin, ymin, xmax, ymax in `crs`), clipped to the grid."""
        native = bbox if crs == self.crs else self._reproject_box(bbox, crs)
        inverse = ~self.transform
        corners = [inverse * (x, y) for x in (native[0], native[2]) for y in (native[1], native[3])]
        cols, rows = [c for c, _ in corners], [r for _, r in corners]
        col0, col1 = max(0, math.floor(min(cols))), min(self.width, math.ceil(max(cols)))
        row0, row1 = max(0, math.floor(min(rows))), min(self.height, math.ceil(max(rows)))
        if col1 <= col0 or row1 <= row0:
            raise OutsideRaster(
                f"bbox {_rounded(bbox)} in {crs} does not intersect the raster, whose bounds in "
                f"{crs} are {_rounded(self.bounds_in(crs))}"
            )
        return Window(col0, row0, col1 - col0, row1 - row0)

    def _reproject_box(self, bbox, crs: str) -> tuple[float, float, float, float]:
        native = _transformer(crs, self.crs).transform_bounds(*bbox, densify_pts=_DENSIFY_POINTS)
        if not all(math.isfinite(v) for v in native):
            raise OutsideRaster(
                f"bbox {_rounded(bbox)} in {crs} has no position in the raster's CRS "
                "(it is outside that projection's area of use)"
            )
        return native


def _rounded(values) -> list[float]:
    return [round(v, 6) for v in values]
