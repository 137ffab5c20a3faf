// Boots the viewer: reads the page's config, opens the store on the URL, creates the 2D map and
// the controllers (search, layers, inspector, 2D/3D mode, page), then loads what the URL names.
// Data flows one way: controllers write the store, the store notifies, views render.
import "./style.css";
import * as api from "./api.js";
import { createInspector } from "./controllers/inspector.js";
import { createLayers } from "./controllers/layers.js";
import { createMode } from "./controllers/mode.js";
import { createMosaics } from "./controllers/mosaic.js";
import { createPage } from "./controllers/page.js";
import { createSearch } from "./controllers/search.js";
import { createStatistics } from "./controllers/statistics.js";
import { createMap2d } from "./map2d.js";
import { setColormapNames } from "./panels/colormaps.js";
import { status } from "./panels/status.js";
import { createRasterFacts } from "./rasters.js";
import { mirrorInUrl, openStore, stateToQuery } from "./store.js";

const $ = (id) => document.getElementById(id);
const configElement = $("viewer-config");
const config = {
  apiRoot: "/api/",
  stacRoot: "/stac/",
  cesiumBaseUrl: "/static/viewer/cesium/",
  basemapUrl: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  basemapAttribution: "&copy; OpenStreetMap contributors",
  regionMaxSize: 4096,
  searchLimit: 100,
  ...(configElement ? JSON.parse(configElement.textContent || "{}") : {}),
};
config.basemapAttributionText = new DOMParser().parseFromString(config.basemapAttribution || "", "text/html").body.textContent;
api.setApiRoot(config.apiRoot);
api.setStacRoot(config.stacRoot);

const store = openStore(window.location.search);
mirrorInUrl(store);
const rasters = createRasterFacts();

// The map's events reach controllers created just below (none fires before this module has run).
const map2d = createMap2d($("map"), config, {
  onViewChange: (view) => {
    if (store.get().mode === "2d") store.set({ view });
  },
  onMapClick: (lon, lat) => inspector.inspectAt(lon, lat),
  onAreaDrawn: (area) => search.areaDrawn(area),
  onFootprintHover: (id, on) => search.hover(id, on),
  hasOverlays: () => store.get().layers.some((l) => l.visible),
  onFootprintTilesUnavailable: (message) => status(`Only the listed footprints are drawn: ${message}`, "warn"),
  onBasemapFallback: () => status("Basemap tiles unavailable: showing the offline Natural Earth imagery.", "warn"),
});
map2d.setView(store.get().view);

const search = createSearch({
  store,
  config,
  map2d,
  remember: rasters.remember,
  onToggle: (feature) => layers.toggle(feature),
  onZoom: (feature) => mode.zoomTo(feature),
});
const layers = createLayers({ store, map2d, rasters, onInspect: () => inspector.selectTab("histogram") });
const inspector = createInspector({ store, config, map2d, info: rasters.info, onTab: (name) => name === "stats" && statistics.refresh(true) });
const statistics = createStatistics({
  store,
  map2d,
  info: rasters.info,
  isOpen: () => !document.getElementById("pane-stats").hidden,
  openTab: () => inspector.selectTab("stats"),
});
const mosaics = createMosaics({ store, rasters });
const mode = createMode({ store, config, map2d, rasters, onMapClick: (lon, lat) => inspector.inspectAt(lon, lat) });
createPage({ store, map2d, mode });

async function start() {
  const state = store.get();
  search.syncForm(state);
  // For the browser tests and the console.
  window.rastercatalogViewer = {
    store,
    map2d,
    get globe() {
      return mode.globe();
    },
    info: rasters.info,
    tiles: layers.tiles,
    results: () => store.get().results.features,
    lastClick: inspector.lastClick,
    permalink: () => stateToQuery(store.get()),
  };
  const collections = search.listCollections();
  const colormaps = api.listColormaps().then((body) => setColormapNames(body.colormaps || []));
  await Promise.allSettled([collections, colormaps, layers.loadPermalinkLayers(), mosaics.loadPermalinkMosaics()]);
  layers.apply();
  search.drawResults();
  await search.search();
  if (state.mode === "3d") await mode.show("3d");
  inspector.refresh(true);
  if (state.statsArea) inspector.selectTab("stats");
  document.body.dataset.ready = "true";
}

start().catch((error) => status(`The viewer could not start: ${error.message}`, "error"));
