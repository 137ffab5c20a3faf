"""What a raster is: metadata, band statistics and footprint, read from an open GDAL dataset.

Statistics and the footprint come from one read of each band at a level no larger than
RASTERCATALOG_STATS_MAX_SIZE pixels a side (GDAL picks the matching overview when there is one),
so their cost does not grow with the raster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from affine import Affine
from django.conf import settings
from osgeo import gdal, osr
from pyproj import Geod
from rasterio._err import CPLE_BaseError  # GDAL's errors as rasterio raises them (no public alias)
from rasterio.crs import CRS
from rasterio.errors import CRSError, RasterioError
from rasterio.warp import transform as transform_points

from ..errors import one_line
from .footprint import EmptyFootprint, Footprint, OffEarth, footprint_from_mask
from .reader import RasterRejected

_GEOD = Geod(ellps="WGS84")
# Semi-major axes of every Earth ellipsoid and sphere in use (Airy 6,377 km ... Clarke 6,378.3 km,
# the authalic sphere 6,371 km) fit in here; other planets' and moons' do not.
EARTH_SEMI_MAJOR_M = (6_350_000.0, 6_400_000.0)
# TIFF/GDAL metadata that carry an acquisition time, most specific first.
_TIME_TAGS = (("ACQUISITIONDATETIME", "IMAGERY"), ("TIFFTAG_DATETIME", ""), ("DATETIME", ""))


@dataclass
class BandFacts:
    index: int
    dtype: str
    color_interpretation: str
    description: str
    nodata: float | None
    stats: dict = field(
        default_factory=dict
    )  # min, max, mean, std, p2, p98, histogram, valid_pixels


@dataclass
class RasterFacts:
    crs_wkt: str
    crs_epsg: int | None
    width: int
    height: int
    band_count: int
    dtype: str
    nodata: float | None
    geotransform: tuple[float, ...]
    resolution: tuple[float, float]
    ground_resolution_m: float | None
    acquired_at: datetime | None
    footprint: Footprint
    bands: list[BandFacts]
    stats_size: tuple[int, int]  # the level the statistics were computed on

    @property
    def stats_approximate(self) -> bool:
        return self.stats_size != (self.width, self.height)


def raster_inspect(ds: gdal.Dataset) -> RasterFacts:
    """Read everything the catalog records about `ds`; raise RasterRejected when it can't be used."""
    crs, srs = _crs(ds)
    geotransform = ds.GetGeoTransform()
    width, height = ds.RasterXSize, ds.RasterYSize
    stats_size = _stats_size(width, height)
    transform = Affine.from_gdal(*geotransform)
    level_transform = transform @ Affine.scale(width / stats_size[0], height / stats_size[1])

    bands, valid_any = [], np.zeros((stats_size[1], stats_size[0]), dtype=bool)
    for index in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(index)
        values, valid = _read_level(band, stats_size)
        facts = BandFacts(
            index=index,
            dtype=gdal.GetDataTypeName(band.DataType),
            color_interpretation=gdal.GetColorInterpretationName(
                band.GetColorInterpretation()
            ).lower(),
            description=band.GetDescription() or "",
            nodata=band.GetNoDataValue(),
            stats=band_statistics(values[valid], band.DataType),
        )
        bands.append(facts)
        if facts.color_interpretation != "alpha":  # an alpha band is a mask, not data
            valid_any |= valid

    try:
        footprint = footprint_from_mask(
            valid_any,
            level_transform,
            crs,
            max_vertices=settings.RASTERCATALOG_FOOTPRINT_MAX_VERTICES,
        )
    except (EmptyFootprint, OffEarth) as exc:
        raise RasterRejected(str(exc)) from exc
    except (CRSError, RasterioError, CPLE_BaseError) as exc:
        # PROJ found no way from this CRS to longitude/latitude: the catalog cannot place it.
        raise RasterRejected(
            f"its coordinate reference system ({_crs_name(srs)}) cannot be transformed to "
            f"WGS 84 longitude/latitude: {one_line(exc, 300)}"
        ) from exc

    return RasterFacts(
        crs_wkt=srs.ExportToWkt(),
        crs_epsg=crs.to_epsg(),
        width=width,
        height=height,
        band_count=ds.RasterCount,
        dtype=bands[0].dtype,
        nodata=bands[0].nodata,
        geotransform=tuple(geotransform),
        resolution=(math.hypot(transform.a, transform.d), math.hypot(transform.b, transform.e)),
        ground_resolution_m=_ground_resolution(transform, crs, width, height),
        acquired_at=_acquired_at(ds),
        footprint=footprint,
        bands=bands,
        stats_size=stats_size,
    )


def _crs(ds: gdal.Dataset) -> tuple[CRS, osr.SpatialReference]:
    geotransform = ds.GetGeoTransform(can_return_null=True)
    srs = ds.GetSpatialRef()
    if geotransform is None:
        if ds.GetGCPCount():
            raise RasterRejected(
                "no georeferencing: the file has only ground control points; warp it first"
            )
        raise RasterRejected("no georeferencing: the file has no geotransform")
    if srs is None:
        raise RasterRejected(
            "no georeferencing: the file has a geotransform but no coordinate reference system"
        )
    try:
        crs = CRS.from_wkt(srs.ExportToWkt())
    except Exception as exc:  # noqa: BLE001 - any CRS PROJ cannot use is the user's data problem
        raise RasterRejected(f"unusable coordinate reference system: {exc}") from exc
    semi_major = srs.GetSemiMajor()
    if not EARTH_SEMI_MAJOR_M[0] <= semi_major <= EARTH_SEMI_MAJOR_M[1]:
        # Another body's CRS (Mars, the Moon, Europa...): PROJ rightly refuses to relate it to
        # WGS 84, and a footprint in Earth longitudes would be a lie.
        raise RasterRejected(
            f"its coordinate reference system ({_crs_name(srs)}) is not on the Earth: its "
            f"ellipsoid's semi-major axis is {semi_major / 1000:,.1f} km (the Earth's is "
            "about 6,378 km); the catalog places rasters on the Earth only"
        )
    return crs, srs


def _crs_name(srs: osr.SpatialReference) -> str:
    return srs.GetName() or srs.ExportToProj4().strip() or "unnamed"


def _stats_size(width: int, height: int) -> tuple[int, int]:
    limit = settings.RASTERCATALOG_STATS_MAX_SIZE
    scale = max(width, height) / limit
    if scale <= 1:
        return width, height
    return max(1, round(width / scale)), max(1, round(height / scale))


def _read_level(band: gdal.Band, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Read the band and its validity mask at `size`; a read error names the problem."""
    try:
        values = band.ReadAsArray(buf_xsize=size[0], buf_ysize=size[1])
        mask = band.GetMaskBand().ReadAsArray(buf_xsize=size[0], buf_ysize=size[1])
    except RuntimeError as exc:
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else "read error"
        raise RasterRejected(
            f"pixels cannot be read (corrupt or truncated data): {message}"
        ) from exc
    if values is None or mask is None:
        raise RasterRejected("pixels cannot be read (corrupt or truncated data)")
    valid = mask > 0
    if values.dtype.kind == "f":
        valid &= np.isfinite(values)
    elif values.dtype.kind == "c":
        raise RasterRejected("complex-valued bands are not supported")
    return values, valid


def band_statistics(values: np.ndarray, gdal_type: int) -> dict:
    """Summary statistics and a histogram of the valid values of one band."""
    if values.size == 0:
        return {"valid_pixels": 0, "histogram": {"edges": [], "counts": []}}
    values = values.astype(np.float64, copy=False)
    low, high = float(values.min()), float(values.max())
    if gdal_type == gdal.GDT_Byte:
        edges = np.arange(257, dtype=np.float64)  # one bin per value
    else:
        edges = np.linspace(low, high if high > low else low + 1, 257)
    counts, edges = np.histogram(values, bins=edges)
    p2, p98 = np.percentile(values, [2, 98])
    return {
        "valid_pixels": int(values.size),
        "min": low,
        "max": high,
        "mean": float(values.mean()),
        "std": float(values.std()),
        "p2": float(p2),
        "p98": float(p98),
        "histogram": {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]},
    }


def _ground_resolution(transform: Affine, crs: CRS, width: int, height: int) -> float | None:
    """Approximate metres per pixel at the raster's centre (geodesic distance of one pixel step)."""
    cx, cy = transform @ (width / 2, height / 2)
    px, py = transform @ (width / 2 + 1, height / 2)
    try:
        lons, lats = transform_points(crs, CRS.from_epsg(4326), [cx, px], [cy, py])
        _, _, distance = _GEOD.inv(lons[0], lats[0], lons[1], lats[1])
    except Exception:  # noqa: BLE001 - a centre outside the projection's domain has no ground size
        return None
    return float(distance) if math.isfinite(distance) and distance > 0 else None


def _acquired_at(ds: gdal.Dataset) -> datetime | None:
    for key, domain in _TIME_TAGS:
        raw = ds.GetMetadataItem(key, domain) if domain else ds.GetMetadataItem(key)
        if raw and (parsed := _parse_time(raw.strip())):
            return parsed
    return None


def _parse_time(raw: str) -> datetime | None:
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw[:19], fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
