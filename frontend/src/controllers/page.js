// The page around the map: the permalink button, the sidebar toggle and the keyboard shortcuts
// (s: search this view, g: 2D/3D, Esc: cancel drawing).
import { status } from "../panels/status.js";
import { stateToQuery } from "../store.js";

const $ = (id) => document.getElementById(id);

export function createPage({ store, map2d, mode }) {
  $("copy-link").addEventListener("click", async () => {
    const url = `${window.location.origin}${window.location.pathname}?${stateToQuery(store.get())}`;
    try {
      await navigator.clipboard.writeText(url);
      status("Link copied: it reopens this exact view.");
    } catch {
      window.prompt("Copy this link:", url);
    }
  });

  $("sidebar-toggle").addEventListener("click", () => {
    const collapsed = document.body.classList.toggle("sidebar-collapsed");
    $("sidebar-toggle").setAttribute("aria-expanded", String(!collapsed));
    setTimeout(() => {
      map2d.invalidate();
      mode.resize();
    }, 50);
  });

  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
    if (event.key === "Escape") map2d.cancelDraw();
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "s") $("search-view").click();
    if (event.key === "g") $("mode-toggle").click();
  });
}
