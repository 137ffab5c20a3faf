// The layer list: per overlay, bands (single or RGB), colormap, stretch, opacity, order, removal;
// its analysis (band math, terrain), a mosaic's method and time slider; and what went wrong
// drawing it (the store's `notices`), in its entry.
import { h } from "../dom.js";
import { isMosaic } from "../layer_codec.js";
import { analysisControls } from "./analysis.js";
import { colormapPicker } from "./colormaps.js";
import { mosaicControls } from "./mosaic.js";

function bandSelect(count, value, label, onChange) {
  const select = h("select", { "aria-label": label, onchange: () => onChange(Number(select.value)) });
  for (let band = 1; band <= count; band += 1) select.append(h("option", { value: String(band), selected: band === value }, `Band ${band}`));
  return select;
}

export function renderLayers(list, empty, layers, { info, active, apiRoot, notices = {}, onChange, onExpression, onMove, onRemove, onActivate }) {
  list.replaceChildren();
  empty.hidden = layers.length > 0;
  layers.forEach((layer, index) => {
    const raster = info.get(layer.id) || {};
    const count = raster.band_count || Math.max(...layer.bands, 1);
    const update = (patch) => onChange(layer.id, patch);
    const rgb = layer.bands.length === 3 && !layer.expression;
    const mosaic = isMosaic(layer);
    const notice = notices[layer.id] || {};

    const mode = h(
      "select",
      {
        "aria-label": "Band mode",
        onchange: () =>
          update(mode.value === "rgb" ? { bands: count >= 3 ? [1, 2, 3] : [1, 1, 1], palette: "" } : { bands: [layer.bands[0]], palette: layer.palette || "viridis" }),
      },
      h("option", { value: "single", selected: !rgb }, "Single band"),
      h("option", { value: "rgb", selected: rgb }, "RGB composite"),
    );
    const bands = rgb
      ? h(
          "div.rgb",
          {},
          ["R", "G", "B"].map((channel, i) =>
            h("label.inline", {}, channel, " ", bandSelect(count, layer.bands[i], `${channel} band`, (b) => {
              const next = [...layer.bands];
              next[i] = b;
              update({ bands: next });
            })),
          ),
        )
      : bandSelect(count, layer.bands[0], "Band", (b) => update({ bands: [b] }));

    const stretch = h(
      "select",
      { "aria-label": "Stretch", onchange: () => update({ stretch: stretch.value }) },
      h("option", { value: "p2p98", selected: layer.stretch === "p2p98" }, "Auto (p2–p98)"),
      h("option", { value: "minmax", selected: layer.stretch === "minmax" }, "Min / max"),
    );
    const numberInput = (key, label) => {
      const input = h("input", { type: "number", step: "any", value: layer[key] ?? "", "aria-label": label, placeholder: label });
      input.addEventListener("change", () => update({ [key]: input.value === "" ? null : Number(input.value) }));
      return input;
    };
    const minmax = layer.stretch === "minmax" ? h("div.grid2", {}, numberInput("min", "min"), numberInput("max", "max")) : null;
    const opacity = h("input", {
      type: "range",
      min: "0",
      max: "1",
      step: "0.05",
      value: String(layer.opacity),
      "aria-label": "Opacity",
      oninput: () => update({ opacity: Number(opacity.value) }),
    });
    const visible = h("input", { type: "checkbox", checked: layer.visible, "aria-label": "Visible", onchange: () => update({ visible: visible.checked }) });

    const analysis = analysisControls(layer, raster, { draft: notice.draft, error: notice.expression, onExpression, onChange });
    const extra = mosaic ? [...mosaicControls(layer, onChange), ...analysis] : analysis;
    const item = h(
      "li.layer",
      { dataset: { id: String(layer.id) }, class: `layer${layer.id === active ? " active" : ""}${mosaic ? " mosaic" : ""}` },
      h(
        "div.layer-head",
        {},
        visible,
        h("button.layer-name", { type: "button", title: "Inspect this layer (histogram, details)", "aria-pressed": String(layer.id === active), onclick: () => onActivate(layer.id) }, raster.name || `Raster ${layer.id}`),
        h("button.icon-button", { type: "button", title: "Move up", "aria-label": "Move up", disabled: index === 0, onclick: () => onMove(layer.id, -1) }, "▲"),
        h("button.icon-button", { type: "button", title: "Move down", "aria-label": "Move down", disabled: index === layers.length - 1, onclick: () => onMove(layer.id, 1) }, "▼"),
        h("button.icon-button.danger", { type: "button", title: "Remove", "aria-label": "Remove layer", onclick: () => onRemove(layer.id) }, "✕"),
      ),
      h(
        "div.layer-body",
        {},
        layer.expression ? null : h(rgb ? "div.stack" : "div.grid2", {}, mode, bands),
        rgb ? null : colormapPicker(apiRoot, layer.palette || "viridis", (palette) => update({ palette })),
        h("div.grid2", {}, stretch, h("label.inline", {}, "Opacity ", opacity)),
        minmax,
        extra,
        notice.tiles ? h("p.error.layer-notice", { role: "alert" }, notice.tiles) : null,
      ),
    );
    list.append(item);
  });
}
