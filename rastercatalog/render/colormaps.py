"""Named colormaps for tiles and legends: matplotlib's set, `_r` reversed, as lookup tables.

matplotlib is the source of the names because it is what people type (`viridis`, `terrain`,
`RdYlBu_r`), and large-image resolves the same names when a `style` names a palette, so both ways of
styling agree. palettable, which large-image bundles, has only four of matplotlib's maps.
"""

from __future__ import annotations

import io
from functools import lru_cache

import matplotlib
import numpy as np
from PIL import Image

from ..errors import ColormapUnknown

REVERSED_SUFFIX = "_r"
# Entries of a linear lookup table: one per 8-bit step of the normalised value.
LINEAR_STEPS = 256


@lru_cache(maxsize=1)
def colormap_names() -> tuple[str, ...]:
    """Names of the colormaps, without their `_r` variants (every name also works reversed)."""
    names = {name for name in matplotlib.colormaps if not name.endswith(REVERSED_SUFFIX)}
    return tuple(sorted(names, key=str.lower))


def colormap_resolve(name: str) -> str:
    """Return the colormap's canonical name (case-insensitive match), or raise ColormapUnknown."""
    if name in matplotlib.colormaps:
        return name
    by_lower = {known.lower(): known for known in matplotlib.colormaps}
    if name.lower() in by_lower:
        return by_lower[name.lower()]
    raise ColormapUnknown(
        f"unknown palette {name!r}: valid names are {', '.join(colormap_names())} "
        f"(add {REVERSED_SUFFIX} to reverse any of them)"
    )


@lru_cache(maxsize=64)
def colormap_colors(name: str) -> np.ndarray:
    """The colormap's own colours as an (N, 4) uint8 RGBA array (N is 256 for smooth maps)."""
    cmap = matplotlib.colormaps[colormap_resolve(name)]
    colors = cmap(np.linspace(0.0, 1.0, cmap.N), bytes=True)
    colors.setflags(write=False)
    return colors


@lru_cache(maxsize=64)
def colormap_lut(name: str) -> np.ndarray:
    """A (256, 4) uint8 RGBA table: entry i is the colour at i/255 along the map, interpolated."""
    cmap = matplotlib.colormaps[colormap_resolve(name)]
    lut = cmap(np.linspace(0.0, 1.0, LINEAR_STEPS), bytes=True)
    lut.setflags(write=False)
    return lut


def colormap_legend_png(name: str, *, width: int, height: int, discrete: bool = False) -> bytes:
    """A legend bar: low values left (or bottom, when taller than wide), high values right (top)."""
    vertical = height > width
    length = height if vertical else width
    position = np.linspace(0.0, 1.0, length)  # both ends of the map are shown exactly
    if discrete:
        colors = colormap_colors(name)
        strip = colors[np.minimum((position * len(colors)).astype(int), len(colors) - 1)]
    else:
        strip = colormap_lut(name)[np.round(position * (LINEAR_STEPS - 1)).astype(int)]
    if vertical:
        pixels = np.repeat(strip[::-1, np.newaxis, :], width, axis=1)
    else:
        pixels = np.repeat(strip[np.newaxis, :, :], height, axis=0)
    output = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(output, "PNG")
    return output.getvalue()
