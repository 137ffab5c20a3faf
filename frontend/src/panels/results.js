// The results list: one row per search hit, in sync with its footprint (hover highlights both).
import { formatDate, h } from "../dom.js";

export function renderResults(list, features, { selected, onHover, onZoom, onToggle }) {
  list.replaceChildren();
  if (!features.length) {
    list.append(h("li.empty", {}, "No rasters here. Try a larger area, or clear the filters."));
    return;
  }
  for (const feature of features) {
    const p = feature.properties;
    const isOn = selected.has(p.id);
    const add = h(
      "button.add",
      {
        type: "button",
        "aria-pressed": String(isOn),
        title: isOn ? "Remove this raster's overlay" : "Overlay this raster's tiles",
        onclick: (event) => {
          event.stopPropagation();
          onToggle(feature);
        },
      },
      isOn ? "✓ On map" : "+ Add",
    );
    const zoom = h(
      "button.name",
      { type: "button", title: "Zoom to this raster", onclick: () => onZoom(feature) },
      h("span.title", {}, p.name),
      h("span.meta", {}, `${p.collection || "no collection"} · ${formatDate(p.acquired_at)} · ${p.band_count} × ${p.dtype}`),
    );
    const item = h("li.result", { dataset: { id: String(p.id) } }, zoom, add);
    item.addEventListener("mouseenter", () => onHover(p.id, true));
    item.addEventListener("mouseleave", () => onHover(p.id, false));
    item.addEventListener("focusin", () => onHover(p.id, true));
    item.addEventListener("focusout", () => onHover(p.id, false));
    list.append(item);
  }
}

export function highlightResult(list, id, on) {
  const item = list.querySelector(`li[data-id="${id}"]`);
  if (!item) return;
  item.classList.toggle("hot", on);
  if (on) item.scrollIntoView({ block: "nearest" });
}
