// The overlays: adding and removing a raster's layer, its style edits, analysis and order (all
// written into the store's `layers` and `active`); on a change, the 2D map's tile layers, the layer
// list and the legend are redrawn. Also counts and explains the overlay tiles that fail, in the
// status line and in the layer's entry (the store's `notices`): a mosaic over its raster cap, say.
import * as api from "../api.js";
import { renderLayers } from "../panels/layers.js";
import { showLegend } from "../panels/legend.js";
import { loading, status, withLoading } from "../panels/status.js";
import { defaultLayer, isMosaic } from "../store.js";

const $ = (id) => document.getElementById(id);

/** `onInspect(id)` opens the inspector on a layer the user picked in the list. */
export function createLayers({ store, map2d, rasters, onInspect }) {
  const { info } = rasters;
  const tiles = { requested: 0, loaded: 0, errors: 0 };

  async function toggle(feature) {
    const id = feature.properties.id;
    if (store.get().layers.some((l) => l.id === id)) {
      remove(id);
      return;
    }
    rasters.remember(feature);
    await withLoading("Reading the raster's statistics…", rasters.loadBands(id));
    const layer = defaultLayer(id, feature.properties.band_count);
    const current = store.get();
    if (current.layers.some((l) => l.id === id)) return; // a double click
    store.set({ layers: [layer, ...current.layers], active: id });
  }

  function remove(id) {
    const state = store.get();
    const layers = state.layers.filter((l) => l.id !== id);
    const { [id]: _gone, ...notices } = state.notices;
    store.set({ layers, notices, active: state.active === id ? (layers[0]?.id ?? null) : state.active });
  }

  function change(id, patch) {
    store.set({ layers: store.get().layers.map((l) => (l.id === id ? { ...l, ...patch } : l)) });
  }

  /** Merge `patch` into the layer's notice (null values remove keys; an empty notice goes away). */
  function notice(id, patch) {
    const notices = { ...store.get().notices };
    const next = Object.fromEntries(Object.entries({ ...notices[id], ...patch }).filter(([, v]) => v !== null && v !== undefined));
    if (JSON.stringify(next) === JSON.stringify(notices[id] || {})) return;
    if (Object.keys(next).length) notices[id] = next;
    else delete notices[id];
    store.set({ notices });
  }

  /** Band math: the API checks the expression (TileJSON) before the tiles ask for it; a refused
   *  one stays in the field with the API's reason under it. */
  async function setExpression(id, text, patch = {}) {
    const layer = store.get().layers.find((l) => l.id === id);
    if (!layer) return;
    if (!text) {
      notice(id, { draft: null, expression: null });
      // Back to the bands: their own stretch, not the expression's range (a preset's -1…1).
      if (layer.expression) change(id, { expression: "", stretch: "p2p98", min: null, max: null, palette: layer.bands.length === 1 ? layer.palette : "" });
      return;
    }
    try {
      await withLoading("Checking the expression…", api.analysisTileJson({ ...layer, expression: text, algorithm: "" }));
      notice(id, { draft: null, expression: null });
      const stretch = layer.stretch === "minmax" && (layer.min === null || layer.max === null) ? "p2p98" : layer.stretch;
      change(id, { stretch, ...patch, expression: text, algorithm: "" });
    } catch (error) {
      notice(id, { draft: text, expression: error.message });
    }
  }

  function move(id, step) {
    const list = [...store.get().layers];
    const index = list.findIndex((l) => l.id === id);
    const [item] = list.splice(index, 1);
    list.splice(Math.max(0, Math.min(list.length, index + step)), 0, item);
    store.set({ layers: list });
  }

  function trackTiles(layer, id) {
    let explained = false;
    let failed = 0;
    layer.on("tileloadstart", () => (tiles.requested += 1));
    layer.on("tileload", () => (tiles.loaded += 1));
    layer.on("tileerror", async (event) => {
      tiles.errors += 1;
      failed += 1;
      if (explained) return;
      explained = true;
      // Leaflet does not say why a tile failed; ask the API (a 404 outside the raster is normal).
      try {
        const response = await fetch(event.tile.src);
        if (!response.ok && response.status !== 404) {
          const body = await response.json().catch(() => ({}));
          const message = body.detail || response.statusText || `HTTP ${response.status}`;
          status(`Tiles of ${info.get(id)?.name || id}: ${message}`, "error");
          notice(id, { tiles: response.status === 422 ? `Not drawn here: ${message}` : message });
        }
      } catch {
        /* offline: the status bar already says so */
      }
    });
    // Each new view is explained afresh; one drawn without failures clears the layer's notice.
    layer.on("loading", () => {
      explained = false;
      failed = 0;
    });
    layer.on("load", () => {
      if (!failed) notice(id, { tiles: null });
    });
    layer.on("loading", () => loading(1, "Loading tiles…"));
    layer.on("load", () => loading(-1));
    layer.on("remove", () => {
      if (layer._loading) loading(-1);
    });
  }

  /** Draw the store's layers: 2D overlays (Leaflet bounds are [[south, west], [north, east]]), list, legend. */
  function apply() {
    const state = store.get();
    const apiRoot = api.getApiRoot();
    const layers = rasters.withBounds(state.layers);
    map2d.setOverlays(
      layers.map((l) => ({ ...l, bounds: l.bounds ? [[l.bounds[1], l.bounds[0]], [l.bounds[3], l.bounds[2]]] : undefined })),
      apiRoot,
      trackTiles,
    );
    renderLayers($("layers"), $("layers-empty"), state.layers, {
      info,
      active: state.active,
      apiRoot,
      notices: state.notices,
      onChange: change,
      onExpression: setExpression,
      onMove: move,
      onRemove: remove,
      onActivate: (id) => {
        store.set({ active: id });
        onInspect(id);
      },
    });
    showLegend($("legend"), state.layers.find((l) => l.id === state.active), info, apiRoot);
  }

  /** The selected rasters of a permalink: fetch what the results list would have told about them. */
  async function loadPermalinkLayers() {
    await Promise.all(
      store.get().layers.filter((l) => !isMosaic(l)).map(async (layer) => {
        try {
          rasters.remember(await api.rasterFeature(layer.id));
          await rasters.loadBands(layer.id);
        } catch (error) {
          status(`Raster ${layer.id}: ${error.message}`, "error");
        }
      }),
    );
  }

  store.subscribe((state, changed) => {
    if (changed.includes("layers") || changed.includes("active") || changed.includes("notices")) apply();
  });

  return { toggle, apply, loadPermalinkLayers, setExpression, tiles };
}
