// A raster layer's analysis controls: band math (an expression field with the presets the bands
// allow, from GET /api/rasters/{id}/analysis) and, for a single-band raster, the terrain algorithms
// (hillshade with its light, slope, aspect). A refused expression's reason is shown under the field.
import { h } from "../dom.js";
import { TERRAIN_DEFAULTS } from "../layer_codec.js";

/** The controls; `draft` and `error` are the typed expression the API refused and its reason. */
export function analysisControls(layer, raster, { draft, error, onExpression, onChange }) {
  const bandCount = raster.band_count || 1;
  const text = draft ?? layer.expression ?? "";
  const field = h("input.expression", {
    type: "text",
    value: text,
    placeholder: bandCount >= 2 ? "(b2-b1)/(b2+b1)" : "b1*2",
    "aria-label": "Band math expression",
    "aria-invalid": error ? "true" : "false",
    spellcheck: "false",
    title: `Band math on b1…b${bandCount}: + - * / **, comparisons, where(c, a, b), abs, sqrt, log, clip, min, max`,
  });
  field.addEventListener("change", () => onExpression(layer.id, field.value.trim()));
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter") field.blur();
  });
  // A preset comes with its own colouring (e.g. NDVI: RdYlGn over -1…1).
  const presetButtons = (raster.analysis?.presets || []).map((preset) =>
    h(
      "button.preset",
      {
        type: "button",
        title: `${preset.title}: ${preset.expression}`,
        dataset: { preset: preset.name },
        "aria-pressed": String(layer.expression === preset.expression),
        onclick: () => onExpression(layer.id, preset.expression, { palette: preset.palette, stretch: "minmax", min: preset.min, max: preset.max }),
      },
      preset.name,
    ),
  );
  const clear = layer.expression || draft ? h("button.icon-button", { type: "button", title: "Back to the bands", "aria-label": "Clear the expression", onclick: () => onExpression(layer.id, "") }, "✕") : null;
  const math = h(
    "div.analysis",
    {},
    h("label", {}, "Band math", h("div.row.nowrap", {}, field, clear)),
    presetButtons.length ? h("div.row.presets", {}, h("span.muted", {}, "Presets:"), presetButtons) : null,
    error ? h("p.error.expression-error", { role: "alert" }, error) : null,
  );
  return bandCount === 1 && !layer.expression ? [math, terrainControls(layer, onChange)] : [math];
}

function terrainControls(layer, onChange) {
  const update = (patch) => onChange(layer.id, patch);
  const select = h(
    "select.terrain",
    {
      "aria-label": "Terrain",
      // A terrain result has its own range (hillshade 0-255, slope 0-90°, aspect 0-360°): min and
      // max, when typed, override it; the band statistics' stretch does not apply.
      onchange: () =>
        update({
          algorithm: select.value,
          stretch: select.value ? "minmax" : layer.stretch,
          palette: select.value === "hillshade" && layer.palette === "viridis" ? "gray" : layer.palette,
        }),
    },
    [["", "Off"], ["hillshade", "Hillshade"], ["slope", "Slope (°)"], ["aspect", "Aspect (°)"]].map(([value, label]) => h("option", { value, selected: (layer.algorithm || "") === value }, label)),
  );
  const number = (key, label, attrs) => {
    const input = h("input", { type: "number", step: "any", value: String(layer[key] ?? TERRAIN_DEFAULTS[key]), "aria-label": label, ...attrs });
    input.addEventListener("change", () => input.value !== "" && update({ [key]: Number(input.value) }));
    return h("label", {}, label, input);
  };
  const light = layer.algorithm === "hillshade" ? h("div.grid2", {}, number("azimuth", "Azimuth °", { min: "0", max: "360" }), number("altitude", "Altitude °", { min: "0", max: "90" })) : null;
  const zfactor = layer.algorithm ? h("div.grid2", {}, number("zfactor", "Z factor", { min: "0" }), h("span")) : null;
  return h("div.terrain", {}, h("label", {}, "Terrain", select), light, zfactor);
}
