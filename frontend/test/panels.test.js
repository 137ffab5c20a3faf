import { describe, expect, it } from "vitest";
import { dateSpan, fewestBands } from "../src/controllers/mosaic.js";
import { areaFeature } from "../src/controllers/statistics.js";
import { dayDate, dayIndex, describeFilters } from "../src/panels/mosaic.js";
import { bandStatistics, percentiles } from "../src/panels/statistics.js";
import { seriesPoints } from "../src/panels/timeseries.js";

describe("the values-over-time chart", () => {
  const values = [
    { raster: 1, name: "jan", acquired_at: "2024-01-01T00:00:00Z", values: [10, 100] },
    { raster: 2, name: "feb", acquired_at: "2024-01-31T00:00:00Z", values: [null, 200] },
    { raster: 3, name: "dec", acquired_at: "2024-12-31T00:00:00Z", values: [30, 300] },
  ];

  it("places a point per raster and band by date and value, with nodata as a gap", () => {
    const { bands, low, high } = seriesPoints(values, { width: 316, height: 116, pad: 8 });
    expect([low, high]).toEqual([10, 300]);
    expect(bands).toHaveLength(2);
    expect(bands[0][1]).toBeNull();
    const [first, , last] = bands[0];
    expect(first.slice(0, 3)).toEqual([8, 8 + 100 * (1 - 0), 10]);
    expect(last[0]).toBe(308);
    expect(bands[1][2].slice(1, 3)).toEqual([8, 300]); // the highest value at the top
    const january = bands[1][1][0];
    expect(january).toBeCloseTo(8 + (30 / 365) * 300, 5);
  });

  it("centres a single date and widens a flat series", () => {
    const { bands, low, high } = seriesPoints([{ raster: 1, name: "a", acquired_at: "2024-05-01T00:00:00Z", values: [5] }], { width: 100, height: 50 });
    expect(bands[0][0][0]).toBe(50);
    expect([low, high]).toEqual([4, 6]);
  });

  it("has nothing to draw without dated values", () => {
    expect(seriesPoints([{ raster: 1, name: "a", acquired_at: null, values: [1] }]).bands).toEqual([]);
    expect(seriesPoints([{ raster: 1, name: "a", acquired_at: "2024-01-01", values: [null] }]).bands).toEqual([]);
  });
});

describe("mosaic helpers", () => {
  it("counts days for the time slider", () => {
    expect(dayIndex("2024-01-01", "2024-03-01")).toBe(60);
    expect(dayDate("2024-01-01", 60)).toBe("2024-03-01");
    expect(dayDate("2024-03-30", 2)).toBe("2024-04-01"); // across the daylight-saving change
  });

  it("spans the acquisitions and draws the bands every raster has", () => {
    const features = [
      { properties: { acquired_at: "2024-06-01T10:00:00Z", band_count: 4 } },
      { properties: { acquired_at: null, band_count: 1 } },
      { properties: { acquired_at: "2023-02-03T00:00:00Z", band_count: 3 } },
    ];
    expect(dateSpan(features)).toEqual(["2023-02-03", "2024-06-01"]);
    expect(dateSpan([])).toBeNull();
    expect(fewestBands(features)).toBe(1);
    expect(fewestBands(features.slice(0, 1))).toBe(4);
  });

  it("says in words what a mosaic was made of", () => {
    expect(describeFilters({ collection: "alps", from: "2024-01-01", to: "", bbox: [5, 45.123, 11, 48] })).toBe("alps · 2024-01-01 – … · in 5, 45.12, 11, 48");
    expect(describeFilters({})).toBe("every raster");
  });
});

describe("statistics of a drawn area", () => {
  it("posts a closed ring", () => {
    expect(areaFeature([[0, 0], [1, 0], [1, 1]]).geometry.coordinates[0]).toEqual([[0, 0], [1, 0], [1, 1], [0, 0]]);
  });

  it("reads per-band statistics and percentiles from the FeatureCollection", () => {
    const body = {
      type: "FeatureCollection",
      features: [{ type: "Feature", properties: { statistics: { b1: { count: 4, mean: 2.5, percentile_98: 3.9, percentile_2: 1.1, "percentile_97.5": 3.8 } }, level: {} } }],
    };
    const { bands } = bandStatistics(body);
    expect(bands.map(([label]) => label)).toEqual(["b1"]);
    expect(percentiles(bands[0][1])).toEqual([[2, 1.1], [97.5, 3.8], [98, 3.9]]);
  });

  it("gives the reason when the area misses the raster", () => {
    const body = { features: [{ properties: { statistics: null, reason: "the geometry lies outside the raster" } }] };
    expect(bandStatistics(body)).toEqual({ bands: [], reason: "the geometry lies outside the raster" });
  });
});
