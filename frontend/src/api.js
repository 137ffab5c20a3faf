// Calls to the rastercatalog API. Errors become ApiError with the server's message (DRF "detail").

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

export async function getJson(path, params, { signal } = {}) {
  const url = path.startsWith("http") || path.startsWith("/") ? path : apiRoot + path;
  const query = params ? `?${params.toString()}` : "";
  let response;
  try {
    response = await fetch(url + query, { signal, headers: { Accept: "application/json" } });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(`The server cannot be reached (${error.message}).`, 0);
  }
  if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
  return response.json();
}

export const searchRasters = (params, options) => getJson("rasters/", params, options);
export const listCollections = () => getJson("collections/");
export const listColormaps = () => getJson("colormaps/");
export const rasterFeature = (id) => getJson(`rasters/${id}/`);
export const rasterBands = (id) => getJson(`rasters/${id}/bands`);
export const rasterMetadata = (id) => getJson(`rasters/${id}/metadata`);
export const rasterCog = (id) => getJson(`rasters/${id}/cog`);
export const rasterPixel = (id, lon, lat, options) =>
  getJson(`rasters/${id}/pixel`, new URLSearchParams({ lon: String(lon), lat: String(lat) }), options);
export const rasterHistogram = (id, band, options) =>
  getJson(`rasters/${id}/histogram`, new URLSearchParams({ band: String(band), bins: "64" }), options);
