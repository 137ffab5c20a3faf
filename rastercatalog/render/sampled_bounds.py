"""Bounds of a raster whose corners PROJ cannot place on the Earth, from a grid of samples.

large-image bounds a raster by its four corners; a geostationary full disk's corners look past the
Earth's limb, so they come out infinite. render/source.py falls back on these bounds then.
"""

from __future__ import annotations

import math

import numpy as np
import pyproj

BOUNDS_SAMPLES = 129  # per side: 16,641 points, ~5 ms once per opened source


def bounds_finite(bounds: dict) -> bool:
    """True when all four corners of large-image's bounds are finite numbers."""
    return all(
        math.isfinite(bounds[key][axis]) for key in ("ll", "ul", "lr", "ur") for axis in "xy"
    )


def bounds_from_samples(source, srs) -> dict | None:
    """Bound a large-image GDAL source in `srs` by those of its grid samples that land on the Earth."""
    gt = source._getGeoTransform()
    cols, rows = np.meshgrid(
        np.linspace(0, source.sourceSizeX, BOUNDS_SAMPLES),
        np.linspace(0, source.sourceSizeY, BOUNDS_SAMPLES),
    )
    xs, ys = gt[0] + cols * gt[1] + rows * gt[2], gt[3] + cols * gt[4] + rows * gt[5]
    transformer = pyproj.Transformer.from_proj(
        source._proj4Proj(source.getProj4String()), source._proj4Proj(srs), always_xy=True
    )
    px, py = transformer.transform(xs, ys, errcheck=False)
    finite = np.isfinite(px) & np.isfinite(py)
    if not finite.any():
        return None
    xmin, xmax, ymin, ymax = px[finite].min(), px[finite].max(), py[finite].min(), py[finite].max()
    # The limb falls between two samples: widen by one sample step so edge tiles are not skipped.
    xpad, ypad = (xmax - xmin) / (BOUNDS_SAMPLES - 1), (ymax - ymin) / (BOUNDS_SAMPLES - 1)
    xmin, xmax, ymin, ymax = xmin - xpad, xmax + xpad, ymin - ypad, ymax + ypad
    if source._proj4Proj(srs).crs.is_geographic:
        xmin, xmax, ymin, ymax = max(xmin, -180), min(xmax, 180), max(ymin, -90), min(ymax, 90)
    corner = {"ll": (xmin, ymin), "ul": (xmin, ymax), "lr": (xmax, ymin), "ur": (xmax, ymax)}
    bounds = {key: {"x": float(x), "y": float(y)} for key, (x, y) in corner.items()}
    srs_text = srs.decode() if isinstance(srs, bytes) else srs
    bounds.update(srs=srs_text, xmin=float(xmin), xmax=float(xmax), ymin=float(ymin))
    bounds["ymax"] = float(ymax)
    return bounds
