"""An expression over a whole raster, on the statistics level: its histogram and its value range.

No statistics are stored for an expression at ingest, so they are computed on demand on the level
histograms use (at most RASTERCATALOG_HISTOGRAM_MAX_SIZE pixels a side, GDAL picking the matching
overview), and the value range a tile is stretched over is kept in the Django cache, keyed by the
raster's checksum and the expression: one read per raster and expression, not one per tile.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
from django.conf import settings

from ..models import Raster
from .bandmath import expression_apply
from .cache import cache_get_or_render
from .expression import Expression
from .pixels import Histogram, level_size
from .source import tilesource_dataset
from .windows import bands_read, read_errors


def expression_level(raster: Raster, expression: Expression) -> tuple[np.ndarray, tuple[int, int]]:
    """The expression's float32 values (NaN: no data) on the statistics level, and its size."""
    width, height = level_size(raster.width, raster.height)
    with tilesource_dataset(raster) as dataset, read_errors():
        stack, valid = bands_read(dataset, bands=expression.bands, size=(width, height))
    planes = {band: stack[:, :, i] for i, band in enumerate(expression.bands)}
    return expression_apply(expression, planes, valid=valid), (width, height)


def expression_histogram(
    raster: Raster,
    expression: Expression,
    *,
    bins: int = 256,
    value_range: tuple[float, float] | None = None,
    density: bool = False,
) -> Histogram:
    """Histogram of the expression's valid values on the statistics level."""
    values, size = expression_level(raster, expression)
    data = values[np.isfinite(values)].astype(np.float64)
    counts, edges = np.histogram(
        data, bins=bins, range=value_range, density=density and data.size > 0
    )
    return Histogram(
        band=0,
        counts=[c.item() for c in counts],
        edges=[e.item() for e in edges],
        level_size=size,
        valid_pixels=int(data.size),
    )


def expression_range(
    raster: Raster, expression: Expression, *, stretch: str
) -> tuple[float, float]:
    """The expression's extremes (`minmax`) or 2nd-98th percentiles (`p2p98`), cached."""
    digest = hashlib.sha256(expression.text.encode()).hexdigest()[:32]
    key = f"expression-range:{raster.checksum_sha256}:{digest}"

    def compute() -> bytes:
        values, _ = expression_level(raster, expression)
        data = values[np.isfinite(values)]
        if data.size == 0:
            ranges = {"minmax": [0.0, 1.0], "p2p98": [0.0, 1.0]}
        else:
            p2, p98 = np.percentile(data, [2, 98])
            ranges = {
                "minmax": [float(data.min()), float(data.max())],
                "p2p98": [float(p2), float(p98)],
            }
        return json.dumps(ranges).encode()

    content, _ = cache_get_or_render(
        key, compute, timeout=settings.RASTERCATALOG_TILE_CACHE_TIMEOUT
    )
    low, high = json.loads(content)[stretch]
    return low, high
