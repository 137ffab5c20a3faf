// Collections as one layer: "Show these results as one layer" adds the current search (area and
// filters) as a mosaic layer to the store; what the viewer knows about a mosaic (its name, band
// count, extent and zoom range, from the results and the mosaic TileJSON; the band math presets of
// its top raster) goes into the raster facts under the layer's id ("m1"), as a raster's would.
import * as api from "../api.js";
import { defaultMosaic, isMosaic, nextMosaicId } from "../store.js";
import { describeFilters } from "../panels/mosaic.js";
import { status, withLoading } from "../panels/status.js";
import { aggregateParams, searchParams } from "../urls.js";

const $ = (id) => document.getElementById(id);
const FILTER_KEYS = ["bbox", "polygon", "from", "to", "collection", "q"];

/** The dates of the first and last acquisition of `features` (ISO days), or null. */
export function dateSpan(features) {
  const days = features.map((f) => f.properties?.acquired_at).filter(Boolean).map((d) => d.slice(0, 10)).sort();
  return days.length ? [days[0], days[days.length - 1]] : null;
}

/** The fewest bands any of `features` has (what every raster of the mosaic can draw). */
export const fewestBands = (features) => (features.length ? Math.min(...features.map((f) => f.properties?.band_count || 1)) : 1);

export function createMosaics({ store, rasters }) {
  const { info } = rasters;

  /** The search's acquisition span: from the STAC aggregation when the list is not all of it. */
  async function searchSpan(state) {
    const { features, more } = state.results;
    if (!more) return dateSpan(features);
    try {
      const params = aggregateParams(state);
      params.set("aggregations", "datetime_min,datetime_max");
      params.delete("datetime_frequency_interval");
      const body = await api.aggregate(params);
      const [min, max] = ["datetime_min", "datetime_max"].map((name) => body.aggregations.find((a) => a.name === name)?.value);
      return min && max ? [min.slice(0, 10), max.slice(0, 10)] : dateSpan(features);
    } catch {
      return dateSpan(features);
    }
  }

  /** Name, bands, extent and zoom range of a mosaic layer (before the store shows it). */
  async function learn(layer, features) {
    const filters = layer.mosaic;
    if (!features) {
      const params = searchParams(filters, { limit: 100 });
      features = (await api.searchRasters(params)).features || [];
    }
    const facts = {
      name: `Mosaic: ${describeFilters(filters)}`,
      band_count: features.length ? fewestBands(features) : Math.max(...layer.bands),
      dtype: features[0]?.properties?.dtype,
      mosaic: true,
    };
    // Band math presets (NDVI, …) from the top raster's bands, kept when every raster has them.
    if (features[0]) {
      try {
        const analysis = await api.rasterAnalysis(features[0].properties?.id ?? features[0].id);
        const presets = (analysis.presets || []).filter((p) => Math.max(...Object.values(p.bands || {}), 1) <= facts.band_count);
        facts.analysis = { ...analysis, presets };
      } catch {
        /* no presets: the field still takes any expression */
      }
    }
    try {
      const tilejson = await api.mosaicTileJson(layer);
      Object.assign(facts, { bbox: tilejson.bounds, minzoom: tilejson.minzoom, maxzoom: tilejson.maxzoom, description: tilejson.description });
    } catch (error) {
      status(`Mosaic: ${error.message}`, "error");
    }
    info.set(layer.id, { ...info.get(layer.id), ...facts });
  }

  /** Add the current search as one layer, on top. */
  async function addCurrentSearch() {
    const state = store.get();
    const { features } = state.results;
    if (!features.length) {
      status("Nothing to show as one layer: the search has no results.", "warn");
      return;
    }
    const filters = Object.fromEntries(FILTER_KEYS.map((key) => [key, state[key]]));
    const span = await searchSpan(state);
    const layer = defaultMosaic(nextMosaicId(state.layers), filters, { bandCount: fewestBands(features), span });
    await withLoading("Preparing the mosaic…", learn(layer, features));
    const current = store.get();
    store.set({ layers: [layer, ...current.layers], active: layer.id });
    status(`The ${state.results.more ? "search's" : `${features.length}`} rasters are shown as one layer.`);
  }

  /** The mosaics of a permalink: what the layer list and the map need to know about them. */
  async function loadPermalinkMosaics() {
    await Promise.all(
      store
        .get()
        .layers.filter(isMosaic)
        .map((layer) => learn(layer).catch((error) => status(`Mosaic ${layer.id}: ${error.message}`, "error"))),
    );
  }

  function showButton(state) {
    const button = $("as-mosaic");
    button.disabled = state.results.features.length === 0;
  }

  $("as-mosaic").addEventListener("click", () => addCurrentSearch());
  store.subscribe((state, changed) => {
    if (changed.includes("results")) showButton(state);
  });
  showButton(store.get());

  return { addCurrentSearch, loadPermalinkMosaics };
}
