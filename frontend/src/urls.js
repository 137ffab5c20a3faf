// Every API URL the viewer requests, built from the API root (names as in /api/…): search,
// collections, colormaps, a raster's record, bands, metadata, COG report, pixel, histogram,
// TileJSON, tiles, legend bars, region downloads, the footprints' vector tiles, statistics of an
// area, and the mosaic's tiles, TileJSON and point series. Pure functions.
import { isMosaic } from "./layer_codec.js";

const root = (apiRoot) => apiRoot.replace(/\/$/, "");

// Tile templates keep their commas readable (band=3,2,1), as the API's docs write them.
const query = (params) => params.toString().replace(/%2C/g, ",");

/** A datetime interval from day `from` to the end of day `to` (either may be open). */
export const datetimeRange = (from, to) => `${from ? `${from}T00:00:00Z` : ".."}/${to ? `${to}T23:59:59Z` : ".."}`;

/** The search API's query parameters for the state's filters. */
export function searchParams(state, { limit = 200 } = {}) {
  const params = new URLSearchParams();
  if (state.polygon) {
    const ring = [...state.polygon, state.polygon[0]];
    params.set("intersects", JSON.stringify({ type: "Polygon", coordinates: [ring] }));
  } else if (state.bbox) params.set("bbox", state.bbox.join(","));
  if (state.from || state.to) params.set("datetime", datetimeRange(state.from, state.to));
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

/** The analysis a layer asks for (band math or a terrain algorithm) as query parameters. */
export function analysisParams(layer, params = new URLSearchParams()) {
  if (layer?.expression) params.set("expression", layer.expression);
  else if (layer?.algorithm) {
    params.set("algorithm", layer.algorithm);
    if (layer.algorithm === "hillshade") {
      params.set("azimuth", String(layer.azimuth));
      params.set("altitude", String(layer.altitude));
    }
    if (layer.zfactor !== undefined && layer.zfactor !== 1) params.set("zfactor", String(layer.zfactor));
  }
  return params;
}

/** A layer's band math for the pixel, histogram and statistics APIs (terrain is for images only). */
const expressionParams = (layer, params = new URLSearchParams()) => {
  if (layer?.expression) params.set("expression", layer.expression);
  return params;
};

/** The band values of a raster at a point (EPSG:4326); with band math or a terrain algorithm
 *  (of the layer's band, with its light and z factor), that value too. */
export function pixelUrl(apiRoot, id, lon, lat, layer = null) {
  const params = new URLSearchParams({ lon: String(lon), lat: String(lat) });
  if (layer?.algorithm && !layer.expression) params.set("band", String(layer.bands[0]));
  analysisParams(layer, params);
  return `${root(apiRoot)}/rasters/${id}/pixel?${params}`;
}

/** A band's (or the layer's band math's) histogram in 64 bins. */
export function histogramUrl(apiRoot, id, band, layer = null) {
  // An expression names the bands it reads: no band with it.
  const params = expressionParams(layer, new URLSearchParams(layer?.expression ? { bins: "64" } : { band: String(band), bins: "64" }));
  return `${root(apiRoot)}/rasters/${id}/histogram?${params}`;
}

/** Zonal statistics of a raster (or its band math) inside posted GeoJSON, per feature and band. */
export function statisticsUrl(apiRoot, id, layer = null) {
  const params = expressionParams(layer, new URLSearchParams({ percentiles: "2,25,75,98", bins: "32" }));
  return `${root(apiRoot)}/rasters/${id}/statistics?${query(params)}`;
}

/** What analysis a raster allows: band roles, the presets (NDVI, NDWI) its bands allow, algorithms. */
export const analysisUrl = (apiRoot, id) => `${root(apiRoot)}/rasters/${id}/analysis`;

/** Query parameters (band, palette, stretch or min/max, analysis) for a layer's style. */
export function styleParams(layer, params = new URLSearchParams()) {
  const single = layer.bands.length === 1 || Boolean(layer.expression);
  if (!layer.expression) params.set("band", layer.bands.join(","));
  if (single && layer.palette) params.set("palette", layer.palette);
  const hasMin = layer.min !== null && layer.min !== undefined && layer.min !== "";
  const hasMax = layer.max !== null && layer.max !== undefined && layer.max !== "";
  if (layer.stretch === "minmax" && hasMin && hasMax) {
    params.set("min", String(layer.min));
    params.set("max", String(layer.max));
  } else if (!layer.algorithm || layer.expression) {
    // A terrain algorithm has its own default range (hillshade 0-255, slope 0-90°, aspect 0-360°).
    params.set("stretch", "p2p98");
  }
  return analysisParams(layer, params);
}

/** The XYZ template for a layer's tiles, e.g. /api/rasters/7/tiles/{z}/{x}/{y}.png?band=1&…;
 *  a mosaic's from the mosaic API, with its filters and method. */
export function tileUrl(apiRoot, layer, { format = "png" } = {}) {
  if (isMosaic(layer)) return `${root(apiRoot)}/mosaic/tiles/{z}/{x}/{y}.${format}?${query(mosaicParams(layer, { style: true }))}`;
  return `${root(apiRoot)}/rasters/${layer.id}/tiles/{z}/{x}/{y}.${format}?${query(styleParams(layer))}`;
}

/** A raster's (or a mosaic's) TileJSON for a layer's analysis (a refused expression answers 400
 *  with the reason). */
export function analysisTileJsonUrl(apiRoot, layer) {
  if (isMosaic(layer)) return mosaicTileJsonUrl(apiRoot, layer);
  const params = analysisParams(layer);
  return `${root(apiRoot)}/rasters/${layer.id}/tilejson.json${String(params) ? `?${query(params)}` : ""}`;
}

/** A mosaic's filters (its search's area and filters, the time slider's range) and method; with
 *  `style`, the band, palette and stretch too. */
export function mosaicParams(layer, { style = false } = {}) {
  const f = layer.mosaic;
  const params = searchParams(f);
  params.delete("limit");
  if (layer.time) params.set("datetime", datetimeRange(layer.time[0], layer.time[1]));
  params.set("method", layer.method);
  return style ? styleParams(layer, params) : params;
}

export const mosaicTileJsonUrl = (apiRoot, layer) => `${root(apiRoot)}/mosaic/tilejson.json?${query(mosaicParams(layer, { style: true }))}`;

/** The values over time at a point of every raster of a mosaic (JSON, or `format: "csv"`); with
 *  the layer's band math or terrain, its value per raster too. */
export function mosaicPointUrl(apiRoot, layer, lon, lat, { format = "" } = {}) {
  const params = mosaicParams(layer);
  params.delete("method");
  params.set("lon", String(lon));
  params.set("lat", String(lat));
  analysisParams(layer, params);
  if (layer.algorithm && !layer.expression && layer.bands[0] !== 1) params.set("band", String(layer.bands[0]));
  if (format) params.set("format", format);
  return `${root(apiRoot)}/mosaic/point?${params}`;
}

/** A colormap's bar as a PNG (the picker's swatches, the legend). */
export function colormapUrl(apiRoot, name, { width = 256, height = 12 } = {}) {
  return `${root(apiRoot)}/colormaps/${encodeURIComponent(name)}.png?width=${width}&height=${height}`;
}

/** The legend bar for a layer's palette, or null for an RGB composite. */
export function legendUrl(apiRoot, layer, { width = 256, height = 12 } = {}) {
  if ((layer.bands.length !== 1 && !layer.expression) || !layer.palette) return null;
  return colormapUrl(apiRoot, layer.palette, { width, height });
}

/** The region download URL for a bbox (west,south,east,north in EPSG:4326), capped at maxSize px. */
export function regionUrl(apiRoot, id, bbox, { format = "tif", maxSize } = {}) {
  const url = `${root(apiRoot)}/rasters/${id}/region.${format}?bbox=${bbox.map((v) => Number(v.toFixed(6))).join(",")}`;
  return maxSize === undefined ? url : `${url}&max_size=${maxSize}`;
}
