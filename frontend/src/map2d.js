// The 2D map: Leaflet with the basemap, footprints of the search results, raster overlays, and a
// draw tool (Geoman) for the search area and the area of the statistics.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "@geoman-io/leaflet-geoman-free";
import "@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css";
import { addBasemap } from "./basemap.js";
import { FootprintTileLayer } from "./footprint_tiles.js";
import { tileUrl } from "./urls.js";

const FOOTPRINT = { color: "#e8590c", weight: 1.5, fillOpacity: 0.06, fillColor: "#e8590c" };
const FOOTPRINT_HOT = { color: "#1c7ed6", weight: 3, fillOpacity: 0.08, fillColor: "#1c7ed6" };
const AREA = { color: "#5f3dc4", weight: 2, dashArray: "6 4", fillOpacity: 0.04, interactive: false };
const STATS_AREA = { color: "#f08c00", weight: 2.5, fillOpacity: 0.08, interactive: false };

/** Parts of a footprint split at the antimeridian are drawn east of 180° so they stay together. */
export function unsplit(feature) {
  const bbox = feature.bbox;
  if (!bbox || bbox[0] <= bbox[2] || feature.geometry?.type !== "MultiPolygon") return feature;
  const coordinates = feature.geometry.coordinates.map((polygon) =>
    polygon[0].every((p) => p[0] <= 0) ? polygon.map((ring) => ring.map((p) => [p[0] + 360, p[1]])) : polygon,
  );
  return { ...feature, geometry: { type: "MultiPolygon", coordinates } };
}

export function createMap2d(element, config, handlers) {
  const map = L.map(element, { zoomControl: true, worldCopyJump: false, minZoom: 1, maxZoom: 20 });
  map.attributionControl.setPrefix(false);
  const basemap = addBasemap(map, config, handlers.onBasemapFallback);
  L.control.scale({ imperial: false }).addTo(map);
  map.createPane("overlays").style.zIndex = 350;
  map.createPane("footprints").style.zIndex = 420;

  const footprints = L.layerGroup().addTo(map);
  // At low zoom a scene's footprint is a few pixels: a dot at its centre keeps it findable.
  const dots = L.layerGroup().addTo(map);
  const DOTS_UNTIL_ZOOM = 5;
  map.on("zoomend", () => {
    if (map.getZoom() <= DOTS_UNTIL_ZOOM) dots.addTo(map);
    else map.removeLayer(dots);
  });
  const footprintById = new Map();
  const overlays = new Map(); // id -> {layer, url}
  let area = null;
  let marker = null;

  map.on("moveend", () => handlers.onViewChange?.(getView()));
  map.on("click", (event) => {
    if (map.pm.globalDrawModeEnabled()) return;
    const { lat, lng } = event.latlng;
    handlers.onMapClick?.(L.Util.wrapNum(lng, [-180, 180], true), lat);
    if (marker) marker.setLatLng(event.latlng);
    else marker = L.circleMarker(event.latlng, { pane: "markerPane", radius: 6, color: "#fff", weight: 2, fillColor: "#d6336c", fillOpacity: 1, interactive: false }).addTo(map);
  });

  // Keyboard: Enter on the focused map reads the pixel values at its centre.
  element.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.target !== element) return;
    map.fire("click", { latlng: map.getCenter() });
  });

  map.pm.setGlobalOptions({ snappable: false, pathOptions: AREA });
  let drawDone = null; // a drawing for another purpose than the search area (statistics)
  map.on("pm:create", (event) => {
    const layer = event.layer;
    map.removeLayer(layer);
    if (drawDone) {
      const done = drawDone;
      drawDone = null;
      done(layer.getLatLngs()[0].map((p) => [p.lng, p.lat]));
      return;
    }
    if (event.shape === "Rectangle") {
      const b = layer.getBounds();
      handlers.onAreaDrawn?.({ bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], polygon: null });
    } else {
      const ring = layer.getLatLngs()[0].map((p) => [p.lng, p.lat]);
      const b = layer.getBounds();
      handlers.onAreaDrawn?.({ bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], polygon: ring });
    }
  });

  function getView() {
    const center = map.getCenter();
    return { lat: center.lat, lon: L.Util.wrapNum(center.lng, [-180, 180], true), zoom: map.getZoom() };
  }

  function getBbox() {
    const b = map.getBounds();
    const clamp = (v, m) => Math.max(-m, Math.min(m, v));
    let west = b.getWest();
    let east = b.getEast();
    if (east - west >= 360) {
      west = -180;
      east = 180;
    } else {
      west = L.Util.wrapNum(west, [-180, 180], true);
      east = L.Util.wrapNum(east, [-180, 180], true);
    }
    return [west, clamp(b.getSouth(), 90), east, clamp(b.getNorth(), 90)];
  }

  function setFootprints(features) {
    footprints.clearLayers();
    dots.clearLayers();
    footprintById.clear();
    for (const feature of features) {
      if (!feature.geometry) continue;
      const layer = L.geoJSON(unsplit(feature), { style: FOOTPRINT, pane: "footprints" });
      layer.bindTooltip(feature.properties.name, { sticky: true });
      layer.on("mouseover", () => handlers.onFootprintHover?.(feature.properties.id, true));
      layer.on("mouseout", () => handlers.onFootprintHover?.(feature.properties.id, false));
      // With overlays on the map a click reads pixels (the map's own handler); otherwise it zooms.
      layer.on("click", (event) => {
        if (handlers.hasOverlays?.()) return;
        L.DomEvent.stopPropagation(event);
        zoomTo(feature);
      });
      footprints.addLayer(layer);
      footprintById.set(feature.properties.id, layer);
      const b = layer.getBounds();
      const dot = L.circleMarker(b.getCenter(), { ...FOOTPRINT, radius: 4, fillOpacity: 0.8, pane: "footprints" });
      dot.bindTooltip(feature.properties.name);
      dot.on("mouseover", () => handlers.onFootprintHover?.(feature.properties.id, true));
      dot.on("mouseout", () => handlers.onFootprintHover?.(feature.properties.id, false));
      dot.on("click", (event) => {
        L.DomEvent.stopPropagation(event);
        zoomTo(feature);
      });
      dots.addLayer(dot);
    }
  }

  function highlight(id, on) {
    const layer = footprintById.get(id);
    if (!layer) return;
    layer.setStyle(on ? FOOTPRINT_HOT : FOOTPRINT);
    if (on) layer.bringToFront();
  }

  function zoomTo(feature) {
    const layer = L.geoJSON(unsplit(feature));
    map.flyToBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 14, duration: 0.6 });
  }

  function setArea(bbox, polygon) {
    if (area) map.removeLayer(area);
    area = null;
    if (polygon) area = L.polygon(polygon.map(([x, y]) => [y, x]), { ...AREA, pane: "footprints" }).addTo(map);
    else if (bbox) {
      const east = bbox[2] < bbox[0] ? bbox[2] + 360 : bbox[2];
      area = L.rectangle([[bbox[1], bbox[0]], [bbox[3], east]], { ...AREA, pane: "footprints" }).addTo(map);
    }
  }

  /** Make the raster overlays match `layers` (first in the list is drawn on top). */
  function setOverlays(layers, apiRoot, tracker) {
    const wanted = new Set(layers.map((l) => l.id));
    for (const [id, entry] of overlays) {
      if (!wanted.has(id)) {
        map.removeLayer(entry.layer);
        overlays.delete(id);
      }
    }
    layers.forEach((layerState, index) => {
      const url = tileUrl(apiRoot, layerState);
      let entry = overlays.get(layerState.id);
      if (!entry) {
        // Outside the served zoom range, Leaflet scales the nearest served tiles instead.
        const layer = L.tileLayer(url, {
          pane: "overlays",
          maxZoom: 22,
          minNativeZoom: layerState.minzoom,
          maxNativeZoom: layerState.maxzoom,
          className: `overlay overlay-${layerState.id}`,
          bounds: layerState.bounds,
        });
        tracker?.(layer, layerState.id);
        entry = { layer, url };
        overlays.set(layerState.id, entry);
      } else if (entry.url !== url) {
        entry.layer.setUrl(url);
        entry.url = url;
      }
      entry.layer.setOpacity(layerState.opacity);
      entry.layer.setZIndex(layers.length - index);
      if (layerState.visible && !map.hasLayer(entry.layer)) entry.layer.addTo(map);
      if (!layerState.visible && map.hasLayer(entry.layer)) map.removeLayer(entry.layer);
    });
  }

  // Every footprint that matches the filters, from vector tiles, under the listed (interactive) ones.
  let footprintTiles = null;
  function setFootprintTiles(urlFor) {
    if (footprintTiles) map.removeLayer(footprintTiles);
    footprintTiles = null;
    if (!urlFor) return;
    footprintTiles = new FootprintTileLayer(urlFor, { zIndex: 1 });
    footprintTiles.on("unavailable", (event) => {
      handlers.onFootprintTilesUnavailable?.(event.message);
      setFootprintTiles(null);
    });
    footprintTiles.addTo(map);
  }

  /** Draw a box or polygon: the search area, or with `onDone`, a ring ([[lon, lat]…]) for it. */
  function startDraw(shape, onDone = null) {
    map.pm.disableDraw();
    drawDone = onDone;
    map.pm.enableDraw(shape === "rect" ? "Rectangle" : "Polygon", { snappable: false, pathOptions: onDone ? STATS_AREA : AREA });
  }

  // The area whose statistics the inspector shows.
  let statsArea = null;
  function setStatsArea(ring) {
    if (statsArea) map.removeLayer(statsArea);
    statsArea = ring ? L.polygon(ring.map(([x, y]) => [y, x]), { ...STATS_AREA, pane: "footprints", className: "stats-area" }).addTo(map) : null;
  }

  return {
    map,
    basemap,
    getView,
    getBbox,
    setView: (view) => map.setView([view.lat, view.lon], Math.round(view.zoom), { animate: false }),
    setFootprints,
    highlight,
    zoomTo,
    setArea,
    setOverlays,
    setFootprintTiles,
    footprintTiles: () => footprintTiles,
    startDraw,
    setStatsArea,
    cancelDraw: () => {
      drawDone = null;
      map.pm.disableDraw();
    },
    invalidate: () => map.invalidateSize(),
  };
}
