// A layer's style → the tile API's query parameters (names as in /api/rasters/{id}/tiles/…).

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

function query(params) {
  return params.toString().replace(/%2C/g, ",");
}

/** The XYZ template for a layer's tiles, e.g. /api/rasters/7/tiles/{z}/{x}/{y}.png?band=1&… */
export function tileUrl(apiRoot, layer, { format = "png" } = {}) {
  const root = apiRoot.replace(/\/$/, "");
  return `${root}/rasters/${layer.id}/tiles/{z}/{x}/{y}.${format}?${query(styleParams(layer))}`;
}

/** The legend bar for a layer's palette, or null for an RGB composite. */
export function legendUrl(apiRoot, layer, { width = 256, height = 12 } = {}) {
  if (layer.bands.length !== 1 || !layer.palette) return null;
  const root = apiRoot.replace(/\/$/, "");
  return `${root}/colormaps/${encodeURIComponent(layer.palette)}.png?width=${width}&height=${height}`;
}

/** The value range the tiles are stretched over, for the legend's labels. */
export function stretchRange(layer, band) {
  if (layer.stretch === "minmax" && layer.min !== null && layer.max !== null) return [layer.min, layer.max];
  if (!band) return null;
  const low = band.p2 ?? band.percentile_2 ?? band.min ?? band.minimum;
  const high = band.p98 ?? band.percentile_98 ?? band.max ?? band.maximum;
  return low === undefined || high === undefined ? null : [low, high];
}

/** The region download URL for a bbox (west,south,east,north in EPSG:4326). */
export function regionUrl(apiRoot, id, bbox, { format = "tif" } = {}) {
  const root = apiRoot.replace(/\/$/, "");
  return `${root}/rasters/${id}/region.${format}?bbox=${bbox.map((v) => Number(v.toFixed(6))).join(",")}`;
}
