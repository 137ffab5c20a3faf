// Every API URL the viewer requests, built from the API root (names as in /api/…): search,
// collections, colormaps, a raster's record, bands, metadata, COG report, pixel, histogram,
// TileJSON, tiles, legend bars, region downloads and the footprints' vector tiles. Pure functions.

const root = (apiRoot) => apiRoot.replace(/\/$/, "");

// Tile templates keep their commas readable (band=3,2,1), as the API's docs write them.
const query = (params) => params.toString().replace(/%2C/g, ",");

/** The search API's query parameters for the state's filters. */
export function searchParams(state, { limit = 200 } = {}) {
  const params = new URLSearchParams();
  if (state.polygon) {
    const ring = [...state.polygon, state.polygon[0]];
    params.set("intersects", JSON.stringify({ type: "Polygon", coordinates: [ring] }));
  } else if (state.bbox) params.set("bbox", state.bbox.join(","));
  if (state.from || state.to) {
    const start = state.from ? `${state.from}T00:00:00Z` : "..";
    const end = state.to ? `${state.to}T23:59:59Z` : "..";
    params.set("datetime", `${start}/${end}`);
  }
  if (state.collection) params.set("collection", state.collection);
  if (state.q) params.set("q", state.q);
  params.set("limit", String(limit));
  return params;
}

// CQL2 LIKE escapes (% _ \) and CQL2 text's doubled quote.
const likeEscape = (text) => text.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/'/g, "''");

/** STAC aggregation parameters for the state's filters: acquisitions per month or year. */
export function aggregateParams(state, interval = "month") {
  const params = searchParams(state);
  params.delete("limit");
  if (params.has("collection")) {
    params.set("collections", params.get("collection"));
    params.delete("collection");
  }
  if (params.has("q")) {
    params.set("filter", `CASEI(title) LIKE CASEI('%${likeEscape(params.get("q"))}%')`);
    params.delete("q");
  }
  params.set("aggregations", "datetime_frequency");
  params.set("datetime_frequency_interval", interval);
  return params;
}

/** The STAC aggregation of a search, e.g. /stac/aggregate?aggregations=datetime_frequency&… */
export const aggregateUrl = (stacRoot, params) => `${root(stacRoot)}/aggregate?${params.toString()}`;

/** The raster search (a GeoJSON FeatureCollection), e.g. /api/rasters/?bbox=…&limit=100 */
export const searchUrl = (apiRoot, params) => `${root(apiRoot)}/rasters/?${params.toString()}`;

/** Every footprint matching the filters, as one Mapbox Vector Tile (the filters without limit). */
export function footprintTileUrl(apiRoot, z, x, y, filters = "") {
  return `${root(apiRoot)}/rasters/tiles/${z}/${x}/${y}.mvt?${filters.toString()}`;
}

export const collectionsUrl = (apiRoot) => `${root(apiRoot)}/collections/`;
export const colormapsUrl = (apiRoot) => `${root(apiRoot)}/colormaps/`;
export const rasterUrl = (apiRoot, id) => `${root(apiRoot)}/rasters/${id}/`;
export const bandsUrl = (apiRoot, id) => `${root(apiRoot)}/rasters/${id}/bands`;
export const metadataUrl = (apiRoot, id) => `${root(apiRoot)}/rasters/${id}/metadata`;
export const cogUrl = (apiRoot, id) => `${root(apiRoot)}/rasters/${id}/cog`;
export const tileJsonUrl = (apiRoot, id) => `${root(apiRoot)}/rasters/${id}/tilejson.json`;

/** The band values of a raster at a point (EPSG:4326). */
export function pixelUrl(apiRoot, id, lon, lat) {
  return `${root(apiRoot)}/rasters/${id}/pixel?${new URLSearchParams({ lon: String(lon), lat: String(lat) })}`;
}

/** A band's histogram in 64 bins. */
export function histogramUrl(apiRoot, id, band) {
  return `${root(apiRoot)}/rasters/${id}/histogram?${new URLSearchParams({ band: String(band), bins: "64" })}`;
}

/** Query parameters (band, palette, stretch or min/max) for a layer's style. */
export function styleParams(layer) {
  const params = new URLSearchParams();
  params.set("band", layer.bands.join(","));
  if (layer.bands.length === 1 && layer.palette) params.set("palette", layer.palette);
  const hasMin = layer.min !== null && layer.min !== undefined && layer.min !== "";
  const hasMax = layer.max !== null && layer.max !== undefined && layer.max !== "";
  if (layer.stretch === "minmax" && hasMin && hasMax) {
    params.set("min", String(layer.min));
    params.set("max", String(layer.max));
  } else {
    params.set("stretch", "p2p98");
  }
  return params;
}

/** The XYZ template for a layer's tiles, e.g. /api/rasters/7/tiles/{z}/{x}/{y}.png?band=1&… */
export function tileUrl(apiRoot, layer, { format = "png" } = {}) {
  return `${root(apiRoot)}/rasters/${layer.id}/tiles/{z}/{x}/{y}.${format}?${query(styleParams(layer))}`;
}

/** A colormap's bar as a PNG (the picker's swatches, the legend). */
export function colormapUrl(apiRoot, name, { width = 256, height = 12 } = {}) {
  return `${root(apiRoot)}/colormaps/${encodeURIComponent(name)}.png?width=${width}&height=${height}`;
}

/** The legend bar for a layer's palette, or null for an RGB composite. */
export function legendUrl(apiRoot, layer, { width = 256, height = 12 } = {}) {
  if (layer.bands.length !== 1 || !layer.palette) return null;
  return colormapUrl(apiRoot, layer.palette, { width, height });
}

/** The region download URL for a bbox (west,south,east,north in EPSG:4326), capped at maxSize px. */
export function regionUrl(apiRoot, id, bbox, { format = "tif", maxSize } = {}) {
  const url = `${root(apiRoot)}/rasters/${id}/region.${format}?bbox=${bbox.map((v) => Number(v.toFixed(6))).join(",")}`;
  return maxSize === undefined ? url : `${url}&max_size=${maxSize}`;
}
