// The search: the form (area, dates, collection, name) writes the filters into the store; a change
// of filters runs the search, whose hits go back into the store (`results`); the results list,
// the count and the map's footprints are drawn from there.
import * as api from "../api.js";
import { formatValue, h } from "../dom.js";
import { renderDateHistogram } from "../panels/dates.js";
import { highlightResult, renderResults } from "../panels/results.js";
import { status, withLoading } from "../panels/status.js";
import { aggregateParams, footprintTileUrl, searchParams } from "../urls.js";

const $ = (id) => document.getElementById(id);
const SEARCH_KEYS = ["bbox", "polygon", "from", "to", "collection", "q"];

/** `remember` keeps a hit's properties for the other panels; `onToggle`/`onZoom` act on a hit. */
export function createSearch({ store, config, map2d, remember, onToggle, onZoom }) {
  let controller = null;

  async function search() {
    const state = store.get();
    controller?.abort();
    controller = new AbortController();
    describeArea(state);
    dates(state, controller.signal);
    try {
      const params = searchParams(state, { limit: config.searchLimit });
      const body = await withLoading("Searching…", api.searchRasters(params, { signal: controller.signal }));
      const features = body.features || [];
      for (const feature of features) remember(feature);
      const more = (body.links || []).some((l) => l.rel === "next");
      params.delete("limit");
      store.set({ results: { features, more, filters: params.toString() } });
    } catch (error) {
      if (error.name === "AbortError") return;
      status(`Search failed: ${error.message}`, "error");
    }
  }

  /** The acquisitions of the whole search by month, or by year when months would be too many. */
  async function dates(state, signal) {
    const element = $("date-histogram");
    try {
      let interval = "month";
      let body = await api.aggregate(aggregateParams(state, interval), { signal });
      let buckets = body.aggregations[0].buckets;
      if (buckets.length > 1 && monthsBetween(buckets) > 60) {
        interval = "year";
        body = await api.aggregate(aggregateParams(state, interval), { signal });
        buckets = body.aggregations[0].buckets;
      }
      renderDateHistogram(element, buckets, interval);
    } catch (error) {
      if (error.name !== "AbortError") renderDateHistogram(element, [], "month");
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

  function monthsBetween(buckets) {
    const [first, last] = [buckets[0].key, buckets[buckets.length - 1].key];
    return (Number(last.slice(0, 4)) - Number(first.slice(0, 4))) * 12 + Number(last.slice(5, 7)) - Number(first.slice(5, 7));
  }

  function showResults({ features, more, filters }) {
    $("result-count").textContent = more ? `${features.length}+` : String(features.length);
    $("result-count").title = more ? `The first ${features.length}; the map shows the footprints of all matches` : "";
    map2d.setFootprints(features);
    // More matches than the list holds: the map draws all of them from vector tiles.
    map2d.setFootprintTiles(more ? (z, x, y) => footprintTileUrl(api.getApiRoot(), z, x, y, filters) : null);
    drawResults();
  }

  function drawResults() {
    const state = store.get();
    renderResults($("results"), state.results.features, {
      selected: new Set(state.layers.map((l) => l.id)),
      onHover: hover,
      onZoom,
      onToggle,
    });
  }

  function hover(id, on) {
    map2d.highlight(id, on);
    highlightResult($("results"), id, on);
  }

  /** The form shows the state's filters (at start, and once the collections are listed). */
  function syncForm(state = store.get()) {
    $("date-from").value = state.from;
    $("date-to").value = state.to;
    $("name-q").value = state.q;
    if ([...$("collection").options].some((o) => o.value === state.collection)) $("collection").value = state.collection;
  }

  /** The collection menu, from the API; then the form shows the permalink's collection. */
  async function listCollections() {
    const list = await api.listCollections();
    const items = Array.isArray(list) ? list : list.results || list.collections || [];
    for (const c of items) $("collection").append(h("option", { value: c.slug }, `${c.name || c.slug} (${c.raster_count ?? "?"})`));
    syncForm();
  }

  function areaDrawn({ bbox, polygon }) {
    status(polygon ? "Searching inside the polygon." : "Searching inside the box.");
    store.set({ bbox, polygon });
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

  store.subscribe((state, changed) => {
    if (changed.some((key) => SEARCH_KEYS.includes(key))) search();
    if (changed.includes("results")) showResults(state.results);
    else if (changed.includes("layers") || changed.includes("active")) drawResults();
  });

  return { search, drawResults, syncForm, listCollections, hover, areaDrawn };
}
