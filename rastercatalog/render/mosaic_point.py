"""A mosaic's time series: every band's value at a point, raster by raster, as the pixel API reads it."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import OutsideRaster
from ..geo.pixelgrid import WGS84, Grid
from ..models import Raster
from .pixels import pixel_values


def point_series(rasters: Sequence[Raster], *, lon: float, lat: float) -> list[dict]:
    """Per raster, in the order given: its id, name, acquisition time and values (nodata: None).

    A raster whose footprint touches the point but whose grid has no pixel there (its outline is
    traced on a coarser level) is left out, as the pixel API would answer 404 for it.
    """
    series = []
    for raster in rasters:
        try:
            col, row = Grid.of(raster).pixel_at(lon, lat, WGS84)
        except OutsideRaster:
            continue
        series.append(
            {
                "raster": raster.pk,
                "name": raster.name,
                "acquired_at": raster.acquired_at,
                "values": pixel_values(raster, col=col, row=row),
            }
        )
    return series
