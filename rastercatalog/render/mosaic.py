"""Raw tiles of several rasters -> one raw tile, by a mosaic method (numpy only, no I/O).

Each raster's raw tile is its bands plus alpha (last), as `source.tilesource_tile` reads it. Only the
bands being drawn take part; a pixel holds data where the alpha is set, no drawn band is NaN and not
every drawn band equals the `nodata` asked for (the rule `paint.paint_apply` draws by). The result
is a raw tile again (the combined bands plus an alpha of 1 where any raster had data), so it is
painted like a single raster's.

    first    the first raster with data at the pixel, in the order given (latest on top)
    highest  the largest value, band by band
    lowest   the smallest value, band by band
    mean     the mean of the values with data
    median   their median (the mean of the middle two for an even count, as numpy's)
    count    how many rasters have data there (one band)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..timing import timed

METHODS = ("first", "highest", "lowest", "mean", "median", "count")


def planes_valid(
    raw: np.ndarray, channels: Sequence[int], nodata: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """The `channels` of a raw tile (rows x cols x k) and where they hold data (rows x cols)."""
    planes = raw[:, :, list(channels)]
    valid = raw[:, :, -1] > 0
    if planes.dtype.kind == "f":
        valid &= ~np.isnan(planes).any(axis=2)
    if nodata is not None:
        equal = np.isnan(planes) if np.isnan(nodata) else planes == nodata
        valid &= ~equal.all(axis=2)
    return planes, valid


class MosaicStack:
    """Raw tiles added top first, combined by `method`; `filled` tells `first` it may stop."""

    def __init__(self, method: str) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown mosaic method {method!r}")
        self.method = method
        self._values: np.ndarray | None = None  # first, highest, lowest: rows x cols x k
        self._have: np.ndarray | None = None  # rows x cols: some raster had data
        self._sums: np.ndarray | None = None  # mean
        self._counts: np.ndarray | None = None  # mean, count
        self._layers: list[np.ndarray] = []  # median: float64, NaN where no data
        self.added = 0

    @property
    def filled(self) -> bool:
        """True when no raster added later can change the result (`first`, every pixel set)."""
        return self.method == "first" and self._have is not None and bool(self._have.all())

    def wants(self, window: tuple[slice, slice] | None) -> bool:
        """Whether a raster drawing within `window` (rows, columns; None: anywhere) can change
        the result: for `first`, only if a pixel there is still empty."""
        if self.method != "first" or self._have is None or window is None:
            return True
        return not self._have[window].all()

    @timed("render")
    def add(self, planes: np.ndarray, valid: np.ndarray) -> None:
        """Add one raster's drawn bands and data mask (from planes_valid), below the others."""
        self.added += 1
        if self._have is None:
            self._have = np.zeros(valid.shape, bool)
        method = self.method
        if method in ("first", "highest", "lowest"):
            self._add_extreme(planes, valid)
        elif method == "median":
            self._layers.append(np.where(valid[:, :, None], planes, np.nan).astype(np.float64))
        if method in ("mean", "count"):
            if self._counts is None:
                self._counts = np.zeros(valid.shape, np.uint32)
            self._counts += valid
        if method == "mean":
            if self._sums is None:
                self._sums = np.zeros(planes.shape, np.float64)
            self._sums += np.where(valid[:, :, None], planes, 0)
        self._have |= valid

    def _add_extreme(self, planes: np.ndarray, valid: np.ndarray) -> None:
        if self._values is None:
            self._values = np.zeros(planes.shape, planes.dtype)
        elif self._values.dtype != np.result_type(self._values, planes):
            self._values = self._values.astype(np.result_type(self._values, planes))
        # copyto with a mask: a quarter of the cost of boolean indexing, on a whole tile.
        np.copyto(self._values, planes, where=(valid & ~self._have)[:, :, None])
        if self.method == "first":
            return
        pick = np.maximum if self.method == "highest" else np.minimum
        np.copyto(self._values, pick(self._values, planes), where=(valid & self._have)[:, :, None])

    @timed("render")
    def result(self) -> np.ndarray | None:
        """The combined raw tile (bands, then alpha 1 where any raster had data); None if empty."""
        if self._have is None:
            return None
        if self.method == "count":
            values = self._counts[:, :, None].astype(np.float32)
        elif self.method == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                values = self._sums / np.maximum(self._counts, 1)[:, :, None]
        elif self.method == "median":
            values = self._median()
        else:
            values = self._values
        # 1, not 255: an int8 result could not hold 255, and paint only asks for alpha > 0.
        alpha = self._have.astype(values.dtype)[:, :, None]
        return np.concatenate([values, alpha], axis=2)

    def _median(self) -> np.ndarray:
        """Median of the layers where some raster has data; NaN elsewhere.

        np.nanmedian warns "All-NaN slice encountered" for every pixel no raster covers. Silencing
        it with warnings.catch_warnings() is not thread-safe (it swaps the process's global filter
        list, so a threaded worker still logged it); only the pixels with data are given to
        nanmedian instead, and each of those has a value in at least one layer (planes_valid
        never marks a NaN valid), so no all-NaN slice is ever met.
        """
        stacked = np.stack(self._layers)  # rasters x rows x cols x bands
        values = np.full(stacked.shape[1:], np.nan, np.float64)
        have = self._have
        if have.any():
            values[have] = np.nanmedian(stacked[:, have], axis=0)
        return values
