// Calls to the rastercatalog API (URLs from urls.js). Errors become ApiError with the server's
// message (DRF "detail").
import * as urls from "./urls.js";

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

let apiRoot = "/api/";
export function setApiRoot(root) {
  apiRoot = root.endsWith("/") ? root : `${root}/`;
}
export const getApiRoot = () => apiRoot;
let stacRoot = "/stac/";
export function setStacRoot(root) {
  stacRoot = root.endsWith("/") ? root : `${root}/`;
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return body.detail;
    return Object.entries(body)
      .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(" ") : value}`)
      .join("; ");
  } catch {
    return response.statusText || `HTTP ${response.status}`;
  }
}

export async function getJson(url, { signal, body } = {}) {
  let response;
  const init = { signal, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    // A signed-in session must prove the request comes from this page (Django's CSRF check).
    const csrf = typeof document === "undefined" ? null : document.cookie.match(/(?:^|; )csrftoken=([^;]+)/)?.[1];
    const headers = { ...init.headers, "Content-Type": "application/json", ...(csrf ? { "X-CSRFToken": decodeURIComponent(csrf) } : {}) };
    Object.assign(init, { method: "POST", body: JSON.stringify(body), headers });
  }
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(`The server cannot be reached (${error.message}).`, 0);
  }
  if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
  return response.json();
}

export const searchRasters = (params, options) => getJson(urls.searchUrl(apiRoot, params), options);
export const aggregate = (params, options) => getJson(urls.aggregateUrl(stacRoot, params), options);
export const listCollections = () => getJson(urls.collectionsUrl(apiRoot));
export const listColormaps = () => getJson(urls.colormapsUrl(apiRoot));
export const rasterFeature = (id) => getJson(urls.rasterUrl(apiRoot, id));
export const rasterBands = (id) => getJson(urls.bandsUrl(apiRoot, id));
export const rasterTileJson = (id) => getJson(urls.tileJsonUrl(apiRoot, id));
export const rasterMetadata = (id) => getJson(urls.metadataUrl(apiRoot, id));
export const rasterCog = (id) => getJson(urls.cogUrl(apiRoot, id));
export const rasterPixel = (id, lon, lat, options, layer = null) => getJson(urls.pixelUrl(apiRoot, id, lon, lat, layer), options);
export const rasterHistogram = (id, band, options, layer = null) => getJson(urls.histogramUrl(apiRoot, id, band, layer), options);
export const rasterAnalysis = (id) => getJson(urls.analysisUrl(apiRoot, id));
export const analysisTileJson = (layer, options) => getJson(urls.analysisTileJsonUrl(apiRoot, layer), options);
/** Statistics of a layer's raster (or its analysis) inside a GeoJSON geometry or features. */
export const rasterStatistics = (layer, geojson, options) => getJson(urls.statisticsUrl(apiRoot, layer.id, layer), { ...options, body: geojson });
export const mosaicTileJson = (layer, options) => getJson(urls.mosaicTileJsonUrl(apiRoot, layer), options);
export const mosaicPoint = (layer, lon, lat, options) => getJson(urls.mosaicPointUrl(apiRoot, layer, lon, lat), options);
