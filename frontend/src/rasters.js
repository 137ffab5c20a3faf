// What the viewer knows about each raster it has seen: the search hit's properties and bbox, then
// band statistics, the served zoom range and the analysis presets its bands allow. A cache beside the store, not state: it is filled
// before the store change that shows it, so views read it when the store notifies.
import * as api from "./api.js";
import { status } from "./panels/status.js";

export function createRasterFacts() {
  const info = new Map(); // raster id -> its Feature properties + bbox + bands (stats) + zoom range

  function remember(feature) {
    const previous = info.get(feature.properties.id) || {};
    info.set(feature.properties.id, { ...previous, ...feature.properties, bbox: feature.bbox });
  }

  /** Band statistics (legend, histogram), the zoom range the tile API serves (TileJSON) and the
   *  analysis the bands allow (band-math presets). */
  async function loadBands(id) {
    if (info.get(id)?.bands) return;
    const [bands, tilejson, analysis] = await Promise.allSettled([api.rasterBands(id), api.rasterTileJson(id), api.rasterAnalysis(id)]);
    if (analysis.status === "fulfilled") info.set(id, { ...info.get(id), analysis: analysis.value });
    if (bands.status === "fulfilled") info.set(id, { ...info.get(id), bands: bands.value });
    else status(`Band statistics of raster ${id} unavailable: ${bands.reason.message}`, "warn");
    if (tilejson.status === "fulfilled") info.set(id, { ...info.get(id), minzoom: tilejson.value.minzoom, maxzoom: tilejson.value.maxzoom });
  }

  /** Layers with what a map needs besides the style: bounds (unless across 180°) and zoom range. */
  function withBounds(layers) {
    return layers.map((l) => {
      const raster = info.get(l.id) || {};
      const bbox = raster.bbox && raster.bbox[0] <= raster.bbox[2] ? raster.bbox : undefined;
      return { ...l, bounds: bbox, minzoom: raster.minzoom, maxzoom: raster.maxzoom };
    });
  }

  return { info, remember, loadBands, withBounds };
}
