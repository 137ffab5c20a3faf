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

export async function getJson(url, { signal } = {}) {
  let response;
  try {
    response = await fetch(url, { signal, headers: { Accept: "application/json" } });
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
export const rasterPixel = (id, lon, lat, options) => getJson(urls.pixelUrl(apiRoot, id, lon, lat), options);
export const rasterHistogram = (id, band, options) => getJson(urls.histogramUrl(apiRoot, id, band), options);
