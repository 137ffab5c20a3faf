import { describe, expect, it } from "vitest";
import { stretchRange } from "../src/panels/legend.js";
import { defaultLayer, emptyState } from "../src/store.js";
import {
  bandsUrl,
  cogUrl,
  collectionsUrl,
  colormapsUrl,
  colormapUrl,
  footprintTileUrl,
  histogramUrl,
  legendUrl,
  metadataUrl,
  pixelUrl,
  rasterUrl,
  regionUrl,
  searchParams,
  searchUrl,
  styleParams,
  tileJsonUrl,
  tileUrl,
} from "../src/urls.js";

describe("style -> tile URL", () => {
  it("colours one band with a palette and the stored p2/p98 stretch", () => {
    expect(tileUrl("/api/", { ...defaultLayer(7), palette: "magma" })).toBe(
      "/api/rasters/7/tiles/{z}/{x}/{y}.png?band=1&palette=magma&stretch=p2p98",
    );
  });

  it("draws an RGB composite without a palette", () => {
    const layer = { ...defaultLayer(3, 3), bands: [3, 2, 1], palette: "viridis" };
    expect(tileUrl("http://h/api", layer)).toBe("http://h/api/rasters/3/tiles/{z}/{x}/{y}.png?band=3,2,1&stretch=p2p98");
    expect(legendUrl("/api", layer)).toBeNull();
  });

  it("uses min/max only when both are given", () => {
    const layer = { ...defaultLayer(2), stretch: "minmax", min: -5, max: 1200.5 };
    expect(Object.fromEntries(styleParams(layer))).toEqual({ band: "1", palette: "viridis", min: "-5", max: "1200.5" });
    const half = { ...layer, max: null };
    expect(styleParams(half).get("stretch")).toBe("p2p98");
  });

  it("names the legend bar and the stretch range", () => {
    expect(legendUrl("/api", { ...defaultLayer(1), palette: "RdBu_r" }, { width: 200, height: 10 })).toBe(
      "/api/colormaps/RdBu_r.png?width=200&height=10",
    );
    expect(stretchRange(defaultLayer(1), { p2: 3, p98: 9, min: 0, max: 10 })).toEqual([3, 9]);
    expect(stretchRange({ ...defaultLayer(1), stretch: "minmax", min: 1, max: 2 }, null)).toEqual([1, 2]);
  });

  it("builds a region download URL", () => {
    expect(regionUrl("/api", 4, [5.1234567, 45, 6, 46])).toBe("/api/rasters/4/region.tif?bbox=5.123457,45,6,46");
  });
});

describe("every API URL the viewer requests", () => {
  it("builds the search URL and the footprints' vector tiles from the same filters", () => {
    const params = searchParams({ ...emptyState(), bbox: [5, 45, 11, 48], q: "alps" }, { limit: 100 });
    expect(searchUrl("/api/", params)).toBe("/api/rasters/?bbox=5%2C45%2C11%2C48&q=alps&limit=100");
    params.delete("limit");
    expect(footprintTileUrl("/api/", 3, 4, 2, params)).toBe("/api/rasters/tiles/3/4/2.mvt?bbox=5%2C45%2C11%2C48&q=alps");
    expect(footprintTileUrl("/api", 0, 0, 0, "")).toBe("/api/rasters/tiles/0/0/0.mvt?");
  });

  it("names the catalogue's lists and a raster's resources", () => {
    for (const root of ["/api/", "/api"]) {
      expect(collectionsUrl(root)).toBe("/api/collections/");
      expect(colormapsUrl(root)).toBe("/api/colormaps/");
      expect(rasterUrl(root, 9)).toBe("/api/rasters/9/");
      expect(bandsUrl(root, 9)).toBe("/api/rasters/9/bands");
      expect(metadataUrl(root, 9)).toBe("/api/rasters/9/metadata");
      expect(cogUrl(root, 9)).toBe("/api/rasters/9/cog");
      expect(tileJsonUrl(root, 9)).toBe("/api/rasters/9/tilejson.json");
    }
    expect(rasterUrl("https://example.org/catalog/api/", 1)).toBe("https://example.org/catalog/api/rasters/1/");
  });

  it("asks for pixel values at a point and a band's histogram in 64 bins", () => {
    expect(pixelUrl("/api/", 4, 8.25, -46.5)).toBe("/api/rasters/4/pixel?lon=8.25&lat=-46.5");
    expect(histogramUrl("/api/", 4, 2)).toBe("/api/rasters/4/histogram?band=2&bins=64");
  });

  it("escapes a colormap's name in its bar and caps a whole-raster region", () => {
    expect(colormapUrl("/api/", "a b", { width: 128, height: 10 })).toBe("/api/colormaps/a%20b.png?width=128&height=10");
    expect(colormapUrl("/api/", "viridis")).toBe("/api/colormaps/viridis.png?width=256&height=12");
    expect(regionUrl("/api/", 4, [5, 45, 6, 46], { maxSize: 4096 })).toBe("/api/rasters/4/region.tif?bbox=5,45,6,46&max_size=4096");
    expect(tileUrl("/api/", { ...defaultLayer(7), stretch: "minmax", min: 0, max: 1 }, { format: "webp" })).toBe(
      "/api/rasters/7/tiles/{z}/{x}/{y}.webp?band=1&palette=viridis&min=0&max=1",
    );
  });
});
