// A mosaic's values over time at a clicked point (GET /api/mosaic/point): one SVG line per band, or
// one for the layer's band math or terrain (its value per raster), a point per raster at its
// acquisition time (nodata leaves a gap), and the values as a table.
import { mosaicPoint } from "../api.js";
import { formatDate, formatValue, h } from "../dom.js";
import { mosaicPointUrl } from "../urls.js";

const SVG = "http://www.w3.org/2000/svg";
const svg = (tag, attrs) => {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  return element;
};
export const BAND_COLOURS = ["#1c7ed6", "#e8590c", "#2b8a3e", "#ae3ec9", "#f59f00", "#0ca678", "#d6336c", "#495057"];

/** Chart coordinates of the series: per band, [x, y, value, entry] with x, y in the plot's box. */
export function seriesPoints(values, { width = 300, height = 150, pad = 8 } = {}) {
  const dated = values.filter((v) => v.acquired_at);
  const times = dated.map((v) => Date.parse(v.acquired_at));
  const bandCount = Math.max(0, ...dated.map((v) => v.values.length));
  const numbers = dated.flatMap((v) => v.values).filter((v) => v !== null && Number.isFinite(v));
  if (!dated.length || !numbers.length) return { bands: [], low: null, high: null, first: null, last: null };
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  let [low, high] = [Math.min(...numbers), Math.max(...numbers)];
  if (low === high) [low, high] = [low - 1, high + 1];
  const x = (t) => (t1 === t0 ? width / 2 : pad + ((t - t0) / (t1 - t0)) * (width - 2 * pad));
  const y = (v) => pad + (1 - (v - low) / (high - low)) * (height - 2 * pad);
  const bands = [];
  for (let b = 0; b < bandCount; b += 1) {
    bands.push(dated.map((entry, i) => {
      const value = entry.values[b];
      return value === null || value === undefined || !Number.isFinite(value) ? null : [x(times[i]), y(value), value, entry];
    }));
  }
  return { bands, low, high, first: dated[0].acquired_at, last: dated[dated.length - 1].acquired_at };
}

/** The SVG line chart: a polyline per band (broken at nodata) and a circle per value; `names`
 *  label the lines (default b1, b2, …). */
export function seriesChart(values, { width = 300, height = 150, names = [] } = {}) {
  const plotHeight = height - 18;
  const { bands, low, high, first, last } = seriesPoints(values, { width, height: plotHeight });
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "series", role: "img" });
  chart.setAttribute("aria-label", bands.length ? `Values of ${bands.length} band(s) from ${formatDate(first)} to ${formatDate(last)}` : "No values here");
  chart.append(svg("line", { x1: 0, x2: width, y1: plotHeight, y2: plotHeight, class: "axis" }));
  bands.forEach((points, b) => {
    const colour = BAND_COLOURS[b % BAND_COLOURS.length];
    let run = [];
    const flush = () => {
      if (run.length > 1) chart.append(svg("polyline", { points: run.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" "), class: "line", stroke: colour, "data-band": b + 1 }));
      run = [];
    };
    for (const point of points) {
      if (!point) {
        flush();
        continue;
      }
      run.push(point);
      const [px, py, value, entry] = point;
      const dot = svg("circle", { cx: px.toFixed(1), cy: py.toFixed(1), r: 3, fill: colour, class: "point" });
      dot.dataset.band = String(b + 1);
      dot.dataset.value = String(value);
      dot.dataset.date = entry.acquired_at.slice(0, 10);
      dot.dataset.raster = String(entry.raster);
      const title = svg("title", {});
      title.textContent = `${entry.name} · ${formatDate(entry.acquired_at)} · ${names[b] || `b${b + 1}`} = ${formatValue(value)}`;
      dot.append(title);
      chart.append(dot);
    }
    flush();
  });
  if (bands.length) {
    for (const [text, x, y, anchor] of [
      [formatValue(high), 2, 10, "start"],
      [formatValue(low), 2, plotHeight - 2, "start"],
      [formatDate(first), 0, height - 3, "start"],
      [formatDate(last), width, height - 3, "end"],
    ]) {
      const label = svg("text", { x, y, "text-anchor": anchor, class: "tick" });
      label.textContent = text;
      chart.append(label);
    }
  }
  return chart;
}

/** Fetch and draw a mosaic's series at a point into `box`. */
export async function showSeries(box, layer, lon, lat, { apiRoot, signal }) {
  box.replaceChildren(h("span.spinner.small"));
  box.setAttribute("aria-busy", "true");
  try {
    const body = await mosaicPoint(layer, lon, lat, { signal });
    // With band math or terrain, the chart follows its value; the table still lists the bands.
    const analysis = body.expression || (body.algorithm ? `${body.algorithm} of b${body.band}` : "");
    const values = (body.values || []).map((v) => (analysis ? { ...v, bands: v.values, values: [v.value] } : v));
    const count = Math.max(0, ...values.map((v) => v.values.length));
    const names = analysis ? [analysis] : Array.from({ length: count }, (_, b) => `b${b + 1}`);
    const legend = h(
      "div.series-legend",
      {},
      names.map((name, b) => h("span", { style: `color: ${BAND_COLOURS[b % BAND_COLOURS.length]}` }, `● ${name}`)),
    );
    const cells = (v) => (analysis ? `${formatValue(v.values[0])} (${v.bands.map(formatValue).join(", ")})` : v.values.map(formatValue).join(", "));
    box.replaceChildren(
      values.length ? seriesChart(values, { names }) : h("p.hint", {}, "No raster of this mosaic has a pixel here."),
      values.length ? legend : null,
      h("p.hint", {}, `${values.length} raster(s) · `, h("a", { href: mosaicPointUrl(apiRoot, layer, lon, lat, { format: "csv" }), download: "timeseries.csv" }, "CSV")),
      values.length
        ? h(
            "details",
            {},
            h("summary", {}, "Values"),
            h("table.series-table", {}, values.map((v) => h("tr", {}, h("td", {}, formatDate(v.acquired_at)), h("td", {}, v.name), h("td", {}, cells(v))))),
          )
        : null,
    );
  } catch (error) {
    if (error.name === "AbortError") return;
    box.replaceChildren(h("p.error", {}, `Values over time unavailable: ${error.message}`));
  }
  box.removeAttribute("aria-busy");
}
