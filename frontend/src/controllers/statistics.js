// Statistics of a drawn area: the Statistics tab's buttons draw a polygon or a box on the map,
// which becomes the store's `statsArea`; on a change of it (or of the overlays) the tab shows, for
// every visible raster overlay (or its band math), what POST /api/rasters/{id}/statistics says.
import * as api from "../api.js";
import { h } from "../dom.js";
import { isMosaic } from "../layer_codec.js";
import { statisticsBlock } from "../panels/statistics.js";
import { status } from "../panels/status.js";

const $ = (id) => document.getElementById(id);

/** The area as a GeoJSON Feature (a closed ring). */
export const areaFeature = (ring) => ({ type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [[...ring, ring[0]]] } });

/** `isOpen()`: the tab is shown; `openTab()` shows it (once an area is drawn). */
export function createStatistics({ store, map2d, info, isOpen, openTab }) {
  let controller = null;
  let shown = "";
  const pane = $("pane-stats");
  const results = h("div.stats-results");

  function draw(shape) {
    status(shape === "rect" ? "Drag on the map to draw the area (Esc cancels)." : "Click the area's corners; click the first one again to finish (Esc cancels).");
    map2d.startDraw(shape, (ring) => {
      store.set({ statsArea: ring });
      openTab();
    });
  }

  pane.replaceChildren(
    h(
      "div.row",
      {},
      h("button", { id: "stats-draw-poly", type: "button", title: "Draw a polygon on the map", onclick: () => draw("poly") }, "⬠ Draw an area"),
      h("button", { id: "stats-draw-rect", type: "button", title: "Draw a box on the map", onclick: () => draw("rect") }, "▭ Box"),
      h("button", { id: "stats-clear", type: "button", onclick: () => store.set({ statsArea: null }) }, "Clear"),
    ),
    results,
  );

  /** Fetch and show the statistics (when the tab is open and the area or the overlays changed). */
  async function refresh(force = false) {
    const state = store.get();
    map2d.setStatsArea(state.statsArea);
    const layers = state.layers.filter((l) => l.visible && !isMosaic(l));
    const key = JSON.stringify([state.statsArea, layers.map((l) => [l.id, l.expression])]);
    if (!isOpen() || (!force && key === shown)) return;
    shown = key;
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    delete pane.dataset.ready;
    if (!state.statsArea) {
      results.replaceChildren(h("p.hint", {}, "Draw an area on the map to see the statistics of the overlaid rasters inside it."));
      return;
    }
    if (!layers.length) {
      results.replaceChildren(h("p.hint", {}, "Add a raster to the map: its statistics inside the area show here."));
      return;
    }
    results.replaceChildren(h("span.spinner"));
    const feature = areaFeature(state.statsArea);
    const answers = await Promise.all(
      layers.map((layer) =>
        api
          .rasterStatistics(layer, feature, { signal })
          .then((body) => ({ body }))
          .catch((error) => ({ error: error.name === "AbortError" ? null : error.message, aborted: error.name === "AbortError" })),
      ),
    );
    if (signal.aborted) return;
    results.replaceChildren(
      ...layers.map((layer, i) => {
        const name = info.get(layer.id)?.name || `Raster ${layer.id}`;
        return statisticsBlock(layer.expression ? `${name} — ${layer.expression}` : name, layer.id, answers[i]);
      }),
    );
    pane.dataset.ready = "true";
  }

  store.subscribe((state, changed) => {
    if (changed.includes("statsArea") || changed.includes("layers")) refresh();
  });

  return { refresh };
}
