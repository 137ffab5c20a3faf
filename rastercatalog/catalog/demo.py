"""Demo rasters written by the project's own code, so `make run` has something to show offline.

Four kinds, four CRSs: an RGB uint8 scene in UTM (a COG), a float32 DEM with a nodata collar in
EPSG:4326 (a plain striped GeoTIFF, so the COG verdict shows errors), a paletted land-cover map in
Web Mercator, and an int16 bathymetry grid in UTM 60S that crosses the antimeridian near Fiji.
The output is deterministic, so generating it again gives the same checksums.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from osgeo import gdal, gdal_array, osr

gdal.UseExceptions()


def demo_write_all(directory: Path) -> list[Path]:
    """Write the demo rasters that are missing from `directory` and return all their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for filename, writer in DEMO_RASTERS.items():
        path = directory / filename
        if not path.exists():
            partial = path.with_suffix(".partial")
            writer(partial)
            partial.rename(path)  # never leave a half-written demo file under the real name
        paths.append(path)
    return paths


def _grid(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.linspace(0, 1, width), np.linspace(0, 1, height))


def geotiff_write(
    path: Path,
    array: np.ndarray,
    *,
    epsg: int | None = None,
    crs: str | None = None,
    geotransform,
    nodata=None,
    cog=False,
    color_table: dict | None = None,
    interpretations=None,
    metadata=None,
    options: list[str] | None = None,
) -> Path:
    """Write `array` (bands x rows x cols, or rows x cols) as a GeoTIFF, or a COG with `cog=True`.

    The CRS is `epsg`, or `crs`: anything GDAL reads as a CRS (WKT, PROJ string, "ESRI:…").
    """
    bands = array if array.ndim == 3 else array[np.newaxis]
    dtype = gdal_array.NumericTypeCodeToGDALTypeCode(bands.dtype)
    memory = gdal.GetDriverByName("MEM").Create(
        "", bands.shape[2], bands.shape[1], bands.shape[0], dtype
    )
    if epsg is not None or crs is not None:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg) if epsg is not None else srs.SetFromUserInput(crs)
        memory.SetSpatialRef(srs)
    if geotransform is not None:
        memory.SetGeoTransform(geotransform)
    if metadata:
        memory.SetMetadata(metadata)
    for i, data in enumerate(bands, start=1):
        band = memory.GetRasterBand(i)
        band.WriteArray(data)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        if interpretations:
            band.SetColorInterpretation(interpretations[i - 1])
        if color_table:
            table = gdal.ColorTable()
            for value, rgba in color_table.items():
                table.SetColorEntry(value, rgba)
            band.SetRasterColorTable(table)
    if cog:
        options = options or ["COMPRESS=DEFLATE", "BLOCKSIZE=256", "OVERVIEW_RESAMPLING=NEAREST"]
        gdal.GetDriverByName("COG").CreateCopy(str(path), memory, options=options)
    else:
        gdal.GetDriverByName("GTiff").CreateCopy(
            str(path), memory, options=options or ["COMPRESS=LZW"]
        )
    return path


def write_rgb_utm(path: Path) -> None:
    """RGB uint8 'scene', 1024x1024 at 10 m in UTM 33N (Slovenia), black collar as nodata."""
    x, y = _grid(1024, 1024)
    red = 90 + 120 * np.sin(6 * np.pi * x) ** 2
    green = 60 + 150 * y
    blue = 80 + 100 * np.cos(4 * np.pi * np.hypot(x - 0.5, y - 0.5)) ** 2
    rgb = np.clip(np.stack([red, green, blue]), 1, 255).astype(np.uint8)
    # A tilted scene edge, as in a real satellite swath: outside it, nodata 0.
    rgb[:, (y - 0.08) < 0.25 * x] = 0
    rgb[:, (y - 0.9) > 0.1 * x] = 0
    geotiff_write(
        path,
        rgb,
        epsg=32633,
        geotransform=(460000.0, 10.0, 0.0, 5110000.0, 0.0, -10.0),
        nodata=0,
        cog=True,
        interpretations=[gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand],
        metadata={"TIFFTAG_DATETIME": "2024:06:15 10:05:00"},
    )


def write_dem_wgs84(path: Path) -> None:
    """float32 DEM over the western Alps in EPSG:4326, an irregular nodata collar of -9999."""
    x, y = _grid(720, 480)
    hills = sum(
        height * np.exp(-(((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2))
        for height, cx, cy, sx, sy in [
            (3800, 0.35, 0.45, 0.12, 0.2),
            (2900, 0.7, 0.6, 0.18, 0.1),
            (2200, 0.55, 0.2, 0.08, 0.15),
        ]
    )
    dem = (400 + hills).astype(np.float32)
    dem[np.hypot((x - 0.5) / 0.55, (y - 0.5) / 0.5) > 1] = -9999.0
    geotiff_write(
        path,
        dem,
        epsg=4326,
        geotransform=(6.0, 3.0 / 720, 0.0, 47.0, 0.0, -2.0 / 480),
        nodata=-9999.0,
        metadata={"TIFFTAG_DATETIME": "2023:09:01 00:00:00"},
    )


LAND_COVER = {
    0: (0, 0, 0, 0),
    1: (31, 120, 180, 255),
    2: (51, 160, 44, 255),
    3: (178, 223, 138, 255),
    4: (227, 26, 28, 255),
    5: (255, 255, 153, 255),
}


def write_landcover_mercator(path: Path) -> None:
    """Paletted uint8 land-cover classes (water, forest, grass, urban, crops) in EPSG:3857 (Lisbon)."""
    rng = np.random.default_rng(42)
    x, y = _grid(512, 512)
    classes = 2 + (np.sin(9 * x) + np.cos(7 * y) > 0.3).astype(np.uint8)
    classes[np.hypot(x - 0.3, y - 0.7) < 0.12] = 4
    classes[(x > 0.6) & (rng.random((512, 512)) > 0.3) & (y < 0.5)] = 5
    classes[x + 0.4 * y < 0.25] = 1
    geotiff_write(
        path,
        classes,
        epsg=3857,
        geotransform=(-1030000.0, 20.0, 0.0, 4690000.0, 0.0, -20.0),
        nodata=0,
        cog=True,
        color_table=LAND_COVER,
        interpretations=[gdal.GCI_PaletteIndex],
    )


def write_bathymetry_antimeridian(path: Path) -> None:
    """int16 depths in UTM 60S (EPSG:32760) around Fiji; the grid crosses 180° longitude."""
    x, y = _grid(400, 400)
    depth = (-4000 + 3900 * np.exp(-((x - 0.6) ** 2 + (y - 0.4) ** 2) / 0.05)).astype(np.int16)
    geotiff_write(
        path,
        depth,
        epsg=32760,
        geotransform=(700000.0, 1000.0, 0.0, 8150000.0, 0.0, -1000.0),
        nodata=-32768,
        cog=True,
    )


DEMO_RASTERS: dict[str, Callable[[Path], None]] = {
    "rgb_utm33n.tif": write_rgb_utm,
    "dem_alps_wgs84.tif": write_dem_wgs84,
    "landcover_lisbon_mercator.tif": write_landcover_mercator,
    "bathymetry_fiji_utm60s.tif": write_bathymetry_antimeridian,
}
