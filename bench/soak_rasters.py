"""The five rasters of bench/soak.py: varied types, CRSs and layouts, a few hundred MB in all.

- rgb_utm: a 4000 x 4000 uint8 RGB COG in UTM 33N at 10 m (tile_rasters.scene_write);
- dem_utm: a 2000 x 2000 float32 COG (DEFLATE + predictor, nodata corner), UTM 33N at 20 m;
- world_4326: a 3600 x 1800 int16 COG covering the world in EPSG:4326 (0.1 degree);
- landcover_3857: a 2048 x 2048 uint8 COG with a colour table, Web Mercator at 300 m;
- striped_utm: a 2500 x 2500 uint16 two-band GeoTIFF in strips with no overviews (not a COG),
  UTM 32N at 200 m.

Each file is written once under the directory and reused by the next run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from osgeo import gdal, gdal_array, osr
from tile_rasters import dem_write, scene_write

gdal.UseExceptions()


def rasters_write(directory: Path) -> dict[str, Path]:
    """Write the rasters that are missing under `directory`; return name -> path."""
    writers = {
        "rgb_utm": lambda path: scene_write(path, size=4000),
        "dem_utm": lambda path: dem_write(path, size=2000),
        "world_4326": _world_write,
        "landcover_3857": _landcover_write,
        "striped_utm": _striped_write,
    }
    paths = {}
    for name, write in writers.items():
        path = directory / f"soak_{name}.tif"
        if not path.exists():
            print(f"writing {path} …", flush=True)
            write(path)
        paths[name] = path
    return paths


def _srs(epsg: int) -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    return srs


def _write(path: Path, array: np.ndarray, epsg: int, geotransform, *, cog: bool, **extra) -> None:
    """Write bands (b, rows, cols) to a GeoTIFF, through a MEM dataset, as a COG or in strips."""
    bands, rows, cols = array.shape
    dtype = gdal_array.NumericTypeCodeToGDALTypeCode(array.dtype)
    memory = gdal.GetDriverByName("MEM").Create("", cols, rows, bands, dtype)
    memory.SetSpatialRef(_srs(epsg))
    memory.SetGeoTransform(geotransform)
    for index in range(bands):
        memory.GetRasterBand(index + 1).WriteArray(array[index])
    if extra.get("colors") is not None:
        memory.GetRasterBand(1).SetRasterColorTable(extra["colors"])
    if extra.get("nodata") is not None:
        memory.GetRasterBand(1).SetNoDataValue(extra["nodata"])
    partial = path.with_name(path.stem + ".partial.tif")
    if cog:
        resampling = "NEAREST" if extra.get("colors") is not None else "AVERAGE"
        creation = ["COMPRESS=DEFLATE", "BLOCKSIZE=512", f"OVERVIEW_RESAMPLING={resampling}"]
        gdal.Translate(str(partial), memory, format="COG", creationOptions=creation)
    else:
        creation = ["TILED=NO", "COMPRESS=LZW", "BLOCKYSIZE=16"]
        gdal.Translate(str(partial), memory, format="GTiff", creationOptions=creation)
    partial.rename(path)  # a killed run never leaves a half-written file under the real name


def _world_write(path: Path) -> None:
    lat, lon = np.meshgrid(np.linspace(89.95, -89.95, 1800), np.linspace(-179.95, 179.95, 3600))
    temperature = 300 * np.cos(np.radians(lat.T)) - 50 + 40 * np.sin(np.radians(lon.T) * 3)
    array = temperature.astype(np.int16)[np.newaxis]
    _write(path, array, 4326, (-180.0, 0.1, 0.0, 90.0, 0.0, -0.1), cog=True, nodata=-32768)


def _landcover_write(path: Path) -> None:
    y, x = np.mgrid[0:2048, 0:2048]
    classes = ((x // 97 * 7 + y // 61 * 13 + (x * y) // 50000) % 8).astype(np.uint8)
    colors = gdal.ColorTable()
    palette = [(0, 100, 0), (34, 139, 34), (154, 205, 50), (255, 215, 0), (210, 105, 30)]
    palette += [(70, 130, 180), (128, 128, 128), (255, 255, 255)]
    for index, rgb in enumerate(palette):
        colors.SetColorEntry(index, (*rgb, 255))
    origin = (1_000_000.0, 6_000_000.0)  # central Europe
    geotransform = (origin[0], 300.0, 0.0, origin[1], 0.0, -300.0)
    _write(path, classes[np.newaxis], 3857, geotransform, cog=True, colors=colors)


def _striped_write(path: Path) -> None:
    y, x = np.mgrid[0:2500, 0:2500]
    red = (2000 + 1500 * np.sin(x / 90) * np.cos(y / 70)).astype(np.uint16)
    nir = (3000 + 1000 * np.cos((x + y) / 120)).astype(np.uint16)
    geotransform = (300_000.0, 200.0, 0.0, 5_400_000.0, 0.0, -200.0)
    _write(path, np.stack([red, nir]), 32632, geotransform, cog=False)
