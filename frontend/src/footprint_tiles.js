// Footprints as Mapbox Vector Tiles (/api/rasters/tiles/{z}/{x}/{y}.mvt, with the search filters),
// drawn on canvas tiles: how the map shows every match when there are more than the list holds.
import { VectorTile } from "@mapbox/vector-tile";
import L from "leaflet";
import { PbfReader } from "pbf";

const STROKE = "rgba(232, 89, 12, 0.85)";
const FILL = "rgba(232, 89, 12, 0.10)";

function drawFeature(context, feature, scale) {
  const rings = feature.loadGeometry();
  if (feature.type === 1) {
    const count = Number(feature.properties.count) || 1;
    for (const [point] of rings) {
      context.beginPath();
      context.arc(point.x * scale, point.y * scale, Math.min(10, 2.5 + Math.log2(count)), 0, 2 * Math.PI);
      context.fill();
      context.stroke();
    }
    return;
  }
  context.beginPath();
  for (const ring of rings) {
    ring.forEach((p, i) => (i ? context.lineTo(p.x * scale, p.y * scale) : context.moveTo(p.x * scale, p.y * scale)));
    if (feature.type === 3) context.closePath();
  }
  if (feature.type === 3) context.fill("evenodd");
  context.stroke();
}

export const FootprintTileLayer = L.GridLayer.extend({
  options: { pane: "footprints", className: "footprint-tiles" },

  initialize(urlFor, options) {
    this.urlFor = urlFor; // (z, x, y) -> URL
    this.stats = { loaded: 0, features: 0, failed: 0 };
    L.setOptions(this, options);
  },

  createTile(coords, done) {
    const size = this.getTileSize();
    const tile = L.DomUtil.create("canvas");
    tile.width = size.x;
    tile.height = size.y;
    const n = 2 ** coords.z;
    const x = ((coords.x % n) + n) % n;
    fetch(this.urlFor(coords.z, x, coords.y))
      .then(async (response) => {
        if (response.status === 501) this.fire("unavailable", { message: (await response.json()).detail });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const bytes = await response.arrayBuffer();
        this.stats.loaded += 1;
        if (!bytes.byteLength) return done(null, tile);
        const layer = new VectorTile(new PbfReader(bytes)).layers.footprints;
        if (!layer) return done(null, tile);
        const context = tile.getContext("2d");
        const scale = size.x / layer.extent;
        context.strokeStyle = STROKE;
        context.fillStyle = FILL;
        context.lineWidth = 1.2;
        for (let i = 0; i < layer.length; i += 1) drawFeature(context, layer.feature(i), scale);
        this.stats.features += layer.length;
        done(null, tile);
      })
      .catch((error) => {
        this.stats.failed += 1;
        done(error, tile);
      });
    return tile;
  },
});
