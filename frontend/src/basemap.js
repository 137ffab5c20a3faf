// The basemap: the configured XYZ tiles (OpenStreetMap by default), and an offline fallback drawn
// from the Natural Earth II imagery that ships with Cesium's assets, so the map is never empty.
import L from "leaflet";

// Cesium's Natural Earth II tiles are geographic (EPSG:4326, TMS rows from the south); level 2 is
// 8 x 4 tiles of 256 px. We stitch them into one 2048 x 1024 world image once, then each Web
// Mercator tile is drawn row by row from it (a Mercator row is a straight latitude line).
const NE_LEVEL = 2;
const NE_COLS = 8;
const NE_ROWS = 4;

let worldPromise = null;
function naturalEarthWorld(baseUrl) {
  if (!worldPromise) {
    const canvas = document.createElement("canvas");
    canvas.width = NE_COLS * 256;
    canvas.height = NE_ROWS * 256;
    const context = canvas.getContext("2d");
    const loads = [];
    for (let x = 0; x < NE_COLS; x += 1) {
      for (let y = 0; y < NE_ROWS; y += 1) {
        loads.push(
          new Promise((resolve, reject) => {
            const image = new Image();
            image.onload = () => {
              context.drawImage(image, x * 256, (NE_ROWS - 1 - y) * 256);
              resolve();
            };
            image.onerror = () => reject(new Error(`Natural Earth tile ${x}/${y} did not load`));
            image.src = `${baseUrl}Assets/Textures/NaturalEarthII/${NE_LEVEL}/${x}/${y}.jpg`;
          }),
        );
      }
    }
    worldPromise = Promise.all(loads).then(() => canvas);
  }
  return worldPromise;
}

const mercatorLat = (y, n) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;

export const NaturalEarthLayer = L.GridLayer.extend({
  options: { maxNativeZoom: 6, attribution: "Natural Earth II (offline)", className: "basemap-offline" },
  initialize(cesiumBaseUrl, options) {
    this.cesiumBaseUrl = cesiumBaseUrl;
    L.setOptions(this, options);
  },
  createTile(coords, done) {
    const tile = document.createElement("canvas");
    const size = this.getTileSize();
    tile.width = size.x;
    tile.height = size.y;
    naturalEarthWorld(this.cesiumBaseUrl)
      .then((world) => {
        const context = tile.getContext("2d");
        const n = 2 ** coords.z;
        const x = ((coords.x % n) + n) % n;
        const sx = (x / n) * world.width;
        const sw = world.width / n;
        for (let row = 0; row < size.y; row += 1) {
          const lat = mercatorLat(coords.y + (row + 0.5) / size.y, n);
          const sy = ((90 - lat) / 180) * world.height;
          context.drawImage(world, sx, Math.min(world.height - 1, sy), sw, 1, 0, row, size.x, 1);
        }
        done(null, tile);
      })
      .catch((error) => done(error, tile));
    return tile;
  },
});

/**
 * Add the configured basemap; after a few tile errors with no success (offline, blocked), switch
 * to the Natural Earth fallback and tell the caller. Returns the active layer holder.
 */
export function addBasemap(map, config, onFallback) {
  const holder = { layer: null, offline: false };
  const fallback = () => {
    if (holder.offline) return;
    holder.offline = true;
    if (holder.layer) map.removeLayer(holder.layer);
    holder.layer = new NaturalEarthLayer(config.cesiumBaseUrl).addTo(map);
    holder.layer.bringToBack();
    onFallback?.();
  };
  if (!config.basemapUrl || config.basemapOffline) {
    fallback();
    return holder;
  }
  let loaded = 0;
  let failed = 0;
  const online = L.tileLayer(config.basemapUrl, {
    attribution: config.basemapAttribution,
    maxZoom: 19,
    crossOrigin: true,
  });
  online.on("tileload", () => {
    loaded += 1;
  });
  online.on("tileerror", () => {
    failed += 1;
    if (loaded === 0 && failed >= 2) fallback();
  });
  holder.layer = online.addTo(map);
  // A request that never answers (a captive portal, a firewall dropping packets) counts as offline.
  setTimeout(() => {
    if (loaded === 0 && !holder.offline) fallback();
  }, 8000);
  return holder;
}
