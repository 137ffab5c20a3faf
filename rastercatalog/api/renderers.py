"""Media types of the search API beyond plain JSON."""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer


class GeoJSONRenderer(JSONRenderer):
    """JSON served as application/geo+json (GeoJSON, STAC items)."""

    media_type = "application/geo+json"
    format = "geojson"


class MapboxVectorTileRenderer(BaseRenderer):
    """Lets clients that accept only vector tiles reach the tile view (whose errors stay JSON)."""

    media_type = "application/vnd.mapbox-vector-tile"
    format = "mvt"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)
