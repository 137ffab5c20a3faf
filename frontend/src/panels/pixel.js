// Pixel values at a clicked point, for every visible overlay (from /api/rasters/{id}/pixel).
import { rasterPixel } from "../api.js";
import { formatValue, h } from "../dom.js";

let controller = null;

export async function showPixels(pane, lon, lat, layers, info) {
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  const visible = layers.filter((l) => l.visible);
  pane.replaceChildren(h("p.coords", {}, `${lat.toFixed(5)}°, ${lon.toFixed(5)}°`));
  if (!visible.length) {
    pane.append(h("p.hint", {}, "Add a raster to the map to read its values here."));
    return;
  }
  const table = h("table.pixels", {}, h("thead", {}, h("tr", {}, h("th", {}, "Raster"), h("th", {}, "Values by band"))));
  const body = h("tbody");
  table.append(body);
  pane.append(table);
  const rows = visible.map((layer) => {
    const cell = h("td", { "aria-busy": "true" }, h("span.spinner.small"));
    body.append(h("tr", { dataset: { id: String(layer.id) } }, h("th", { scope: "row" }, info.get(layer.id)?.name || `Raster ${layer.id}`), cell));
    return { layer, cell };
  });
  await Promise.all(
    rows.map(async ({ layer, cell }) => {
      try {
        const pixel = await rasterPixel(layer.id, lon, lat, { signal });
        cell.replaceChildren(
          h(
            "span.values",
            {},
            pixel.values.map((value, i) =>
              h("span.value", { class: `value${layer.bands.includes(i + 1) ? " shown" : ""}`, title: `Band ${i + 1}`, dataset: { band: String(i + 1) } }, `b${i + 1} `, h("b", {}, formatValue(value))),
            ),
          ),
          h("span.rowcol", {}, `col ${pixel.col}, row ${pixel.row}`),
        );
      } catch (error) {
        if (error.name === "AbortError") return;
        cell.replaceChildren(h("span.muted", {}, error.status === 404 ? "outside this raster" : error.message));
      }
      cell.removeAttribute("aria-busy");
    }),
  );
  pane.dataset.ready = "true";
}
