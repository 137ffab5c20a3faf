import { afterEach, describe, expect, it, vi } from "vitest";
import * as api from "../src/api.js";
import { defaultLayer, defaultMosaic } from "../src/layer_codec.js";
import { stretchRange } from "../src/panels/legend.js";
import {
  analysisTileJsonUrl,
  histogramUrl,
  legendUrl,
  mosaicPointUrl,
  mosaicTileJsonUrl,
  pixelUrl,
  statisticsUrl,
  styleParams,
  tileUrl,
} from "../src/urls.js";

describe("analysis -> tile URLs", () => {
  it("sends band math instead of bands, coloured by the palette", () => {
    const layer = { ...defaultLayer(5, 4), bands: [1], palette: "RdYlGn", expression: "(b4-b3)/(b4+b3)" };
    expect(tileUrl("/api", layer)).toBe("/api/rasters/5/tiles/{z}/{x}/{y}.png?palette=RdYlGn&stretch=p2p98&expression=%28b4-b3%29%2F%28b4%2Bb3%29");
    expect(legendUrl("/api", { ...layer, bands: [1, 2, 3] })).toBe("/api/colormaps/RdYlGn.png?width=256&height=12");
    expect(stretchRange(layer, { p2: 1, p98: 2 })).toBeNull();
    expect(stretchRange({ ...layer, stretch: "minmax", min: -1, max: 1 }, null)).toEqual([-1, 1]);
  });

  it("sends a terrain algorithm on the layer's band, with the light for a hillshade only", () => {
    const hillshade = { ...defaultLayer(2), palette: "gray", stretch: "minmax", algorithm: "hillshade", azimuth: 300 };
    expect(Object.fromEntries(styleParams(hillshade))).toEqual({ band: "1", palette: "gray", algorithm: "hillshade", azimuth: "300", altitude: "45" });
    const slope = { ...defaultLayer(2), stretch: "minmax", min: 0, max: 45, algorithm: "slope", zfactor: 0.3048 };
    expect(Object.fromEntries(styleParams(slope))).toEqual({ band: "1", palette: "viridis", min: "0", max: "45", algorithm: "slope", zfactor: "0.3048" });
    expect(stretchRange({ ...slope, min: null }, { p2: 100, p98: 200 })).toEqual([0, 90]);
  });

  it("asks the pixel, histogram, TileJSON and statistics for the same band math", () => {
    const layer = { ...defaultLayer(3), expression: "b1*2" };
    expect(pixelUrl("/api", 3, 7.5, 46, layer)).toBe("/api/rasters/3/pixel?lon=7.5&lat=46&expression=b1*2");
    expect(pixelUrl("/api", 3, 7.5, 46)).toBe("/api/rasters/3/pixel?lon=7.5&lat=46");
    expect(histogramUrl("/api", 3, 1, layer)).toBe("/api/rasters/3/histogram?bins=64&expression=b1*2");
    expect(analysisTileJsonUrl("/api", layer)).toBe("/api/rasters/3/tilejson.json?expression=b1*2");
    expect(statisticsUrl("/api", 3, layer)).toBe("/api/rasters/3/statistics?percentiles=2,25,75,98&bins=32&expression=b1*2");
    expect(statisticsUrl("/api", 3, defaultLayer(3))).toBe("/api/rasters/3/statistics?percentiles=2,25,75,98&bins=32");
  });

  it("reads a terrain layer's heights from the histogram and statistics APIs, its value from the pixel API", () => {
    const layer = { ...defaultLayer(3), algorithm: "aspect" };
    expect(histogramUrl("/api", 3, 2, layer)).toBe("/api/rasters/3/histogram?band=2&bins=64");
    expect(pixelUrl("/api", 3, 1, 2, layer)).toBe("/api/rasters/3/pixel?lon=1&lat=2&band=1&algorithm=aspect");
    const shade = { ...layer, algorithm: "hillshade", bands: [2], azimuth: 300, altitude: 40, zfactor: 2 };
    expect(pixelUrl("/api", 3, 1, 2, shade)).toBe(
      "/api/rasters/3/pixel?lon=1&lat=2&band=2&algorithm=hillshade&azimuth=300&altitude=40&zfactor=2",
    );
    expect(statisticsUrl("/api", 3, layer)).toBe("/api/rasters/3/statistics?percentiles=2,25,75,98&bins=32");
    expect(analysisTileJsonUrl("/api", layer)).toBe("/api/rasters/3/tilejson.json?algorithm=aspect");
  });
});

describe("mosaic URLs", () => {
  const mosaic = {
    ...defaultMosaic("m1", { bbox: [5, 45, 11, 48], from: "2024-01-01", to: "2024-12-31", collection: "alps", q: "s2" }),
    method: "median",
    palette: "magma",
  };

  it("draws the search's filters with the method and the style", () => {
    expect(tileUrl("/api/", mosaic)).toBe(
      "/api/mosaic/tiles/{z}/{x}/{y}.png?bbox=5,45,11,48&datetime=2024-01-01T00%3A00%3A00Z%2F2024-12-31T23%3A59%3A59Z&collection=alps&q=s2&method=median&band=1&palette=magma&stretch=p2p98",
    );
    expect(mosaicTileJsonUrl("/api", mosaic)).toBe(
      "/api/mosaic/tilejson.json?bbox=5,45,11,48&datetime=2024-01-01T00%3A00%3A00Z%2F2024-12-31T23%3A59%3A59Z&collection=alps&q=s2&method=median&band=1&palette=magma&stretch=p2p98",
    );
  });

  it("narrows the dates to the time slider's range", () => {
    const narrowed = { ...mosaic, time: ["2024-03-01", "2024-03-31"] };
    expect(new URL(tileUrl("http://h/api", narrowed).replace(/[{}]/g, "")).searchParams.get("datetime")).toBe("2024-03-01T00:00:00Z/2024-03-31T23:59:59Z");
  });

  it("sends a polygon search as intersects", () => {
    const layer = defaultMosaic("m2", { polygon: [[0, 0], [10, 0], [5, 8]], bbox: [0, 0, 10, 8] }, { bandCount: 3 });
    const params = new URL(tileUrl("http://h/api", layer).replace(/[{}]/g, "")).searchParams;
    expect(JSON.parse(params.get("intersects")).coordinates[0]).toHaveLength(4);
    expect(params.has("bbox")).toBe(false);
    expect(params.get("band")).toBe("1,2,3");
  });

  it("asks for the values over time at a point, without the method, as JSON or CSV", () => {
    expect(mosaicPointUrl("/api", { ...mosaic, time: ["2024-02-01", "2024-02-29"] }, 7.25, 46.5)).toBe(
      "/api/mosaic/point?bbox=5%2C45%2C11%2C48&datetime=2024-02-01T00%3A00%3A00Z%2F2024-02-29T23%3A59%3A59Z&collection=alps&q=s2&lon=7.25&lat=46.5",
    );
    expect(mosaicPointUrl("/api", mosaic, 1, 2, { format: "csv" })).toMatch(/&lon=1&lat=2&format=csv$/);
  });
});

describe("band math and terrain on a mosaic", () => {
  const mosaic = { ...defaultMosaic("m1", { collection: "s2" }, { bandCount: 4 }), bands: [1], palette: "RdYlGn" };

  it("sends the expression with the search, instead of the bands, to tiles and TileJSON", () => {
    const ndvi = { ...mosaic, expression: "(b4-b3)/(b4+b3)", stretch: "minmax", min: -1, max: 1 };
    const expected = "collection=s2&method=first&palette=RdYlGn&min=-1&max=1&expression=%28b4-b3%29%2F%28b4%2Bb3%29";
    expect(tileUrl("/api", ndvi)).toBe(`/api/mosaic/tiles/{z}/{x}/{y}.png?${expected}`);
    // The expression is checked on the mosaic's TileJSON (a 400 names the problem).
    expect(analysisTileJsonUrl("/api", ndvi)).toBe(`/api/mosaic/tilejson.json?${expected}`);
  });

  it("sends a terrain algorithm on the band, and asks the point for its values", () => {
    const shade = { ...mosaic, palette: "gray", algorithm: "hillshade", azimuth: 270 };
    expect(Object.fromEntries(new URL(tileUrl("http://h/api", shade).replace(/[{}]/g, "")).searchParams)).toEqual({
      collection: "s2",
      method: "first",
      band: "1",
      palette: "gray",
      algorithm: "hillshade",
      azimuth: "270",
      altitude: "45",
    });
    expect(mosaicPointUrl("/api", { ...shade, bands: [2] }, 1, 2)).toBe("/api/mosaic/point?collection=s2&lon=1&lat=2&algorithm=hillshade&azimuth=270&altitude=45&band=2");
    expect(mosaicPointUrl("/api", { ...mosaic, expression: "b1*2" }, 1, 2, { format: "csv" })).toBe("/api/mosaic/point?collection=s2&lon=1&lat=2&expression=b1*2&format=csv");
  });
});

describe("API calls for analysis and mosaics", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("posts the drawn area as GeoJSON for the statistics", async () => {
    const fetch = vi.fn(async () => ({ ok: true, json: async () => ({ features: [] }) }));
    vi.stubGlobal("fetch", fetch);
    const feature = { type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] } };
    await api.rasterStatistics({ ...defaultLayer(8), expression: "b1+1" }, feature);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe("/api/rasters/8/statistics?percentiles=2,25,75,98&bins=32&expression=b1%2B1");
    expect(init.method).toBe("POST");
    expect(init.headers["Content-Type"]).toBe("application/json");
    expect(JSON.parse(init.body)).toEqual(feature);
    await api.mosaicPoint(defaultMosaic("m1", { collection: "dem" }), 7, 46);
    await api.analysisTileJson({ ...defaultLayer(8), algorithm: "hillshade" });
    await api.rasterAnalysis(8);
    expect(fetch.mock.calls.slice(1).map(([u, i]) => [u, i.method])).toEqual([
      ["/api/mosaic/point?collection=dem&lon=7&lat=46", undefined],
      ["/api/rasters/8/tilejson.json?algorithm=hillshade&azimuth=315&altitude=45", undefined],
      ["/api/rasters/8/analysis", undefined],
    ]);
  });

  it("gives a refused expression's reason as the error", async () => {
    vi.stubGlobal("fetch", async () => ({ ok: false, status: 400, json: async () => ({ detail: "parameter expression: unknown name b9 at column 1" }) }));
    await expect(api.analysisTileJson({ ...defaultLayer(1), expression: "b9" })).rejects.toMatchObject({ status: 400, message: "parameter expression: unknown name b9 at column 1" });
  });
});
