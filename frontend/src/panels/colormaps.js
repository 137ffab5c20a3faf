// A colormap picker that shows each colormap's legend bar (from /api/colormaps/{name}.png).
import { h } from "../dom.js";
import { colormapUrl } from "../urls.js";

let names = [];
export function setColormapNames(list) {
  names = list.filter((name) => !name.endsWith("_r"));
}

const FAVOURITES = ["viridis", "magma", "inferno", "plasma", "cividis", "terrain", "gray", "RdBu", "Spectral", "coolwarm", "turbo", "ocean"];

export function colormapPicker(apiRoot, current, onChange) {
  const reversed = current.endsWith("_r");
  const base = reversed ? current.slice(0, -2) : current;
  const legend = (name) => colormapUrl(apiRoot, name, { width: 128, height: 10 });
  const popup = h("div.cmap-popup", { role: "listbox", "aria-label": "Colormaps", hidden: true });
  const trigger = h(
    "button.cmap-trigger",
    { type: "button", "aria-haspopup": "listbox", "aria-expanded": "false", title: "Choose a colormap" },
    h("img", { src: legend(current), alt: "" }),
    h("span", {}, current),
  );
  const reverse = h("input", { type: "checkbox", checked: reversed, onchange: () => onChange(reverse.checked ? `${base}_r` : base) });
  const ordered = [...FAVOURITES.filter((n) => names.includes(n)), ...names.filter((n) => !FAVOURITES.includes(n))];
  const filter = h("input.cmap-filter", { type: "search", placeholder: "Filter colormaps…", "aria-label": "Filter colormaps" });
  const options = ordered.map((name) =>
    h(
      "button.cmap-option",
      {
        type: "button",
        role: "option",
        "aria-selected": String(name === base),
        dataset: { name },
        onclick: () => {
          popup.hidden = true;
          onChange(reverse.checked ? `${name}_r` : name);
        },
      },
      h("img", { src: legend(name), alt: "", loading: "lazy", width: 128, height: 10 }),
      h("span", {}, name),
    ),
  );
  filter.addEventListener("input", () => {
    const text = filter.value.toLowerCase();
    for (const option of options) option.hidden = !option.dataset.name.toLowerCase().includes(text);
  });
  popup.append(filter, h("div.cmap-options", {}, options));
  popup.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      popup.hidden = true;
      trigger.setAttribute("aria-expanded", "false");
      trigger.focus();
    }
  });
  trigger.addEventListener("click", () => {
    popup.hidden = !popup.hidden;
    trigger.setAttribute("aria-expanded", String(!popup.hidden));
    if (!popup.hidden) filter.focus();
  });
  return h("div.cmap", {}, trigger, h("label.inline", {}, reverse, " reversed"), popup);
}
