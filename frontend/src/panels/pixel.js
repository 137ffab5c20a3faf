// Pixel values at a clicked point for every visible raster overlay (from /api/rasters/{id}/pixel,
// with the layer's band math when it has one), and for every visible mosaic its values over time.
import { rasterPixel } from "../api.js";
import { formatValue, h } from "../dom.js";
import { isMosaic } from "../layer_codec.js";
import { showSeries } from "./timeseries.js";

let controller = null;


export async function showPixels(pane, lon, lat, layers, info, { apiRoot = "/api/" } = {}) {
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  const visible = layers.filter((l) => l.visible);
  const rasters = visible.filter((l) => !isMosaic(l));
  const mosaics = visible.filter(isMosaic);
  pane.replaceChildren(h("p.coords", {}, `${lat.toFixed(5)}°, ${lon.toFixed(5)}°`));
  delete pane.dataset.ready;
  if (!visible.length) {
    pane.append(h("p.hint", {}, "Add a raster to the map to read its values here."));
    return;
  }
  const jobs = mosaics.map((layer) => {
    const box = h("div.series-box");
    pane.append(h("section.series-section", { dataset: { id: String(layer.id) } }, h("h4", {}, info.get(layer.id)?.name || "Mosaic", " — values over time"), box));
    return showSeries(box, layer, lon, lat, { apiRoot, signal });
  });
  if (rasters.length) {
    const table = h("table.pixels", {}, h("thead", {}, h("tr", {}, h("th", {}, "Raster"), h("th", {}, "Values by band"))));
    const body = h("tbody");
    table.append(body);
    pane.append(table);
    for (const layer of rasters) {
      const cell = h("td", { "aria-busy": "true" }, h("span.spinner.small"));
      body.append(h("tr", { dataset: { id: String(layer.id) } }, h("th", { scope: "row" }, info.get(layer.id)?.name || `Raster ${layer.id}`), cell));
      jobs.push(pixelCell(cell, layer, lon, lat, signal));
    }
  }
  await Promise.all(jobs);
  if (!signal.aborted) pane.dataset.ready = "true";
}

async function pixelCell(cell, layer, lon, lat, signal) {
  // Band math or terrain: its value first, then the bands (terrain: the heights it starts from).
  const expression = layer.expression || (layer.algorithm ? `${layer.algorithm} of b${layer.bands[0]}` : null);
  try {
    const pixel = await rasterPixel(layer.id, lon, lat, { signal }, expression ? layer : null);
    const bands = pixel.values.map((value, i) =>
      h("span.value", { class: `value${!expression && layer.bands.includes(i + 1) ? " shown" : ""}`, title: `Band ${i + 1}`, dataset: { band: String(i + 1) } }, `b${i + 1} `, h("b", {}, formatValue(value))),
    );
    cell.replaceChildren(
      expression ? h("span.value.shown.expression-value", { title: expression, dataset: { band: "expression" } }, `${expression} = `, h("b", {}, formatValue(pixel.value))) : null,
      h("span.values", {}, bands),
      h("span.rowcol", {}, `col ${pixel.col}, row ${pixel.row}`),
    );
  } catch (error) {
    if (error.name === "AbortError") return;
    cell.replaceChildren(h("span.muted", {}, error.status === 404 ? "outside this raster" : error.message));
  }
  cell.removeAttribute("aria-busy");
}
