// 2D map or 3D globe: the toggle writes the store's `mode`; on a change the globe is loaded (on
// first use), shown with the same view, footprints and overlays, or hidden again. While the globe
// exists it follows the store's results and layers, and its camera writes the store's view.
import * as api from "../api.js";
import { createGlobe } from "../globe3d.js";
import { status, withLoading } from "../panels/status.js";

const $ = (id) => document.getElementById(id);

export function createMode({ store, config, map2d, rasters, onMapClick }) {
  let globe = null;

  function showToggle(mode) {
    $("mode-toggle").setAttribute("aria-pressed", String(mode === "3d"));
    $("mode-toggle").textContent = mode === "3d" ? "2D map" : "3D globe";
  }

  async function openGlobe() {
    const state = store.get();
    $("globe").hidden = false;
    $("map").hidden = true;
    try {
      if (!globe) {
        globe = await withLoading("Loading the 3D globe…", createGlobe($("globe"), config, { onMapClick, isOffline: () => map2d.basemap.offline }));
        globe.viewer.camera.moveEnd.addEventListener(() => {
          if (store.get().mode === "3d") store.set({ view: globe.getView() });
        });
      }
      globe.setRendering(true);
      globe.setView(state.view);
      globe.setFootprints({ type: "FeatureCollection", features: store.get().results.features });
      globe.setOverlays(rasters.withBounds(store.get().layers), api.getApiRoot());
      globe.resize();
      document.body.dataset.globe = "ready";
    } catch (error) {
      document.body.dataset.globe = "failed";
      status(error.message, "error");
      $("globe").hidden = true;
      $("map").hidden = false;
      store.set({ mode: "2d" });
      showToggle("2d");
    }
  }

  function closeGlobe() {
    if (globe && !$("globe").hidden) store.set({ view: globe.getView() });
    globe?.setRendering(false);
    $("globe").hidden = true;
    $("map").hidden = false;
    map2d.invalidate();
    map2d.setView(store.get().view);
  }

  /** Show the store's mode (at start, and on every change of it). */
  async function show(mode) {
    showToggle(mode);
    if (mode === "3d") await openGlobe();
    else closeGlobe();
  }

  /** Fly the visible map or globe to a search hit. */
  function zoomTo(feature) {
    if (globe && store.get().mode === "3d") globe.flyToBbox(feature.bbox);
    else map2d.zoomTo(feature);
  }

  $("mode-toggle").addEventListener("click", () => {
    const mode = store.get().mode === "3d" ? "2d" : "3d";
    if (mode === "2d" && globe) store.set({ view: globe.getView() });
    store.set({ mode });
  });

  store.subscribe((state, changed) => {
    if (globe && changed.includes("results")) globe.setFootprints({ type: "FeatureCollection", features: state.results.features });
    if (globe && (changed.includes("layers") || changed.includes("active"))) globe.setOverlays(rasters.withBounds(state.layers), api.getApiRoot());
    if (changed.includes("mode")) show(state.mode);
  });

  return { show, zoomTo, resize: () => globe?.resize(), globe: () => globe };
}
