// The viewer's controller: one store (mirrored in the URL), the 2D map or the 3D globe, and panels.
import "./style.css";
import * as api from "./api.js";
import { formatValue, h } from "./dom.js";
import { createGlobe } from "./globe3d.js";
import { createMap2d } from "./map2d.js";
import { setColormapNames } from "./panels/colormaps.js";
import { showDetails } from "./panels/details.js";
import { showHistogram } from "./panels/histogram.js";
import { renderLayers } from "./panels/layers.js";
import { showPixels } from "./panels/pixel.js";
import { highlightResult, renderResults } from "./panels/results.js";
import { createStore, defaultLayer, searchParams, stateFromQuery, stateToQuery } from "./state.js";
import { legendUrl, stretchRange } from "./tileurl.js";

const $ = (id) => document.getElementById(id);
const configElement = $("viewer-config");
const config = {
  apiRoot: "/api/",
  cesiumBaseUrl: "/static/viewer/cesium/",
  basemapUrl: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  basemapAttribution: "&copy; OpenStreetMap contributors",
  regionMaxSize: 4096,
  searchLimit: 100,
  ...(configElement ? JSON.parse(configElement.textContent || "{}") : {}),
};
config.basemapAttributionText = new DOMParser().parseFromString(config.basemapAttribution || "", "text/html").body.textContent;
api.setApiRoot(config.apiRoot);
const apiRoot = api.getApiRoot();

const store = createStore(stateFromQuery(window.location.search));
const info = new Map(); // raster id -> its Feature properties + bbox + bands (stats)
let results = [];
let globe = null;
let lastClick = null;
const tiles = { requested: 0, loaded: 0, errors: 0 };

// --- Status and loading ------------------------------------------------------------------------
let busy = 0;
function loading(delta, text) {
  busy = Math.max(0, busy + delta);
  $("loading").hidden = busy === 0;
  if (text) $("loading-text").textContent = text;
}
async function withLoading(text, promise) {
  loading(1, text);
  try {
    return await promise;
  } finally {
    loading(-1);
  }
}
let statusTimer = null;
function status(message, kind = "info") {
  const element = $("status");
  element.textContent = message;
  element.className = kind;
  clearTimeout(statusTimer);
  if (kind !== "error") statusTimer = setTimeout(() => (element.textContent = ""), 6000);
}

// --- The URL mirrors the state -----------------------------------------------------------------
let urlTimer = null;
store.subscribe((state) => {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    const query = stateToQuery(state);
    if (`?${query}` !== window.location.search) window.history.replaceState(null, "", `?${query}`);
  }, 150);
});

// --- 2D map ------------------------------------------------------------------------------------
const map2d = createMap2d($("map"), config, {
  onViewChange: (view) => {
    if (store.get().mode === "2d") store.set({ view });
  },
  onMapClick: (lon, lat) => inspectAt(lon, lat),
  onAreaDrawn: ({ bbox, polygon }) => {
    status(polygon ? "Searching inside the polygon." : "Searching inside the box.");
    store.set({ bbox, polygon });
  },
  onFootprintHover: (id, on) => hover(id, on),
  hasOverlays: () => store.get().layers.some((l) => l.visible),
  onFootprintTilesUnavailable: (message) => status(`Only the listed footprints are drawn: ${message}`, "warn"),
  onBasemapFallback: () => status("Basemap tiles unavailable: showing the offline Natural Earth imagery.", "warn"),
});
map2d.setView(store.get().view);

function hover(id, on) {
  map2d.highlight(id, on);
  highlightResult($("results"), id, on);
}

// --- Search ------------------------------------------------------------------------------------
let searchController = null;
async function search() {
  const state = store.get();
  searchController?.abort();
  searchController = new AbortController();
  describeArea(state);
  try {
    const params = searchParams(state, { limit: config.searchLimit });
    const body = await withLoading("Searching…", api.searchRasters(params, { signal: searchController.signal }));
    results = body.features || [];
    for (const f of results) rememberFeature(f);
    const more = (body.links || []).some((l) => l.rel === "next");
    $("result-count").textContent = more ? `${results.length}+` : String(results.length);
    $("result-count").title = more ? `The first ${results.length}; the map shows the footprints of all matches` : "";
    map2d.setFootprints(results);
    // More matches than the list holds: the map draws all of them from vector tiles.
    params.delete("limit");
    const filters = params.toString();
    map2d.setFootprintTiles(more ? (z, x, y) => `${apiRoot}rasters/tiles/${z}/${x}/${y}.mvt?${filters}` : null);
    globe?.setFootprints({ type: "FeatureCollection", features: results });
    drawResults();
  } catch (error) {
    if (error.name === "AbortError") return;
    status(`Search failed: ${error.message}`, "error");
  }
}

function describeArea(state) {
  const text = state.polygon
    ? `Inside a drawn polygon (${state.polygon.length} vertices)`
    : state.bbox
      ? `In ${state.bbox.map((v) => formatValue(Number(v.toFixed(3)))).join(", ")}`
      : "Anywhere";
  $("search-area").textContent = text;
  map2d.setArea(state.bbox, state.polygon);
}

function drawResults() {
  renderResults($("results"), results, {
    selected: new Set(store.get().layers.map((l) => l.id)),
    onHover: hover,
    onZoom: (feature) => {
      if (globe && store.get().mode === "3d") globe.flyToBbox(feature.bbox);
      else map2d.zoomTo(feature);
    },
    onToggle: (feature) => toggleLayer(feature),
  });
}

function rememberFeature(feature) {
  const previous = info.get(feature.properties.id) || {};
  info.set(feature.properties.id, { ...previous, ...feature.properties, bbox: feature.bbox });
}

/** Band statistics (legend, histogram) and the zoom range the tile API serves (TileJSON). */
async function loadBands(id) {
  const raster = info.get(id);
  if (raster?.bands) return;
  const [bands, tilejson] = await Promise.allSettled([api.rasterBands(id), api.getJson(`rasters/${id}/tilejson.json`)]);
  if (bands.status === "fulfilled") info.set(id, { ...info.get(id), bands: bands.value });
  else status(`Band statistics of raster ${id} unavailable: ${bands.reason.message}`, "warn");
  if (tilejson.status === "fulfilled") info.set(id, { ...info.get(id), minzoom: tilejson.value.minzoom, maxzoom: tilejson.value.maxzoom });
}

async function toggleLayer(feature) {
  const state = store.get();
  const id = feature.properties.id;
  if (state.layers.some((l) => l.id === id)) {
    removeLayer(id);
    return;
  }
  rememberFeature(feature);
  await withLoading("Reading the raster's statistics…", loadBands(id));
  const layer = defaultLayer(id, feature.properties.band_count);
  const current = store.get();
  if (current.layers.some((l) => l.id === id)) return; // a double click
  store.set({ layers: [layer, ...current.layers], active: id });
}

function removeLayer(id) {
  const state = store.get();
  const layers = state.layers.filter((l) => l.id !== id);
  store.set({ layers, active: state.active === id ? (layers[0]?.id ?? null) : state.active });
}

// --- Layers, overlays, legend ------------------------------------------------------------------
function trackTiles(layer, id) {
  let explained = false;
  layer.on("tileloadstart", () => (tiles.requested += 1));
  layer.on("tileload", () => (tiles.loaded += 1));
  layer.on("tileerror", async (event) => {
    tiles.errors += 1;
    if (explained) return;
    explained = true;
    // Leaflet does not say why a tile failed; ask the API (a 404 outside the raster is normal).
    try {
      const response = await fetch(event.tile.src);
      if (!response.ok && response.status !== 404) {
        const body = await response.json().catch(() => ({}));
        status(`Tiles of ${info.get(id)?.name || id}: ${body.detail || response.statusText}`, "error");
      }
    } catch {
      /* offline: the status bar already says so */
    }
  });
  layer.on("loading", () => loading(1, "Loading tiles…"));
  layer.on("load", () => loading(-1));
  layer.on("remove", () => {
    if (layer._loading) loading(-1);
  });
}

/** Layers with what the map needs besides the style: bounds (unless across 180°) and zoom range. */
function withBounds(layers) {
  return layers.map((l) => {
    const raster = info.get(l.id) || {};
    const bbox = raster.bbox && raster.bbox[0] <= raster.bbox[2] ? raster.bbox : undefined;
    return { ...l, bounds: bbox, minzoom: raster.minzoom, maxzoom: raster.maxzoom };
  });
}

function applyLayers() {
  const state = store.get();
  const layers = withBounds(state.layers);
  map2d.setOverlays(
    layers.map((l) => ({ ...l, bounds: l.bounds ? [[l.bounds[1], l.bounds[0]], [l.bounds[3], l.bounds[2]]] : undefined })),
    apiRoot,
    trackTiles,
  );
  globe?.setOverlays(layers, apiRoot);
  renderLayers($("layers"), $("layers-empty"), state.layers, {
    info,
    active: state.active,
    apiRoot,
    onChange: (id, patch) => store.set({ layers: store.get().layers.map((l) => (l.id === id ? { ...l, ...patch } : l)) }),
    onMove: (id, step) => {
      const list = [...store.get().layers];
      const index = list.findIndex((l) => l.id === id);
      const [item] = list.splice(index, 1);
      list.splice(Math.max(0, Math.min(list.length, index + step)), 0, item);
      store.set({ layers: list });
    },
    onRemove: removeLayer,
    onActivate: (id) => {
      store.set({ active: id });
      selectTab("histogram");
    },
  });
  drawLegend();
  drawResults();
}

function drawLegend() {
  const state = store.get();
  const layer = state.layers.find((l) => l.id === state.active);
  const legend = $("legend");
  legend.hidden = !layer;
  if (!layer) return;
  const raster = info.get(layer.id) || {};
  const url = legendUrl(apiRoot, layer, { width: 200, height: 12 });
  const stats = raster.bands?.find((b) => b.band === layer.bands[0]);
  const range = stretchRange(layer, stats);
  const parts = [
    h("div.legend-title", {}, raster.name || `Raster ${layer.id}`, h("span.muted", {}, layer.bands.length === 3 ? ` RGB b${layer.bands.join(",")}` : ` band ${layer.bands[0]}`)),
    url ? h("img", { src: url, alt: `Colormap ${layer.palette}`, width: 200, height: 12 }) : h("div.rgb-swatch"),
    range && layer.bands.length === 1 ? h("div.legend-range", {}, h("span", {}, formatValue(range[0])), h("span", {}, formatValue(range[1]))) : null,
    h("div.muted", {}, layer.stretch === "p2p98" ? "stretch: p2–p98" : "stretch: min/max"),
  ];
  legend.replaceChildren(...parts.filter(Boolean));
}

// --- Inspector ---------------------------------------------------------------------------------
function selectTab(name) {
  for (const tab of ["pixel", "histogram", "details"]) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`pane-${tab}`).hidden = tab !== name;
  }
  refreshPanels();
}
for (const tab of ["pixel", "histogram", "details"]) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
document.querySelector(".tabs").addEventListener("keydown", (event) => {
  const order = ["pixel", "histogram", "details"];
  const current = order.findIndex((t) => $(`tab-${t}`).getAttribute("aria-selected") === "true");
  const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
  if (!step) return;
  const next = order[(current + step + order.length) % order.length];
  selectTab(next);
  $(`tab-${next}`).focus();
});

let shownPanel = "";
function refreshPanels(force = false) {
  const state = store.get();
  const layer = state.layers.find((l) => l.id === state.active) || null;
  const key = JSON.stringify(layer) + (info.get(layer?.id)?.bands ? "b" : "");
  if (!$("pane-histogram").hidden && (force || shownPanel !== `h${key}`)) {
    shownPanel = `h${key}`;
    showHistogram($("pane-histogram"), layer, info);
  }
  if (!$("pane-details").hidden && (force || shownPanel !== `d${key}`)) {
    shownPanel = `d${key}`;
    showDetails($("pane-details"), layer, info, { apiRoot, viewBbox: map2d.getBbox(), regionMaxSize: config.regionMaxSize });
  }
}

function inspectAt(lon, lat) {
  lastClick = [lon, lat];
  selectTab("pixel");
  showPixels($("pane-pixel"), lon, lat, store.get().layers, info);
}

// --- 3D ----------------------------------------------------------------------------------------
async function setMode(mode) {
  const state = store.get();
  $("mode-toggle").setAttribute("aria-pressed", String(mode === "3d"));
  $("mode-toggle").textContent = mode === "3d" ? "2D map" : "3D globe";
  if (mode === "3d") {
    $("globe").hidden = false;
    $("map").hidden = true;
    try {
      if (!globe) {
        globe = await withLoading("Loading the 3D globe…", createGlobe($("globe"), config, { onMapClick: inspectAt, isOffline: () => map2d.basemap.offline }));
        window.rastercatalogViewer.globe = globe;
        globe.viewer.camera.moveEnd.addEventListener(() => {
          if (store.get().mode === "3d") store.set({ view: globe.getView() });
        });
      }
      globe.setView(state.view);
      globe.setFootprints({ type: "FeatureCollection", features: results });
      globe.setOverlays(withBounds(store.get().layers), apiRoot);
      globe.resize();
      document.body.dataset.globe = "ready";
    } catch (error) {
      document.body.dataset.globe = "failed";
      status(error.message, "error");
      $("globe").hidden = true;
      $("map").hidden = false;
      store.set({ mode: "2d" });
      $("mode-toggle").setAttribute("aria-pressed", "false");
      $("mode-toggle").textContent = "3D globe";
      return;
    }
  } else {
    if (globe && !$("globe").hidden) {
      const view = globe.getView();
      store.set({ view });
    }
    $("globe").hidden = true;
    $("map").hidden = false;
    map2d.invalidate();
    map2d.setView(store.get().view);
  }
}

$("mode-toggle").addEventListener("click", () => {
  const mode = store.get().mode === "3d" ? "2d" : "3d";
  if (mode === "2d" && globe) store.set({ view: globe.getView() });
  store.set({ mode });
});

// --- Search form -------------------------------------------------------------------------------
function syncForm(state) {
  $("date-from").value = state.from;
  $("date-to").value = state.to;
  $("name-q").value = state.q;
  if ([...$("collection").options].some((o) => o.value === state.collection)) $("collection").value = state.collection;
}
$("search-view").addEventListener("click", () => store.set({ bbox: map2d.getBbox(), polygon: null }));
$("draw-rect").addEventListener("click", () => {
  status("Drag on the map to draw the search box (Esc cancels).");
  map2d.startDraw("rect");
});
$("draw-poly").addEventListener("click", () => {
  status("Click the polygon's corners; click the first one again to finish (Esc cancels).");
  map2d.startDraw("poly");
});
$("clear-area").addEventListener("click", () => store.set({ bbox: null, polygon: null }));
$("date-from").addEventListener("change", (e) => store.set({ from: e.target.value }));
$("date-to").addEventListener("change", (e) => store.set({ to: e.target.value }));
$("collection").addEventListener("change", (e) => store.set({ collection: e.target.value }));
let qTimer = null;
$("name-q").addEventListener("input", (e) => {
  clearTimeout(qTimer);
  qTimer = setTimeout(() => store.set({ q: e.target.value.trim() }), 300);
});

$("copy-link").addEventListener("click", async () => {
  const url = `${window.location.origin}${window.location.pathname}?${stateToQuery(store.get())}`;
  try {
    await navigator.clipboard.writeText(url);
    status("Link copied: it reopens this exact view.");
  } catch {
    window.prompt("Copy this link:", url);
  }
});

$("sidebar-toggle").addEventListener("click", () => {
  const collapsed = document.body.classList.toggle("sidebar-collapsed");
  $("sidebar-toggle").setAttribute("aria-expanded", String(!collapsed));
  setTimeout(() => {
    map2d.invalidate();
    globe?.resize();
  }, 50);
});

document.addEventListener("keydown", (event) => {
  const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
  if (event.key === "Escape") map2d.cancelDraw();
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "s") $("search-view").click();
  if (event.key === "g") $("mode-toggle").click();
});

// --- React to state changes --------------------------------------------------------------------
const SEARCH_KEYS = ["bbox", "polygon", "from", "to", "collection", "q"];
store.subscribe((state, changed) => {
  if (changed.some((key) => SEARCH_KEYS.includes(key))) search();
  if (changed.includes("layers") || changed.includes("active")) {
    applyLayers();
    refreshPanels();
  }
  if (changed.includes("mode")) setMode(state.mode);
});

// --- Start -------------------------------------------------------------------------------------
async function start() {
  const state = store.get();
  syncForm(state);
  window.rastercatalogViewer = { store, map2d, globe: null, info, tiles, results: () => results, lastClick: () => lastClick, permalink: () => stateToQuery(store.get()) };
  const collections = api.listCollections().then((list) => {
    const items = Array.isArray(list) ? list : list.results || list.collections || [];
    for (const c of items) $("collection").append(h("option", { value: c.slug }, `${c.name || c.slug} (${c.raster_count ?? "?"})`));
    syncForm(store.get());
  });
  const colormaps = api.listColormaps().then((body) => setColormapNames(body.colormaps || []));
  // The selected rasters of a permalink: fetch what the list shows about them.
  const layers = Promise.all(
    state.layers.map(async (layer) => {
      try {
        rememberFeature(await api.rasterFeature(layer.id));
        await loadBands(layer.id);
      } catch (error) {
        status(`Raster ${layer.id}: ${error.message}`, "error");
      }
    }),
  );
  await Promise.allSettled([collections, colormaps, layers]);
  applyLayers();
  await search();
  if (state.mode === "3d") await setMode("3d");
  refreshPanels(true);
  document.body.dataset.ready = "true";
}

start().catch((error) => status(`The viewer could not start: ${error.message}`, "error"));
