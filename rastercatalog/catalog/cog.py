"""Cloud-Optimized GeoTIFF verdicts. The only module that imports rio_cogeo.

rio-cogeo runs on rasterio's bundled GDAL, so the source's GDAL options are passed to it through
`reader.gdal_env`. Call it only on sources that `reader.dataset_open` accepted.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field

from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rio_cogeo.cogeo import cog_info, cog_validate

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
