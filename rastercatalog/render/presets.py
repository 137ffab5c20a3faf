"""Which spectral indices a raster's bands allow: band roles from what ingest stored, then presets.

A band's role (red, green, near-infrared) comes from its GDAL colour interpretation where GDAL has
one (red, green; `nir` since GDAL 3.10), else from words in its description ("Red", "NIR",
"near infrared", "B4 (green)"). A red-edge band is not red. Nothing is guessed from band numbers:
B4 is red in Landsat 8 and Sentinel-2 but not in Landsat 5.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import Band

ROLES = ("red", "green", "nir")
# name -> (the band subtracted from, the band subtracted, palette, what it shows)
PRESETS = {
    "NDVI": ("nir", "red", "RdYlGn", "Normalized difference vegetation index"),
    "NDWI": ("green", "nir", "RdBu", "Normalized difference water index (McFeeters)"),
}
_WORDS = re.compile(r"[a-z]+")


def band_role(band: Band) -> str | None:
    """red, green or nir for a band whose interpretation or description says so, else None."""
    interpretation = (band.color_interpretation or "").lower()
    if interpretation in ROLES:
        return interpretation
    words = set(_WORDS.findall((band.description or "").lower()))
    if "nir" in words or {"near", "infrared"} <= words or "nearinfrared" in words:
        return "nir"
    if "edge" in words or "rededge" in words:
        return None
    for role in ("red", "green"):
        if role in words:
            return role
    return None


def presets_for(bands: Sequence[Band]) -> list[dict]:
    """The presets whose bands this raster has (each role given by exactly one band)."""
    found: dict[str, list[int]] = {}
    for band in bands:
        role = band_role(band)
        if role is not None:
            found.setdefault(role, []).append(band.index)
    roles = {role: numbers[0] for role, numbers in found.items() if len(numbers) == 1}
    presets = []
    for name, (first, second, palette, title) in PRESETS.items():
        if first in roles and second in roles:
            a, b = roles[first], roles[second]
            presets.append(
                {
                    "name": name,
                    "title": title,
                    "expression": f"(b{a} - b{b}) / (b{a} + b{b})",
                    "bands": {first: a, second: b},
                    "min": -1,
                    "max": 1,
                    "palette": palette,
                }
            )
    return presets
