// One overlay <-> its `layer=` value in the permalink. Two kinds of overlay share the style and
// analysis keys:
//   a raster:  12;b=1;p=viridis;s=p2p98;o=0.8;e=(b4-b3)/(b4%2Bb3);a=hillshade;az=300;alt=40;zf=2
//   a mosaic:  m1;b=1;p=viridis;s=minmax;min=0;max=9;m=median;c=alps;from=…;to=…;bbox=…;poly=x y,…;
//              q=…;span=2024-01-01/2024-12-31;t=2024-03-01/2024-06-30;e=…  (or a=…;az=…)
// A mosaic (id "m" + n) is the search it was made from (area and filters), drawn as one layer by
// the mosaic API with a `method`; `span` is the acquisitions' date range the time slider covers and
// `t` the range it selects. Free text (expression, name filter) is escaped for ";" and "=".

export const STRETCHES = ["p2p98", "minmax"];
export const METHODS = ["first", "highest", "lowest", "mean", "median", "count"];
export const ALGORITHMS = ["hillshade", "slope", "aspect"];
export const TERRAIN_DEFAULTS = Object.freeze({ azimuth: 315, altitude: 45, zfactor: 1 });

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const round = (value, digits) => Number(Number(value).toFixed(digits));
const isNumber = (text) => text !== "" && text !== null && Number.isFinite(Number(text));
const escape = (text) => String(text).replace(/%/g, "%25").replace(/;/g, "%3B").replace(/=/g, "%3D");
const unescape = (text) => text.replace(/%3B/gi, ";").replace(/%3D/gi, "=").replace(/%25/g, "%");

export function numbers(text) {
  if (!text) return null;
  const parts = String(text).split(",");
  return parts.every(isNumber) ? parts.map(Number) : null;
}

export const isMosaic = (layer) => Boolean(layer?.mosaic);
export const MOSAIC_ID = /^m\d+$/;

export function defaultLayer(id, bandCount = 1) {
  const rgb = bandCount >= 3;
  return {
    id: Number(id),
    bands: rgb ? [1, 2, 3] : [1],
    palette: rgb ? "" : "viridis",
    stretch: "p2p98",
    min: null,
    max: null,
    opacity: 1,
    visible: true,
    expression: "",
    algorithm: "",
    ...TERRAIN_DEFAULTS,
  };
}

/** A mosaic of a search's `filters` (bbox, polygon, from, to, collection, q). */
export function defaultMosaic(id, filters, { bandCount = 1, span = null } = {}) {
  const rgb = bandCount >= 3;
  return {
    id,
    mosaic: { bbox: null, polygon: null, from: "", to: "", collection: "", q: "", ...filters },
    method: "first",
    span,
    time: null,
    bands: rgb ? [1, 2, 3] : [1],
    palette: rgb ? "" : "viridis",
    stretch: "p2p98",
    min: null,
    max: null,
    opacity: 1,
    visible: true,
    expression: "",
    algorithm: "",
    ...TERRAIN_DEFAULTS,
  };
}

const dateRange = (range) => `${range[0]}/${range[1]}`;
function dateRangeDecode(text) {
  const range = String(text).split("/");
  return range.length === 2 && range.every((d) => DATE.test(d)) && range[0] <= range[1] ? range : null;
}

function styleEncode(layer) {
  const parts = [`b=${layer.bands.join(",")}`];
  // Band math draws one plane whatever the bands: it keeps its colormap on an RGB layer too.
  if (layer.palette && (layer.bands.length === 1 || layer.expression)) parts.push(`p=${layer.palette}`);
  parts.push(`s=${layer.stretch}`);
  if (layer.stretch === "minmax") {
    if (layer.min !== null && layer.min !== undefined) parts.push(`min=${layer.min}`);
    if (layer.max !== null && layer.max !== undefined) parts.push(`max=${layer.max}`);
  }
  if (layer.opacity !== 1) parts.push(`o=${round(layer.opacity, 2)}`);
  if (layer.visible === false) parts.push("hidden");
  return parts;
}

function analysisEncode(layer) {
  const parts = [];
  if (layer.expression) parts.push(`e=${escape(layer.expression)}`);
  else if (layer.algorithm) {
    parts.push(`a=${layer.algorithm}`);
    if (layer.algorithm === "hillshade") {
      if (layer.azimuth !== TERRAIN_DEFAULTS.azimuth) parts.push(`az=${layer.azimuth}`);
      if (layer.altitude !== TERRAIN_DEFAULTS.altitude) parts.push(`alt=${layer.altitude}`);
    }
    if (layer.zfactor !== TERRAIN_DEFAULTS.zfactor) parts.push(`zf=${layer.zfactor}`);
  }
  return parts;
}

function mosaicEncode(layer) {
  const f = layer.mosaic;
  const parts = [`m=${layer.method}`];
  if (f.collection) parts.push(`c=${escape(f.collection)}`);
  if (f.q) parts.push(`q=${escape(f.q)}`);
  if (f.from) parts.push(`from=${f.from}`);
  if (f.to) parts.push(`to=${f.to}`);
  if (f.polygon) parts.push(`poly=${f.polygon.map(([x, y]) => `${round(x, 5)} ${round(y, 5)}`).join(",")}`);
  else if (f.bbox) parts.push(`bbox=${f.bbox.map((v) => round(v, 5)).join(",")}`);
  if (layer.span) parts.push(`span=${dateRange(layer.span)}`);
  if (layer.time) parts.push(`t=${dateRange(layer.time)}`);
  return parts;
}

export function layerEncode(layer) {
  const extra = isMosaic(layer) ? [...mosaicEncode(layer), ...analysisEncode(layer)] : analysisEncode(layer);
  return [String(layer.id), ...styleEncode(layer), ...extra].join(";");
}

function polygonDecode(text) {
  const ring = String(text).split(",").map((pair) => pair.trim().split(/\s+/).map(Number));
  return ring.length >= 3 && ring.every((p) => p.length === 2 && p.every(Number.isFinite)) ? ring : null;
}

/** Read one style, analysis or mosaic key into `layer`; false when the key is not one of them. */
function readKey(layer, key, value) {
  if (key === "b") {
    const bands = numbers(value);
    if (bands && (bands.length === 1 || bands.length === 3) && bands.every((b) => b >= 1 && Number.isInteger(b))) layer.bands = bands;
  } else if (key === "p" && /^[A-Za-z0-9_.+-]+$/.test(value)) layer.palette = value;
  else if (key === "s" && STRETCHES.includes(value)) layer.stretch = value;
  else if (key === "min" && isNumber(value)) layer.min = Number(value);
  else if (key === "max" && isNumber(value)) layer.max = Number(value);
  else if (key === "o" && isNumber(value)) layer.opacity = Math.min(1, Math.max(0, Number(value)));
  else if (key === "hidden") layer.visible = false;
  else return false;
  return true;
}

function readAnalysis(layer, key, value) {
  if (key === "e" && value) layer.expression = unescape(value);
  else if (key === "a" && ALGORITHMS.includes(value)) layer.algorithm = value;
  else if (key === "az" && isNumber(value)) layer.azimuth = Number(value);
  else if (key === "alt" && isNumber(value)) layer.altitude = Number(value);
  else if (key === "zf" && isNumber(value)) layer.zfactor = Number(value);
}

function readMosaic(layer, key, value) {
  const f = layer.mosaic;
  if (key === "m" && METHODS.includes(value)) layer.method = value;
  else if (key === "c") f.collection = unescape(value).trim();
  else if (key === "q") f.q = unescape(value).trim();
  else if ((key === "from" || key === "to") && DATE.test(value)) f[key] = value;
  else if (key === "poly") f.polygon = polygonDecode(value);
  else if (key === "bbox") {
    const bbox = numbers(value);
    if (bbox && bbox.length === 4 && bbox[1] <= bbox[3]) f.bbox = bbox;
  } else if (key === "span") layer.span = dateRangeDecode(value);
  else if (key === "t") layer.time = dateRangeDecode(value);
}

/** One `layer=` value as an overlay, or null; malformed keys fall back to their default. */
export function layerDecode(text) {
  const [idText, ...rest] = String(text).split(";");
  const mosaic = MOSAIC_ID.test(idText);
  if (!mosaic && !/^\d+$/.test(idText)) return null;
  const layer = mosaic ? defaultMosaic(idText, {}) : defaultLayer(idText);
  layer.palette = "";
  for (const part of rest) {
    const at = part.indexOf("=");
    const [key, value] = at < 0 ? [part, ""] : [part.slice(0, at), part.slice(at + 1)];
    if (readKey(layer, key, value)) continue;
    if (mosaic) readMosaic(layer, key, value);
    readAnalysis(layer, key, value); // its keys (e, a, az, alt, zf) are no mosaic's
  }
  if (layer.bands.length !== 1 && !layer.expression) layer.palette = "";
  if (mosaic && layer.mosaic.polygon && !layer.mosaic.bbox) layer.mosaic.bbox = ringBbox(layer.mosaic.polygon);
  if (mosaic && layer.time && !layer.span) layer.span = layer.time;
  return layer;
}

export function ringBbox(ring) {
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
