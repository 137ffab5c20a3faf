"""{% raster_thumbnail raster "200x200" "crop" "jpg" as thumb %}: a signed thumbnail for an <img>.

`thumb.url`, `thumb.width` and `thumb.height` are what the URL returns, so the page lays out before
the image arrives: <img src="{{ thumb.url }}" width="{{ thumb.width }}" height="{{ thumb.height }}">.
"""

from __future__ import annotations

from django import template

from ..models import Raster
from ..render.thumbnails import Thumbnail, thumbnail_get

register = template.Library()


@register.simple_tag
def raster_thumbnail(
    raster: Raster, size: str = "200x200", method: str = "fit", fmt: str = "jpg"
) -> Thumbnail | None:
    """Return the signed thumbnail of a ready raster (None when the raster is not ready)."""
    # A page listing rasters must not break on one still being ingested.
    if raster is None or raster.status != Raster.Status.READY:
        return None
    return thumbnail_get(raster, size=size, method=method, fmt=fmt)
