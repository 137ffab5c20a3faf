"""STAC documents: the landing page, collections and items (STAC 1.1.0, STAC API 1.0.0).

Items carry the projection (v2.0.0) and raster (v1.1.0) extension fields that ingestion measured,
and nothing else: statistics and histograms were computed on the level recorded in
stats_width x stats_height, which may be an overview.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit

from osgeo import osr
from rest_framework.fields import DateTimeField

from ...models import Band, Collection, Raster
from ...search.collections import EMPTY_EXTENT, CollectionExtent
from ..fields import number_or_text
from ..links import ApiRoot, raster_links

STAC_VERSION = "1.1.0"
PROJECTION_EXTENSION = "https://stac-extensions.github.io/projection/v2.0.0/schema.json"
RASTER_EXTENSION = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"
CONFORMANCE = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/collections",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "https://api.stacspec.org/v1.0.0/ogcapi-features#sort",
    "https://api.stacspec.org/v1.0.0/item-search",
    "https://api.stacspec.org/v1.0.0/item-search#sort",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    # Filter (CQL2 text and JSON over /stac/queryables), fields, sortby on more properties.
    "https://api.stacspec.org/v1.0.0-rc.2/item-search#filter",
    "https://api.stacspec.org/v1.0.0-rc.2/ogcapi-features/extensions/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "https://api.stacspec.org/v1.0.0/item-search#fields",
    "https://api.stacspec.org/v1.0.0/ogcapi-features#fields",
    "https://api.stacspec.org/v0.3.0/aggregation",
    # Collection search: /stac/collections?q=&bbox=&datetime=
    "https://api.stacspec.org/v1.0.0-rc.1/collection-search",
    "https://api.stacspec.org/v1.0.0-rc.1/collection-search#free-text",
    "http://www.opengis.net/spec/ogcapi-common-2/1.0/conf/simple-query",
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
JSON = "application/json"
GEOJSON = "application/geo+json"
# GDAL data type names -> the raster extension's data_type values.
RASTER_DATA_TYPES = {
    "Byte": "uint8",
    "Int8": "int8",
    "UInt16": "uint16",
    "Int16": "int16",
    "UInt32": "uint32",
    "Int32": "int32",
    "UInt64": "uint64",
    "Int64": "int64",
    "Float32": "float32",
    "Float64": "float64",
    "CInt16": "cint16",
    "CInt32": "cint32",
    "CFloat32": "cfloat32",
    "CFloat64": "cfloat64",
}
_time = DateTimeField().to_representation


def landing_page(root: ApiRoot, *, collections: list[Collection], schema_url: str) -> dict:
    """The STAC API landing page: a Catalog with links to everything else."""
    stac = root.stac
    links = [
        {"rel": "self", "href": stac, "type": JSON},
        {"rel": "root", "href": stac, "type": JSON},
        {"rel": "conformance", "href": f"{stac}conformance", "type": JSON},
        {"rel": "data", "href": f"{stac}collections", "type": JSON},
        {"rel": "search", "href": f"{stac}search", "type": GEOJSON, "method": "GET"},
        {"rel": "search", "href": f"{stac}search", "type": GEOJSON, "method": "POST"},
        {"rel": QUERYABLES_REL, "href": f"{stac}queryables", "type": "application/schema+json"},
        {"rel": "aggregate", "href": f"{stac}aggregate", "type": JSON, "method": "GET"},
        {"rel": "aggregations", "href": f"{stac}aggregations", "type": JSON},
        {
            "rel": "service-desc",
            "href": schema_url,
            "type": "application/vnd.oai.openapi+json;version=3.0",
        },
    ]
    links += [
        {"rel": "child", "href": f"{stac}collections/{c.slug}", "type": JSON, "title": c.name}
        for c in collections
    ]
    return {
        "type": "Catalog",
        "stac_version": STAC_VERSION,
        "id": "rastercatalog",
        "title": "rastercatalog",
        "description": "Rasters catalogued where they are: search them by place, time and "
        "properties; read them as COGs and tiles.",
        "conformsTo": CONFORMANCE,
        "links": links,
    }


def stac_collection(
    collection: Collection, root: ApiRoot, extent: CollectionExtent = EMPTY_EXTENT
) -> dict:
    """A STAC Collection; its extent covers the ready rasters the reader may see."""
    own = f"{root.stac}collections/{collection.slug}"
    bbox = list(extent.bbox) if extent.bbox else [-180.0, -90.0, 180.0, 90.0]
    interval = [_time(extent.start) if extent.start else None]
    interval.append(_time(extent.end) if extent.end else None)
    return {
        "type": "Collection",
        "stac_version": STAC_VERSION,
        "stac_extensions": [],
        "id": collection.slug,
        "title": collection.name,
        "description": collection.description or collection.name,
        "license": collection.license or "other",
        "extent": {"spatial": {"bbox": [bbox]}, "temporal": {"interval": [interval]}},
        "links": [
            {"rel": "self", "href": own, "type": JSON},
            {"rel": "root", "href": root.stac, "type": JSON},
            {"rel": "parent", "href": root.stac, "type": JSON},
            {"rel": "items", "href": f"{own}/items", "type": GEOJSON},
            {"rel": QUERYABLES_REL, "href": f"{own}/queryables", "type": "application/schema+json"},
            {"rel": "aggregate", "href": f"{own}/aggregate", "type": JSON, "method": "GET"},
            {"rel": "aggregations", "href": f"{own}/aggregations", "type": JSON},
            {"rel": "alternate", "href": f"{root.collections}{collection.slug}/", "type": JSON},
        ],
    }


def stac_item(raster: Raster, root: ApiRoot) -> dict:
    """A raster as a STAC Item: thumbnail and metadata assets, and its file when it has a URL.

    `raster` comes from raster_list_as_stac (footprint_geojson, collection_slug, band_list).
    """
    slug = getattr(raster, "collection_slug", None) or (
        raster.collection_id and raster.collection.slug
    )
    api = raster_links(root, raster.pk)
    links = [{"rel": "root", "href": root.stac, "type": JSON}]
    if slug:
        collection_url = f"{root.stac}collections/{slug}"
        links += [
            {"rel": "self", "href": f"{collection_url}/items/{raster.pk}", "type": GEOJSON},
            {"rel": "parent", "href": collection_url, "type": JSON},
            {"rel": "collection", "href": collection_url, "type": JSON},
        ]
    else:
        links.append({"rel": "parent", "href": root.stac, "type": JSON})
    links.append({"rel": "alternate", "href": api["self"], "type": GEOJSON})
    item = {
        "type": "Feature",
        "stac_version": STAC_VERSION,
        "stac_extensions": [PROJECTION_EXTENSION, RASTER_EXTENSION],
        "id": str(raster.pk),
        "geometry": json.loads(raster.footprint_geojson) if raster.footprint_geojson else None,
        "bbox": list(raster.bbox) if raster.bbox_west is not None else None,
        "properties": _properties(raster),
        "links": links,
        "assets": {
            "thumbnail": {
                "href": api["thumbnail"],
                "type": "image/png",
                "title": "Thumbnail",
                "roles": ["thumbnail"],
            },
            "metadata": {
                "href": api["metadata"],
                "type": "application/json",
                "title": "Grid, bands and statistics",
                "roles": ["metadata"],
            },
        },
    }
    # The file itself, where clients can read it. A local path is no URL for them, and publishing
    # it would show the server's directory layout: such rasters are read through tiles instead.
    if urlsplit(raster.uri).scheme in ("http", "https", "s3"):
        item["assets"]["data"] = _data_asset(raster)
    if item["bbox"] is None:
        del item["bbox"]
    if slug:
        item["collection"] = slug
    return item


def _properties(raster: Raster) -> dict:
    # No acquisition time recorded: the time it was catalogued stands in, as rio-stac does with
    # "now"; `created` says the same, and the datetime filter only matches known times.
    moment: datetime = raster.acquired_at or raster.created
    properties = {
        "datetime": _time(moment),
        "title": raster.name,
        "created": _time(raster.created),
        "updated": _time(raster.updated),
    }
    if raster.ground_resolution_m and raster.ground_resolution_m > 0:
        properties["gsd"] = raster.ground_resolution_m
    properties.update(_projection(raster))
    return properties


def _projection(raster: Raster) -> dict:
    fields: dict = {"proj:code": f"EPSG:{raster.crs_epsg}" if raster.crs_epsg else None}
    if not raster.crs_epsg and raster.crs_wkt:
        fields["proj:wkt2"] = wkt2_from(raster.crs_wkt)
    if raster.width and raster.height:
        fields["proj:shape"] = [raster.height, raster.width]
    transform = raster.geotransform
    if transform and len(transform) == 6 and raster.width and raster.height:
        x0, dx, rx, y0, ry, dy = transform
        # STAC's transform is the affine matrix by rows (rasterio's order), GDAL's is by columns.
        fields["proj:transform"] = [dx, rx, x0, ry, dy, y0]
        corners = [
            (x0 + col * dx + row * rx, y0 + col * ry + row * dy)
            for col in (0, raster.width)
            for row in (0, raster.height)
        ]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        fields["proj:bbox"] = [min(xs), min(ys), max(xs), max(ys)]
    return fields


@lru_cache(maxsize=256)
def wkt2_from(wkt: str) -> str:
    """A CRS given as (GDAL's default, WKT1) text, as WKT2:2019."""
    srs = osr.SpatialReference()
    srs.ImportFromWkt(wkt)
    return srs.ExportToWkt(["FORMAT=WKT2_2019"])


def _data_asset(raster: Raster) -> dict:
    media_type = "image/tiff; application=geotiff"
    if raster.is_cog:
        media_type += "; profile=cloud-optimized"
    asset = {"href": raster.uri, "type": media_type, "title": raster.name, "roles": ["data"]}
    band_list = getattr(raster, "band_list", None)
    bands = [_raster_band(band, raster) for band in band_list or raster.bands.all()]
    if bands:
        asset["raster:bands"] = bands
    return asset


def _raster_band(band: Band, raster: Raster) -> dict:
    fields: dict = {}
    if band.dtype in RASTER_DATA_TYPES:
        fields["data_type"] = RASTER_DATA_TYPES[band.dtype]
    if band.nodata is not None:
        fields["nodata"] = number_or_text(band.nodata)
    if raster.ground_resolution_m and raster.ground_resolution_m > 0:
        fields["spatial_resolution"] = raster.ground_resolution_m
    statistics = {
        "minimum": band.min,
        "maximum": band.max,
        "mean": band.mean,
        "stddev": band.std,
    }
    level = (raster.stats_width or 0) * (raster.stats_height or 0)
    if band.valid_pixels is not None and level:
        statistics["valid_percent"] = 100.0 * band.valid_pixels / level
    statistics = {k: v for k, v in statistics.items() if v is not None and math.isfinite(v)}
    if statistics:
        fields["statistics"] = statistics
    edges, counts = band.histogram.get("edges") or [], band.histogram.get("counts") or []
    if counts and len(edges) == len(counts) + 1:
        fields["histogram"] = {
            "count": len(counts),
            "min": edges[0],
            "max": edges[-1],
            "buckets": counts,
        }
    return fields
