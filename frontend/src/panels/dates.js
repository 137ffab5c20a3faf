// Acquisitions of the current search per month (or year), from the STAC aggregation extension:
// a row of SVG bars under the results title, one per period between the first and the last.

const SVG = "http://www.w3.org/2000/svg";
const svg = (tag, attrs) => {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  return element;
};

/** Every period from the first bucket to the last, with its count (0 where none): [[label, n]]. */
export function datePeriods(buckets, interval) {
  if (!buckets.length) return [];
  const counts = new Map(buckets.map((b) => [periodLabel(b.key, interval), b.frequency]));
  const keys = [...counts.keys()].sort();
  const periods = [];
  let [year, month] = keys[0].split("-").map(Number);
  const last = keys[keys.length - 1];
  for (let guard = 0; guard < 5000; guard++) {
    const label = interval === "year" ? String(year) : `${year}-${String(month).padStart(2, "0")}`;
    periods.push([label, counts.get(label) || 0]);
    if (label >= last) break;
    if (interval === "year") year += 1;
    else [year, month] = month === 12 ? [year + 1, 1] : [year, month + 1];
  }
  return periods;
}

const periodLabel = (key, interval) => (interval === "year" ? key.slice(0, 4) : key.slice(0, 7));

/** Draw the periods' bars into `element` (hidden when there is nothing to show). */
export function renderDateHistogram(element, buckets, interval, { width = 300, height = 48 } = {}) {
  const periods = datePeriods(buckets, interval);
  element.replaceChildren();
  element.hidden = periods.length === 0;
  if (!periods.length) return;
  const total = periods.reduce((sum, [, n]) => sum + n, 0);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "dates", role: "img" });
  chart.setAttribute("aria-label", `${total} acquisitions from ${periods[0][0]} to ${periods[periods.length - 1][0]}`);
  const top = Math.max(...periods.map(([, n]) => n), 1);
  const step = width / periods.length;
  periods.forEach(([label, count], i) => {
    const barHeight = (count / top) * (height - 2);
    const bar = svg("rect", { x: i * step, y: height - barHeight, width: Math.max(0.5, step - 1), height: barHeight, class: "bar" });
    const title = svg("title", {});
    title.textContent = `${label}: ${count}`;
    bar.append(title);
    bar.dataset.period = label;
    bar.dataset.count = String(count);
    chart.append(bar);
  });
  const caption = document.createElement("p");
  caption.className = "hint";
  caption.textContent = `Acquired per ${interval}: ${periods[0][0]} – ${periods[periods.length - 1][0]}`;
  element.append(chart, caption);
}
