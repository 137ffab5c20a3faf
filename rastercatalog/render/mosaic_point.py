"""A mosaic's time series: every band's value at a point, raster by raster, as the pixel API reads it.

With an analysis, each raster's entry also has the `value` the pixel API gives for it: the
expression on its band values, or the algorithm from its 3 x 3 neighbours at full resolution.
A raster without a band the analysis reads takes no part, as in mosaic tiles.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import AnalysisInvalid, OutsideRaster
from ..geo.pixelgrid import WGS84, Grid
from ..models import Raster
from .analysis import Analysis
from .bandmath import expression_value
from .pixels import pixel_values
from .terrain import terrain_pixel


def point_series(
    rasters: Sequence[Raster],
    *,
    lon: float,
    lat: float,
    analysis: Analysis | None = None,
    band: int | None = None,
) -> list[dict]:
    """Per raster, in the order given: its id, name, acquisition time and values (nodata: None),
    and with `analysis` its value (`band`: the band an algorithm reads).

    A raster whose footprint touches the point but whose grid has no pixel there (its outline is
    traced on a coarser level) is left out, as the pixel API would answer 404 for it.
    """
    needed = _needed_band(analysis, band)
    most = max((raster.band_count or 1 for raster in rasters), default=needed)
    if needed > most:
        what = "expression reads band b" if analysis.expression is not None else "band "
        raise AnalysisInvalid(
            f"parameter {what}{needed}, and the rasters at this point have at most {most} "
            "band(s) (a raster without it takes no part)"
        )
    series = []
    for raster in rasters:
        if (raster.band_count or 1) < needed:
            continue
        try:
            col, row = Grid.of(raster).pixel_at(lon, lat, WGS84)
        except OutsideRaster:
            continue
        values = pixel_values(raster, col=col, row=row)
        entry = {
            "raster": raster.pk,
            "name": raster.name,
            "acquired_at": raster.acquired_at,
            "values": values,
        }
        if analysis is not None:
            entry["value"] = _value(raster, analysis, band, values, col=col, row=row)
        series.append(entry)
    return series


def _needed_band(analysis: Analysis | None, band: int | None) -> int:
    if analysis is None:
        return 1
    if analysis.expression is not None:
        return max(analysis.expression.bands)
    return band or 1


def _value(
    raster: Raster, analysis: Analysis, band: int | None, values: list, *, col: int, row: int
) -> float | None:
    if analysis.expression is not None:
        return expression_value(analysis.expression, values)
    return terrain_pixel(
        raster,
        col=col,
        row=row,
        band=band or 1,
        algorithm=str(analysis.algorithm),
        azimuth=analysis.azimuth,
        altitude=analysis.altitude,
        zfactor=analysis.zfactor,
    )
