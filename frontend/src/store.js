// The store: the viewer's one state object, its one-to-one mapping to the page URL (a permalink
// reproduces the screen), and the observable that notifies controllers and views of each change.
// Controllers write it with set(); nothing else keeps a copy of what it holds.
//
// URL shape (query string, readable and stable):
//   ?view=46.5,8.2,7&mode=3d&bbox=5,45,11,48&from=2024-01-01&to=2024-12-31&collection=dem,landcover
//   &layer=12;b=1;p=viridis;s=p2p98;o=0.8&layer=13;b=3,2,1;s=minmax;min=0;max=255&active=12
//   &layer=m1;b=1;p=magma;s=p2p98;m=median;c=alps;span=2024-01-01/2024-12-31  (a mosaic: layer_codec.js)
//   &stats=7 46,8 46,8 47  (the area whose statistics the inspector shows)

import { isMosaic, layerDecode, layerEncode, MOSAIC_ID, numbers } from "./layer_codec.js";

export { defaultLayer, defaultMosaic, isMosaic, layerDecode, layerEncode, STRETCHES } from "./layer_codec.js";

export const DEFAULT_VIEW = Object.freeze({ lat: 20, lon: 0, zoom: 2 });

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
    statsArea: null,
  };
}

const round = (value, digits) => Number(Number(value).toFixed(digits));
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ringEncode = (ring) => ring.map(([x, y]) => `${round(x, 5)} ${round(y, 5)}`).join(",");

function ringDecode(text) {
  if (!text) return null;
  const ring = text.split(",").map((pair) => pair.trim().split(/\s+/).map(Number));
  return ring.length >= 3 && ring.every((p) => p.length === 2 && p.every(Number.isFinite)) ? ring : null;
}

/** The next free mosaic id ("m1", "m2", …) among `layers`. */
export function nextMosaicId(layers) {
  const taken = layers.filter(isMosaic).map((l) => Number(String(l.id).slice(1)));
  return `m${Math.max(0, ...taken) + 1}`;
}

/** The state as a query string (without "?"); defaults are left out so links stay short. */
export function stateToQuery(state) {
  const params = new URLSearchParams();
  const { lat, lon, zoom } = state.view;
  params.set("view", `${round(lat, 5)},${round(lon, 5)},${round(zoom, 2)}`);
  if (state.mode === "3d") params.set("mode", "3d");
  if (state.bbox) params.set("bbox", state.bbox.map((v) => round(v, 5)).join(","));
  if (state.polygon) params.set("polygon", ringEncode(state.polygon));
  if (state.from) params.set("from", state.from);
  if (state.to) params.set("to", state.to);
  if (state.collection) params.set("collection", state.collection);
  if (state.q) params.set("q", state.q);
  for (const layer of state.layers) params.append("layer", layerEncode(layer));
  if (state.active !== null && state.layers.some((l) => l.id === state.active)) params.set("active", String(state.active));
  if (state.statsArea) params.set("stats", ringEncode(state.statsArea));
  // Characters a query value may hold as they are: the link stays readable ((b4-b3)/(b4%2Bb3)).
  return params.toString().replace(/%(2C|3B|3D|28|29|2F|3A)/g, (code) => decodeURIComponent(code));
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
  state.polygon = ringDecode(params.get("polygon"));
  state.statsArea = ringDecode(params.get("stats"));
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
  const activeText = params.get("active") || "";
  const active = MOSAIC_ID.test(activeText) ? activeText : Number(activeText);
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

/** The viewer's store, opened on a page URL's query string. `notices`: layer id -> what went wrong
 *  drawing it (a mosaic over its raster cap, a refused expression), shown in its layer entry. */
export function openStore(query) {
  return createStore({ ...stateFromQuery(query), results: NO_RESULTS, notices: {} });
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
