"""Cloud-Optimized GeoTIFF verdicts and conversion. The only module that imports rio_cogeo.

rio-cogeo runs on rasterio's bundled GDAL, so the source's GDAL options are passed to it through
`reader.gdal_env`. Call it only on sources that `reader.dataset_open` accepted.
"""

from __future__ import annotations

import errno
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np
import rasterio
from rasterio.enums import ColorInterp
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.windows import Window
from rio_cogeo.cogeo import cog_info, cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles

from ..errors import ConversionFailed, ConversionRefused, one_line
from .reader import gdal_env
from .sources import RasterSource


@dataclass
class CogReport:
    is_valid: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # rio-cogeo's profile, geo and per-IFD detail (empty when it cannot read the file).
    info: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "is_valid": self.is_valid,
            "errors": self.errors,
            "warnings": self.warnings,
            **self.info,
        }


def cog_report(source: RasterSource) -> CogReport:
    """Validate `source` as a COG with rio-cogeo and collect its profile and IFD layout."""
    with gdal_env(source), warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        try:
            is_valid, errors, warns = cog_validate(source.gdal_path, quiet=True)
        except RasterioError as exc:
            return CogReport(is_valid=False, errors=[f"cannot be read as a GeoTIFF: {exc}"])
        info: dict = {}
        try:
            details = json.loads(cog_info(source.gdal_path).model_dump_json(by_alias=True))
            info = {key: details.get(key) for key in ("Profile", "GEO", "IFD", "Compression")}
        except (RasterioError, ValueError):
            pass  # the verdict stands without the detail
    return CogReport(is_valid=bool(is_valid), errors=list(errors), warnings=list(warns), info=info)


# Lossy compressions are only ever used when asked for, and only on RGB(A) uint8 rasters.
COMPRESSIONS = ("deflate", "jpeg", "webp")
LOSSY_COMPRESSIONS = ("jpeg", "webp")
_RGB = (ColorInterp.red, ColorInterp.green, ColorInterp.blue)


@dataclass(frozen=True)
class CogProfile:
    """How a COG is written: GTiff creation options and the overviews' resampling."""

    compression: str
    options: dict
    overview_resampling: str

    @property
    def lossless(self) -> bool:
        return self.compression not in LOSSY_COMPRESSIONS

    def as_dict(self) -> dict:
        return {
            "compression": self.compression,
            "lossless": self.lossless,
            "overview_resampling": self.overview_resampling,
            "options": {key: str(value) for key, value in self.options.items()},
        }


def cog_profile_choose(source: RasterSource, *, compression: str = "deflate") -> CogProfile:
    """Choose the COG profile from the data: DEFLATE + predictor, JPEG/WebP for RGB uint8 on request."""
    compression = (compression or "deflate").lower()
    if compression not in COMPRESSIONS:
        raise ConversionRefused(
            f"unknown COG compression {compression!r}: choose one of {', '.join(COMPRESSIONS)}"
        )
    with gdal_env(source), warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        try:
            with rasterio.open(source.gdal_path) as src:
                dtypes, colorinterp, count = set(src.dtypes), tuple(src.colorinterp), src.count
        except RasterioError as exc:
            raise ConversionFailed(f"cannot open the original for conversion: {exc}") from exc
    dtype = dtypes.pop() if len(dtypes) == 1 else "mixed"
    palette = ColorInterp.palette in colorinterp
    if compression in LOSSY_COMPRESSIONS:
        if dtype != "uint8" or count not in (3, 4) or colorinterp[:3] != _RGB:
            raise ConversionRefused(
                f"{compression.upper()} is lossy and only offered for RGB uint8 rasters; this one "
                f"has {count} band(s) of {dtype}: convert with deflate (lossless) instead"
            )
        return CogProfile(compression, dict(cog_profiles.get(compression)), "average")
    options = dict(cog_profiles.get("deflate"))
    # Horizontal differencing for integers, floating-point prediction for floats.
    floating = dtype.startswith("float") or dtype.startswith("complex")
    options["predictor"] = 3 if floating and not dtype.startswith("complex") else 2
    if dtype.startswith("complex"):
        options.pop("predictor")
    # A palette's indices must not be averaged into colours that are not in it.
    resampling = "nearest" if palette else "average"
    return CogProfile("deflate", options, resampling)


def cog_write(
    source: RasterSource, *, destination: Path, profile: CogProfile, progress: TextIO | None = None
) -> None:
    """Write `source` as a COG at `destination` with rio-cogeo; ConversionFailed says why not."""
    config = {"GDAL_TIFF_INTERNAL_MASK": True, "GDAL_TIFF_OVR_BLOCKSIZE": "512"}
    with gdal_env(source), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rio-cogeo warns about masks and alpha it handles
        try:
            cog_translate(
                source.gdal_path,
                str(destination),
                profile.options,
                overview_resampling=profile.overview_resampling,
                config=config,
                forward_band_tags=True,
                forward_ns_tags=True,
                # Never in memory: rio-cogeo's default holds up to 120 Mpx per band in RAM. The
                # intermediate file goes beside `destination`.
                in_memory=False,
                quiet=progress is None,
                progress_out=progress,
            )
        except (RasterioError, ValueError, RuntimeError) as exc:  # RasterioIOError is an OSError
            text = one_line(exc)
            if "No space left" in text:
                raise ConversionFailed(f"disk full while writing the COG: {text}") from exc
            raise ConversionFailed(f"rio-cogeo could not convert the raster: {text}") from exc
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise ConversionFailed(f"disk full while writing the COG: {exc}") from exc
            raise ConversionFailed(f"cannot write the COG: {exc}") from exc


def cog_pixels_differ(original: RasterSource, cog_path: Path) -> int:
    """Count the pixels of `cog_path` that differ from `original` (values or validity).

    Under an alpha of 0 nothing is visible, and GDAL's warper (which rio-cogeo reads through)
    writes 0 there: colour values are compared where alpha > 0, the alpha band everywhere.
    """
    differ = 0
    with gdal_env(original), warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(original.gdal_path) as src, rasterio.open(cog_path) as cog:
            if (src.count, src.width, src.height) != (cog.count, cog.width, cog.height):
                return src.count * src.width * src.height
            alpha = [i for i, c in enumerate(src.colorinterp) if c == ColorInterp.alpha]
            row_bytes = src.width * src.count * max(np.dtype(d).itemsize for d in src.dtypes)
            rows = max(1, min(src.height, 16 * 2**20 // max(row_bytes, 1)))
            for top in range(0, src.height, rows):
                window = Window(0, top, src.width, min(rows, src.height - top))
                a, b = src.read(window=window), cog.read(window=window)
                a_mask, b_mask = src.read_masks(window=window), cog.read_masks(window=window)
                if alpha:
                    hidden = a[alpha[0]] == 0
                    for index in range(src.count):
                        if index != alpha[0]:
                            a[index][hidden], b[index][hidden] = 0, 0
                same = (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b
                same &= a_mask == b_mask
                differ += int(np.count_nonzero(~same.all(axis=0)))
    return differ
