// Metadata, band statistics, the COG report and download links of the active layer's raster.
import { rasterCog, rasterMetadata } from "../api.js";
import { formatDate, formatValue, h } from "../dom.js";
import { describeFilters } from "./mosaic.js";
import { analysisTileJsonUrl, mosaicTileJsonUrl, regionUrl, tileJsonUrl } from "../urls.js";

const dl = (pairs) => h("dl.facts", {}, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))]));

function intersect(a, b) {
  const box = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return box[0] < box[2] && box[1] < box[3] ? box : null;
}

export async function showDetails(pane, layer, info, { apiRoot, viewBbox, regionMaxSize }) {
  if (!layer) {
    pane.replaceChildren(h("p.hint", {}, "Add a raster to the map to see its details."));
    return;
  }
  const raster = info.get(layer.id) || {};
  if (layer.mosaic) {
    pane.replaceChildren(
      h("h3", {}, raster.name || "Mosaic"),
      dl([
        ["Search", describeFilters(layer.mosaic)],
        ["Acquired", layer.time ? `${layer.time[0]} – ${layer.time[1]}` : layer.span && `${layer.span[0]} – ${layer.span[1]}`],
        ["Method", layer.method],
        ["Analysis", layer.expression || (layer.algorithm ? `${layer.algorithm} of band ${layer.bands[0]}` : "")],
        ["Rasters", raster.description],
        ["Bands", raster.band_count && `${raster.band_count}${raster.dtype ? ` × ${raster.dtype}` : ""}`],
      ]),
      h("div.downloads", {}, h("a.button", { href: mosaicTileJsonUrl(apiRoot, layer), target: "_blank", rel: "noopener" }, "TileJSON")),
    );
    return;
  }
  const bbox = raster.bbox;
  const inView = bbox && bbox[0] <= bbox[2] && viewBbox ? intersect(bbox, viewBbox) : null;
  const downloads = h(
    "div.downloads",
    {},
    inView ? h("a.button", { href: regionUrl(apiRoot, layer.id, inView), download: "" }, "↓ Region in view (GeoTIFF)") : null,
    bbox && bbox[0] <= bbox[2]
      ? h("a.button", { href: regionUrl(apiRoot, layer.id, bbox, { maxSize: regionMaxSize }), download: "" }, `↓ Whole raster (GeoTIFF, ≤ ${regionMaxSize} px)`)
      : null,
    h("a.button", { href: layer.expression || layer.algorithm ? analysisTileJsonUrl(apiRoot, layer) : tileJsonUrl(apiRoot, layer.id), target: "_blank", rel: "noopener" }, "TileJSON"),
  );
  const cogBox = h("div", { "aria-busy": "true" }, h("span.spinner.small"));
  const metaBox = h("div", { "aria-busy": "true" }, h("span.spinner.small"));
  pane.replaceChildren(
    h("h3", {}, raster.name || `Raster ${layer.id}`),
    dl([
      ["Collection", raster.collection],
      ["Acquired", formatDate(raster.acquired_at)],
      ["Size", raster.width && `${raster.width} × ${raster.height} px`],
      ["Bands", raster.band_count && `${raster.band_count} × ${raster.dtype}`],
      ["CRS", raster.crs],
      ["Resolution", raster.ground_resolution_m && `${formatValue(raster.ground_resolution_m)} m`],
      ["Nodata", raster.nodata],
    ]),
    downloads,
    h("h4", {}, "Bands"),
    h(
      "table.bands",
      {},
      h("tr", {}, ["", "min", "p2", "mean", "p98", "max"].map((t) => h("th", {}, t))),
      (raster.bands || []).map((b) => h("tr", {}, h("th", {}, `b${b.band}`), [b.min, b.p2, b.mean, b.p98, b.max].map((v) => h("td", {}, formatValue(v))))),
    ),
    h("h4", {}, "Cloud-Optimized GeoTIFF"),
    cogBox,
    h("h4", {}, "Metadata"),
    metaBox,
  );
  rasterCog(layer.id)
    .then((cog) => {
      const errors = cog.errors || [];
      const warnings = cog.warnings || [];
      cogBox.replaceChildren(
        h(
          "div",
          {},
          h("p", { class: cog.is_valid ? "ok" : "error" }, cog.is_valid ? "✓ Valid COG" : "✗ Not a valid COG"),
          errors.length ? h("ul.error", {}, errors.map((e) => h("li", {}, e))) : null,
          warnings.length ? h("ul.warn", {}, warnings.map((w) => h("li", {}, w))) : null,
        ),
      );
    })
    .catch((error) => cogBox.replaceChildren(h("p.error", {}, `COG report unavailable: ${error.message}`)))
    .finally(() => cogBox.removeAttribute("aria-busy"));
  rasterMetadata(layer.id)
    .then((meta) => {
      metaBox.replaceChildren(
        dl([
          ["Levels", meta.levels],
          ["Tile size", meta.tileWidth && `${meta.tileWidth} × ${meta.tileHeight}`],
          ["Native bounds", meta.bounds_native && JSON.stringify(meta.bounds_native)],
        ]),
        h("details", {}, h("summary", {}, "All metadata (JSON)"), h("pre", {}, JSON.stringify(meta, null, 2))),
      );
    })
    .catch((error) => metaBox.replaceChildren(h("p.error", {}, `Metadata unavailable: ${error.message}`)))
    .finally(() => metaBox.removeAttribute("aria-busy"));
}
