// The store: the viewer's one state object, its one-to-one mapping to the page URL (a permalink
// reproduces the screen), and the observable that notifies controllers and views of each change.
// Controllers write it with set(); nothing else keeps a copy of what it holds.
//
// URL shape (query string, readable and stable):
//   ?view=46.5,8.2,7&mode=3d&bbox=5,45,11,48&from=2024-01-01&to=2024-12-31&collection=dem,landcover
//   &layer=12;b=1;p=viridis;s=p2p98;o=0.8&layer=13;b=3,2,1;s=minmax;min=0;max=255&active=12

export const DEFAULT_VIEW = Object.freeze({ lat: 20, lon: 0, zoom: 2 });
export const STRETCHES = ["p2p98", "minmax"];

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
  };
}

export function emptyState() {
  return {
    view: { ...DEFAULT_VIEW },
    mode: "2d",
    bbox: null,
    polygon: null,
    from: "",
    to: "",
    collection: "",
    q: "",
    layers: [],
    active: null,
  };
}

const round = (value, digits) => Number(Number(value).toFixed(digits));
const isNumber = (text) => text !== "" && text !== null && Number.isFinite(Number(text));
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function numbers(text) {
  if (!text) return null;
  const parts = String(text).split(",");
  return parts.every(isNumber) ? parts.map(Number) : null;
}

export function layerEncode(layer) {
  const parts = [String(layer.id), `b=${layer.bands.join(",")}`];
  if (layer.palette && layer.bands.length === 1) parts.push(`p=${layer.palette}`);
  parts.push(`s=${layer.stretch}`);
  if (layer.stretch === "minmax") {
    if (layer.min !== null && layer.min !== undefined) parts.push(`min=${layer.min}`);
    if (layer.max !== null && layer.max !== undefined) parts.push(`max=${layer.max}`);
  }
  if (layer.opacity !== 1) parts.push(`o=${round(layer.opacity, 2)}`);
  if (layer.visible === false) parts.push("hidden");
  return parts.join(";");
}

export function layerDecode(text) {
  const [idText, ...rest] = String(text).split(";");
  if (!/^\d+$/.test(idText)) return null;
  const layer = defaultLayer(idText);
  layer.palette = "";
  for (const part of rest) {
    const [key, value = ""] = part.split("=");
    if (key === "b") {
      const bands = numbers(value);
      if (bands && (bands.length === 1 || bands.length === 3) && bands.every((b) => b >= 1 && Number.isInteger(b)))
        layer.bands = bands;
    } else if (key === "p" && /^[A-Za-z0-9_.+-]+$/.test(value)) layer.palette = value;
    else if (key === "s" && STRETCHES.includes(value)) layer.stretch = value;
    else if (key === "min" && isNumber(value)) layer.min = Number(value);
    else if (key === "max" && isNumber(value)) layer.max = Number(value);
    else if (key === "o" && isNumber(value)) layer.opacity = Math.min(1, Math.max(0, Number(value)));
    else if (key === "hidden") layer.visible = false;
  }
  if (layer.bands.length !== 1) layer.palette = "";
  return layer;
}

/** The state as a query string (without "?"); defaults are left out so links stay short. */
export function stateToQuery(state) {
  const params = new URLSearchParams();
  const { lat, lon, zoom } = state.view;
  params.set("view", `${round(lat, 5)},${round(lon, 5)},${round(zoom, 2)}`);
  if (state.mode === "3d") params.set("mode", "3d");
  if (state.bbox) params.set("bbox", state.bbox.map((v) => round(v, 5)).join(","));
  if (state.polygon) params.set("polygon", state.polygon.map(([x, y]) => `${round(x, 5)} ${round(y, 5)}`).join(","));
  if (state.from) params.set("from", state.from);
  if (state.to) params.set("to", state.to);
  if (state.collection) params.set("collection", state.collection);
  if (state.q) params.set("q", state.q);
  for (const layer of state.layers) params.append("layer", layerEncode(layer));
  if (state.active !== null && state.layers.some((l) => l.id === state.active)) params.set("active", String(state.active));
  return params.toString().replace(/%2C/g, ",").replace(/%3B/g, ";").replace(/%3D/g, "=");
}

/** Parse a query string; anything malformed falls back to the default rather than failing. */
export function stateFromQuery(query) {
  const params = new URLSearchParams(query);
  const state = emptyState();
  const view = numbers(params.get("view"));
  if (view && view.length === 3 && Math.abs(view[0]) <= 90 && view[2] >= 0 && view[2] <= 24) {
    state.view = { lat: view[0], lon: view[1], zoom: view[2] };
  }
  if (params.get("mode") === "3d") state.mode = "3d";
  const bbox = numbers(params.get("bbox"));
  if (bbox && bbox.length === 4 && bbox[1] <= bbox[3]) state.bbox = bbox;
  const polygon = params.get("polygon");
  if (polygon) {
    const ring = polygon.split(",").map((pair) => pair.trim().split(/\s+/).map(Number));
    if (ring.length >= 3 && ring.every((p) => p.length === 2 && p.every(Number.isFinite))) state.polygon = ring;
  }
  for (const key of ["from", "to"]) {
    const value = params.get(key) || "";
    if (DATE.test(value)) state[key] = value;
  }
  state.collection = (params.get("collection") || "").trim();
  state.q = (params.get("q") || "").trim();
  const seen = new Set();
  for (const text of params.getAll("layer")) {
    const layer = layerDecode(text);
    if (layer && !seen.has(layer.id)) {
      seen.add(layer.id);
      state.layers.push(layer);
    }
  }
  const active = Number(params.get("active"));
  state.active = seen.has(active) ? active : state.layers.length ? state.layers[0].id : null;
  return state;
}

/** A tiny observable store: set() merges a patch and notifies subscribers with the changed keys. */
export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    set(patch) {
      const changed = Object.keys(patch).filter((key) => patch[key] !== state[key]);
      if (!changed.length) return;
      state = { ...state, ...patch };
      for (const listener of listeners) listener(state, changed);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Search results are state too, though not in the URL: the search controller fills them. */
export const NO_RESULTS = Object.freeze({ features: [], more: false, filters: "" });

/** The viewer's store, opened on a page URL's query string. */
export function openStore(query) {
  return createStore({ ...stateFromQuery(query), results: NO_RESULTS });
}

/** Keep the address bar's query equal to the state (debounced; replaces, never adds, history). */
export function mirrorInUrl(store, location = window.location, history = window.history) {
  let timer = null;
  return store.subscribe((state) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const query = stateToQuery(state);
      if (`?${query}` !== location.search) history.replaceState(null, "", `?${query}`);
    }, 150);
  });
}
