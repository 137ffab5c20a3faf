// A mosaic layer's own controls: what it was made from (the search's filters), the method that
// combines overlapping rasters, and the time slider that narrows it to a range of acquisition days.
import { formatValue, h } from "../dom.js";
import { METHODS } from "../layer_codec.js";

const DAY = 86_400_000;
const METHOD_LABELS = { first: "Latest on top", highest: "Highest value", lowest: "Lowest value", mean: "Mean", median: "Median", count: "Count of rasters" };

/** Days from `start` to `date` (ISO dates). */
export const dayIndex = (start, date) => Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY);
/** The ISO date `days` after `start`. */
export const dayDate = (start, days) => new Date(Date.parse(`${start}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** The mosaic's filters in a few words. */
export function describeFilters(f) {
  const parts = [];
  if (f.collection) parts.push(f.collection);
  if (f.q) parts.push(`“${f.q}”`);
  if (f.from || f.to) parts.push(`${f.from || "…"} – ${f.to || "…"}`);
  if (f.polygon) parts.push(`in a polygon (${f.polygon.length} vertices)`);
  else if (f.bbox) parts.push(`in ${f.bbox.map((v) => formatValue(Number(v.toFixed(2)))).join(", ")}`);
  return parts.length ? parts.join(" · ") : "every raster";
}

/** The time slider: two thumbs over the days of `layer.span`; commits on release. */
export function timeSlider(layer, onChange) {
  const [first, last] = layer.span;
  const days = Math.max(0, dayIndex(first, last));
  const [start, end] = layer.time || layer.span;
  const label = h("output.time-range", { "aria-live": "polite" });
  const thumb = (value, name) => h("input", { type: "range", min: "0", max: String(days), step: "1", value: String(value), "aria-label": name, class: `time-${name === "From" ? "from" : "to"}` });
  const from = thumb(dayIndex(first, start), "From");
  const to = thumb(dayIndex(first, end), "To");
  const show = () => {
    label.textContent = `${dayDate(first, Math.min(+from.value, +to.value))} – ${dayDate(first, Math.max(+from.value, +to.value))}`;
  };
  const commit = () => {
    const a = Math.min(+from.value, +to.value);
    const b = Math.max(+from.value, +to.value);
    onChange(a === 0 && b === days ? { time: null } : { time: [dayDate(first, a), dayDate(first, b)] });
  };
  for (const input of [from, to]) {
    input.addEventListener("input", show);
    input.addEventListener("change", commit);
  }
  show();
  return h("div.time-slider", {}, h("div.muted", {}, "Acquired ", label), h("div.time-thumbs", {}, from, to));
}

export function mosaicControls(layer, onChange) {
  const update = (patch) => onChange(layer.id, patch);
  const method = h(
    "select.method",
    { "aria-label": "Mosaic method", onchange: () => update({ method: method.value }) },
    METHODS.map((m) => h("option", { value: m, selected: m === layer.method }, METHOD_LABELS[m])),
  );
  return [
    h("p.hint.mosaic-filters", {}, "Mosaic of ", describeFilters(layer.mosaic)),
    h("label", {}, "Where rasters overlap", method),
    layer.span && layer.span[0] !== layer.span[1] ? timeSlider(layer, update) : null,
  ];
}
