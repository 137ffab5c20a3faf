"""How a tile is drawn: the request's style parameters, validated against the raster and normalised.

Parameter names follow django-large-image: `band` (1-based; three for an RGB composite), `min` and
`max` (one value, or one per band), `stretch` (`p2p98` or `minmax`, from the statistics stored at
ingest, so no extra read), `palette` (a colormap name, `_r` reverses), `nodata` (one more value drawn
transparent), `scheme` (`linear` or `discrete`) and `style`: a large-image style object, for full
control, which large-image applies itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import StyleInvalid
from .colormaps import ColormapUnknown, colormap_resolve
from .source import style_palette_valid

STRETCHES = ("p2p98", "minmax")
SCHEMES = ("linear", "discrete")
STYLE_PARAMETERS = ("band", "min", "max", "stretch", "palette", "nodata", "scheme")
# What a client's large-image style may contain. Not "function": large-image imports and calls the
# Python function a style names, which no client may choose.
STYLE_BAND_KEYS = ("band", "min", "max", "palette", "nodata", "scheme", "composite", "clamp")
STYLE_MIN_MAX_WORDS = ("auto", "min", "max", "full")
STYLE_MAX_BANDS = 16


@dataclass(frozen=True)
class TileStyle:
    """The style a client asked for, normalised (None: the default for the raster)."""

    bands: tuple[int, ...] | None = None
    minimum: tuple[float, ...] | None = None
    maximum: tuple[float, ...] | None = None
    stretch: str | None = None
    palette: str | None = None
    nodata: float | None = None
    scheme: str = "linear"
    style: dict | None = None  # a large-image style; exclusive with the others

    def query(self) -> dict[str, str]:
        """The style as query parameters, in canonical form (for cache keys and URL templates)."""
        query = {
            "band": _join(self.bands),
            "min": _join(self.minimum),
            "max": _join(self.maximum),
            "stretch": self.stretch,
            "palette": self.palette,
            "nodata": None if self.nodata is None else _number(self.nodata),
            "scheme": None if self.scheme == "linear" else self.scheme,
            "style": None if self.style is None else _canonical_json(self.style),
        }
        return {key: value for key, value in query.items() if value is not None}

    def cache_token(self) -> str:
        """A stable string naming this style (sorted parameters)."""
        return "&".join(f"{key}={value}" for key, value in sorted(self.query().items()))


def _join(values: tuple | None) -> str | None:
    return None if values is None else ",".join(_number(value) for value in values)


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def style_from_query(query: Mapping[str, str], *, band_count: int) -> TileStyle:
    """Parse and check the style parameters of a request for a raster with `band_count` bands."""
    given = {name: query.get(name, "").strip() for name in (*STYLE_PARAMETERS, "style")}
    if given["style"]:
        others = [name for name in STYLE_PARAMETERS if given[name]]
        if others:
            raise StyleInvalid(
                f"parameter style cannot be combined with {', '.join(others)}: "
                "put everything in the style object"
            )
        return TileStyle(style=style_parse_large_image(given["style"], band_count=band_count))
    bands = _bands(given["band"], band_count) if given["band"] else None
    count = len(bands) if bands else None
    minimum = _per_band("min", given["min"], count) if given["min"] else None
    maximum = _per_band("max", given["max"], count) if given["max"] else None
    stretch = _choice("stretch", given["stretch"], STRETCHES) if given["stretch"] else None
    scheme = _choice("scheme", given["scheme"], SCHEMES) if given["scheme"] else "linear"
    palette = None
    if given["palette"]:
        if bands and len(bands) > 1:
            raise StyleInvalid(
                "parameter palette colours one band: drop it, or ask for a single band "
                "(band=3,2,1 draws an RGB composite)"
            )
        try:
            palette = colormap_resolve(given["palette"])
        except ColormapUnknown as exc:
            raise StyleInvalid(f"parameter palette: {exc}") from None
    nodata = _float("nodata", given["nodata"], allow_nan=True) if given["nodata"] else None
    return TileStyle(bands, minimum, maximum, stretch, palette, nodata, scheme)


def _bands(text: str, band_count: int) -> tuple[int, ...]:
    try:
        bands = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise StyleInvalid(
            f"parameter band={text!r} is invalid: expected band numbers such as 1 or 3,2,1"
        ) from None
    if len(bands) not in (1, 3):
        raise StyleInvalid(
            f"parameter band={text!r} is invalid: give one band, or three for an RGB composite"
        )
    for band in bands:
        if not 1 <= band <= band_count:
            raise StyleInvalid(
                f"parameter band: band {band} is out of range: this raster has bands 1 to {band_count}"
            )
    return bands


def _per_band(name: str, text: str, count: int | None) -> tuple[float, ...]:
    values = tuple(_float(name, part) for part in text.split(","))
    if len(values) != 1 and len(values) != (count or 1):
        raise StyleInvalid(
            f"parameter {name}={text!r} is invalid: give one value, or one per band "
            f"({count or 1} here)"
        )
    return values


def _float(name: str, text: str, *, allow_nan: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise StyleInvalid(f"parameter {name}={text!r} is invalid: expected a number") from None
    if math.isinf(value) or (math.isnan(value) and not allow_nan):
        raise StyleInvalid(f"parameter {name}={text!r} is invalid: expected a finite number")
    return value


def _choice(name: str, text: str, choices: tuple[str, ...]) -> str:
    value = text.lower()
    if value not in choices:
        raise StyleInvalid(
            f"parameter {name}={text!r} is invalid: expected one of {', '.join(choices)}"
        )
    return value


def style_parse_large_image(text: str, *, band_count: int) -> dict:
    """Parse a large-image style object and check every key and value it may contain."""
    try:
        style = json.loads(text)
    except ValueError as exc:
        raise StyleInvalid(f"parameter style is not valid JSON: {exc}") from None
    if not isinstance(style, dict) or not style:
        raise StyleInvalid('parameter style must be a JSON object such as {"band": 1}')
    if "bands" in style:
        extra = sorted(set(style) - {"bands"})
        if extra:
            raise StyleInvalid(f"style: {', '.join(extra)} cannot sit next to bands")
        entries = style["bands"]
        if not isinstance(entries, list) or not 1 <= len(entries) <= STYLE_MAX_BANDS:
            raise StyleInvalid(f"style: bands must be a list of 1 to {STYLE_MAX_BANDS} objects")
    else:
        entries = [style]
    for position, entry in enumerate(entries):
        _check_style_entry(entry, position, band_count)
    return style


def _check_style_entry(entry: object, position: int, band_count: int) -> None:
    where = f"style band entry {position + 1}"
    if not isinstance(entry, dict):
        raise StyleInvalid(f"{where} must be an object")
    unknown = sorted(set(entry) - set(STYLE_BAND_KEYS))
    if unknown:
        raise StyleInvalid(
            f"{where}: key {unknown[0]!r} is not supported (allowed: {', '.join(STYLE_BAND_KEYS)})"
        )
    band = entry.get("band", 1)
    if band != "alpha" and not (
        isinstance(band, int) and not isinstance(band, bool) and 1 <= band <= band_count
    ):
        raise StyleInvalid(
            f"{where}: band {band!r} is out of range: this raster has bands 1 to {band_count} "
            '(or "alpha")'
        )
    for key in ("min", "max"):
        if key in entry and not (_is_number(entry[key]) or entry[key] in STYLE_MIN_MAX_WORDS):
            raise StyleInvalid(
                f"{where}: {key} must be a number or one of {', '.join(STYLE_MIN_MAX_WORDS)}"
            )
    if "nodata" in entry and not _is_number(entry["nodata"]):
        raise StyleInvalid(f"{where}: nodata must be a number")
    if "palette" in entry and not style_palette_valid(entry["palette"]):
        raise StyleInvalid(
            f"{where}: palette {entry['palette']!r} is neither a colormap name nor a list of colours"
        )
    for key, allowed in (("scheme", SCHEMES), ("composite", ("lighten", "multiply"))):
        if key in entry and entry[key] not in allowed:
            raise StyleInvalid(f"{where}: {key} must be one of {', '.join(allowed)}")
    if "clamp" in entry and not isinstance(entry["clamp"], bool):
        raise StyleInvalid(f"{where}: clamp must be true or false")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
