// Statistics of the drawn area (POST /api/rasters/{id}/statistics) for one overlaid raster: per
// band, the numbers in a table and the histogram as the histogram tab draws it.
import { formatValue, h } from "../dom.js";
import { histogramChart } from "./histogram.js";

const NUMBERS = [
  ["count", "Pixels"],
  ["valid_percent", "Valid %"],
  ["min", "Min"],
  ["max", "Max"],
  ["mean", "Mean"],
  ["std", "Std"],
  ["sum", "Sum"],
  ["median", "Median"],
];

/** The bands' statistics of the first feature of a response: [[label, stats]], whatever the
 *  nesting (a FeatureCollection with properties.statistics, or a list of features with bands). */
export function bandStatistics(body) {
  const feature = body?.features?.[0] ?? (Array.isArray(body) ? body[0] : body);
  const stats = feature?.properties?.statistics ?? feature?.statistics ?? feature?.bands ?? feature;
  if (Array.isArray(stats)) return stats.map((s, i) => [s.name || s.label || `b${s.band ?? i + 1}`, s]);
  if (stats && typeof stats === "object") return Object.entries(stats).filter(([, s]) => s && typeof s === "object" && "mean" in s);
  return [];
}

/** Percentiles as [[p, value]] from {"p2": v} / {"2": v} / [[2, v]] / [{percentile, value}]. */
export function percentiles(stats) {
  const raw = stats.percentiles;
  if (!raw) return [];
  if (Array.isArray(raw)) return raw.map((p) => (Array.isArray(p) ? p : [p.percentile ?? p.p, p.value]));
  return Object.entries(raw).map(([key, value]) => [Number(String(key).replace(/^p/, "")), value]).sort((a, b) => a[0] - b[0]);
}

function bandBlock(label, stats) {
  const rows = NUMBERS.filter(([key]) => stats[key] !== undefined).map(([key, name]) =>
    h("tr", { dataset: { stat: key } }, h("th", {}, name), h("td", {}, key === "valid_percent" ? `${formatValue(Number(Number(stats[key]).toFixed(2)))} %` : formatValue(stats[key]))),
  );
  for (const [p, value] of percentiles(stats)) rows.push(h("tr", { dataset: { stat: `p${p}` } }, h("th", {}, `p${p}`), h("td", {}, formatValue(value))));
  const histogram = stats.histogram;
  const counts = histogram?.counts ?? (Array.isArray(histogram) ? histogram[0] : null);
  const edges = histogram?.edges ?? histogram?.bins ?? (Array.isArray(histogram) ? histogram[1] : null);
  return h(
    "div.stats-band",
    { dataset: { band: label } },
    h("h4", {}, label),
    h("table.stats", {}, rows),
    counts && edges && counts.length ? histogramChart(counts, edges, null, { height: 100 }) : null,
  );
}

/** One raster's block: its name, then per band the numbers and a histogram (or the error). */
export function statisticsBlock(name, id, { body, error }) {
  const bands = body ? bandStatistics(body) : [];
  return h(
    "section.stats-raster",
    { dataset: { id: String(id) } },
    h("h3", {}, name),
    error ? h("p.error", {}, error) : bands.length ? bands.map(([label, stats]) => bandBlock(label, stats)) : h("p.hint", {}, "No pixel of this raster inside the area."),
  );
}
