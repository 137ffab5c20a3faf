// The legend of the active layer over the map: colormap bar (or RGB swatch), value range, stretch.
import { formatValue, h } from "../dom.js";
import { legendUrl } from "../urls.js";

// The range the API gives a terrain algorithm's result when no min/max is asked for.
export const ALGORITHM_RANGES = { hillshade: [0, 255], slope: [0, 90], aspect: [0, 360] };

/** The value range the tiles are stretched over, for the legend's labels. */
export function stretchRange(layer, band) {
  if (layer.stretch === "minmax" && layer.min !== null && layer.max !== null) return [layer.min, layer.max];
  if (layer.expression) return null; // the API stretches over the expression's own range
  if (layer.algorithm) return ALGORITHM_RANGES[layer.algorithm] || null;
  if (!band) return null;
  const low = band.p2 ?? band.percentile_2 ?? band.min ?? band.minimum;
  const high = band.p98 ?? band.percentile_98 ?? band.max ?? band.maximum;
  return low === undefined || high === undefined ? null : [low, high];
}

export function showLegend(legend, layer, info, apiRoot) {
  legend.hidden = !layer;
  if (!layer) return;
  const raster = info.get(layer.id) || {};
  const url = legendUrl(apiRoot, layer, { width: 200, height: 12 });
  const stats = raster.bands?.find((b) => b.band === layer.bands[0]);
  const range = stretchRange(layer, stats);
  const what = layer.expression ? ` ${layer.expression}` : layer.algorithm ? ` ${layer.algorithm} of band ${layer.bands[0]}` : layer.bands.length === 3 ? ` RGB b${layer.bands.join(",")}` : ` band ${layer.bands[0]}`;
  const single = layer.bands.length === 1 || layer.expression;
  const method = layer.mosaic ? `, ${layer.method}` : "";
  const parts = [
    h("div.legend-title", {}, raster.name || `Raster ${layer.id}`, h("span.muted", {}, what)),
    url ? h("img", { src: url, alt: `Colormap ${layer.palette}`, width: 200, height: 12 }) : h("div.rgb-swatch"),
    range && single ? h("div.legend-range", {}, h("span", {}, formatValue(range[0])), h("span", {}, formatValue(range[1]))) : null,
    h("div.muted", {}, layer.stretch === "minmax" || layer.algorithm ? `stretch: min/max${method}` : `stretch: p2–p98${method}`),
  ];
  legend.replaceChildren(...parts.filter(Boolean));
}
