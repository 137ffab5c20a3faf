// Statistics of the drawn area (POST /api/rasters/{id}/statistics) for one overlaid raster: per
// band (or its band math), the numbers in a table and the histogram as the histogram tab draws it.
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

/** The first feature's statistics, [[band or expression, stats]], and why there are none. */
export function bandStatistics(body) {
  const properties = body?.features?.[0]?.properties || {};
  const stats = properties.statistics;
  return { bands: stats ? Object.entries(stats).filter(([, s]) => s && typeof s === "object") : [], reason: properties.reason || "" };
}

/** Percentiles as [[p, value]] from the keys percentile_2, percentile_97.5, … */
export function percentiles(stats) {
  return Object.entries(stats)
    .map(([key, value]) => [key.match(/^percentile_(.+)$/)?.[1], value])
    .filter(([p]) => p !== undefined)
    .map(([p, value]) => [Number(p), value])
    .sort((a, b) => a[0] - b[0]);
}

// Sums and counts run into millions: more digits than the map's labels show.
const formatStat = (value) =>
  typeof value === "number" && Math.abs(value) >= 1e6 && Math.abs(value) < 1e15 ? String(Number(value.toPrecision(9))) : formatValue(value);

function bandBlock(label, stats) {
  const rows = NUMBERS.filter(([key]) => stats[key] !== undefined).map(([key, name]) =>
    h("tr", { dataset: { stat: key } }, h("th", {}, name), h("td", {}, key === "valid_percent" ? `${formatValue(Number(Number(stats[key]).toFixed(2)))} %` : formatStat(stats[key]))),
  );
  for (const [p, value] of percentiles(stats)) rows.push(h("tr", { dataset: { stat: `p${p}` } }, h("th", {}, `p${p}`), h("td", {}, formatValue(value))));
  const counts = stats.histogram?.counts;
  const edges = stats.histogram?.edges;
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
  const { bands, reason } = body ? bandStatistics(body) : { bands: [] };
  return h(
    "section.stats-raster",
    { dataset: { id: String(id) } },
    h("h3", {}, name),
    error ? h("p.error", {}, error) : bands.length ? bands.map(([label, stats]) => bandBlock(label, stats)) : h("p.hint", {}, reason || "No pixel of this raster inside the area."),
  );
}
