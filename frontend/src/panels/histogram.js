// A histogram of one band of the active layer, drawn as a small SVG bar chart.
import { rasterHistogram } from "../api.js";
import { formatValue, h } from "../dom.js";
import { stretchRange } from "./legend.js";

const SVG = "http://www.w3.org/2000/svg";
const svg = (tag, attrs) => {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  return element;
};

/** An SVG bar chart of counts over edges; the stretch range, when given, is shaded. */
export function histogramChart(counts, edges, range, { width = 300, height = 140 } = {}) {
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "histogram", role: "img" });
  const low = edges[0];
  const high = edges[edges.length - 1];
  const span = high - low || 1;
  const x = (value) => ((value - low) / span) * width;
  const top = Math.max(...counts, 1);
  const plot = height - 18;
  if (range) {
    const [a, b] = range.map((v) => Math.max(0, Math.min(width, x(v))));
    chart.append(svg("rect", { x: a, y: 0, width: Math.max(1, b - a), height: plot, class: "stretch" }));
  }
  counts.forEach((count, i) => {
    const barHeight = (Math.sqrt(count) / Math.sqrt(top)) * plot; // sqrt: small bins stay visible
    const left = x(edges[i]);
    chart.append(svg("rect", { x: left, y: plot - barHeight, width: Math.max(0.5, x(edges[i + 1]) - left - 0.3), height: barHeight, class: "bar" }));
  });
  chart.append(svg("line", { x1: 0, x2: width, y1: plot, y2: plot, class: "axis" }));
  for (const [value, anchor, pos] of [[low, "start", 0], [high, "end", width]]) {
    const label = svg("text", { x: pos, y: height - 4, "text-anchor": anchor, class: "tick" });
    label.textContent = formatValue(value);
    chart.append(label);
  }
  const title = svg("title", {});
  title.textContent = "Histogram (square-root scale); the shaded band is the stretch range";
  chart.prepend(title);
  return chart;
}

let controller = null;

export async function showHistogram(pane, layer, info) {
  controller?.abort();
  controller = new AbortController();
  if (!layer) {
    pane.replaceChildren(h("p.hint", {}, "Add a raster to the map to see its histogram."));
    return;
  }
  if (layer.mosaic) {
    pane.replaceChildren(h("p.hint", {}, "A mosaic has no histogram of its own: click the map for its values over time, or add one of its rasters."));
    return;
  }
  const raster = info.get(layer.id) || {};
  const count = raster.band_count || 1;
  const analysis = layer.expression || ""; // a terrain layer shows the histogram of its heights
  const band = Number(pane.dataset.band) && Number(pane.dataset.band) <= count && pane.dataset.layer === String(layer.id) ? Number(pane.dataset.band) : layer.bands[0];
  pane.dataset.layer = String(layer.id);
  pane.dataset.band = String(band);
  const select = h("select", { "aria-label": "Histogram band" });
  for (let b = 1; b <= count; b += 1) select.append(h("option", { value: String(b), selected: b === band }, `Band ${b}`));
  select.addEventListener("change", () => {
    pane.dataset.band = select.value;
    showHistogram(pane, layer, info);
  });
  const holder = h("div.chart", { "aria-busy": "true" }, h("span.spinner"));
  pane.replaceChildren(h("div.pane-head", {}, h("strong", {}, raster.name || `Raster ${layer.id}`), analysis ? h("span.muted.analysis", {}, analysis) : select), holder);
  try {
    const histogram = await rasterHistogram(layer.id, analysis ? layer.bands[0] : band, { signal: controller.signal }, analysis ? layer : null);
    const stats = analysis ? null : raster.bands?.find((b) => b.band === band);
    const range = analysis || (layer.bands.length === 1 && layer.bands[0] === band) ? stretchRange(layer, stats) : stretchRange({ stretch: "p2p98" }, stats);
    holder.replaceChildren(
      histogramChart(histogram.counts, histogram.edges, range),
      h(
        "p.hint",
        {},
        `${histogram.valid_pixels?.toLocaleString?.() ?? "?"} valid pixels`,
        histogram.level ? ` on a ${histogram.level.width}×${histogram.level.height} level` : "",
        stats ? ` · mean ${formatValue(stats.mean)} · std ${formatValue(stats.std)}` : "",
      ),
    );
    holder.removeAttribute("aria-busy");
    pane.dataset.ready = "true";
  } catch (error) {
    if (error.name === "AbortError") return;
    holder.replaceChildren(h("p.error", {}, `Histogram unavailable: ${error.message}`));
    holder.removeAttribute("aria-busy");
  }
}
