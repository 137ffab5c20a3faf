// The inspector: its tabs (pixel values, histogram, details, statistics of a drawn area) and what
// they show, read from the store's active layer; a click on the map or the globe reads the pixel
// values there (and a mosaic's values over time). `onTab(name)` hears a tab being shown.
import * as api from "../api.js";
import { showDetails } from "../panels/details.js";
import { showHistogram } from "../panels/histogram.js";
import { showPixels } from "../panels/pixel.js";

const $ = (id) => document.getElementById(id);
const TABS = ["pixel", "histogram", "details", "stats"];

export function createInspector({ store, config, map2d, info, onTab }) {
  let lastClick = null;
  let shownPanel = "";

  function selectTab(name) {
    for (const tab of TABS) {
      $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
      $(`pane-${tab}`).hidden = tab !== name;
    }
    refresh();
    onTab?.(name);
  }

  /** Redraw the open pane when its layer (or that layer's statistics) changed, or when forced. */
  function refresh(force = false) {
    const state = store.get();
    const layer = state.layers.find((l) => l.id === state.active) || null;
    const key = JSON.stringify(layer) + (info.get(layer?.id)?.bands ? "b" : "");
    if (!$("pane-histogram").hidden && (force || shownPanel !== `h${key}`)) {
      shownPanel = `h${key}`;
      showHistogram($("pane-histogram"), layer, info);
    }
    if (!$("pane-details").hidden && (force || shownPanel !== `d${key}`)) {
      shownPanel = `d${key}`;
      showDetails($("pane-details"), layer, info, { apiRoot: api.getApiRoot(), viewBbox: map2d.getBbox(), regionMaxSize: config.regionMaxSize });
    }
  }

  function inspectAt(lon, lat) {
    lastClick = [lon, lat];
    selectTab("pixel");
    showPixels($("pane-pixel"), lon, lat, store.get().layers, info, { apiRoot: api.getApiRoot() });
  }

  for (const tab of TABS) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  document.querySelector(".tabs").addEventListener("keydown", (event) => {
    const current = TABS.findIndex((t) => $(`tab-${t}`).getAttribute("aria-selected") === "true");
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = TABS[(current + step + TABS.length) % TABS.length];
    selectTab(next);
    $(`tab-${next}`).focus();
  });

  store.subscribe((state, changed) => {
    if (changed.includes("layers") || changed.includes("active")) refresh();
  });

  return { selectTab, refresh, inspectAt, lastClick: () => lastClick };
}
