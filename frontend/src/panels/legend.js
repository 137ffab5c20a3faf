// The legend of the active layer over the map: colormap bar (or RGB swatch), value range, stretch.
import { formatValue, h } from "../dom.js";
import { legendUrl } from "../urls.js";

/** The value range the tiles are stretched over, for the legend's labels. */
export function stretchRange(layer, band) {
  if (layer.stretch === "minmax" && layer.min !== null && layer.max !== null) return [layer.min, layer.max];
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
  const parts = [
    h("div.legend-title", {}, raster.name || `Raster ${layer.id}`, h("span.muted", {}, layer.bands.length === 3 ? ` RGB b${layer.bands.join(",")}` : ` band ${layer.bands[0]}`)),
    url ? h("img", { src: url, alt: `Colormap ${layer.palette}`, width: 200, height: 12 }) : h("div.rgb-swatch"),
    range && layer.bands.length === 1 ? h("div.legend-range", {}, h("span", {}, formatValue(range[0])), h("span", {}, formatValue(range[1]))) : null,
    h("div.muted", {}, layer.stretch === "p2p98" ? "stretch: p2–p98" : "stretch: min/max"),
  ];
  legend.replaceChildren(...parts.filter(Boolean));
}
