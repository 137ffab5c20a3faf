import { describe, expect, it } from "vitest";
import { datePeriods } from "../src/panels/dates.js";
import { emptyState } from "../src/store.js";
import { aggregateParams, aggregateUrl } from "../src/urls.js";

describe("date histogram", () => {
  it("asks the STAC aggregation for the search's filters", () => {
    const state = { ...emptyState(), bbox: [1, 2, 3, 4], collection: "demo", q: "50%_o'k", from: "2024-01-01" };
    const params = aggregateParams(state, "year");
    expect(params.get("bbox")).toBe("1,2,3,4");
    expect(params.get("collections")).toBe("demo");
    expect(params.get("datetime")).toBe("2024-01-01T00:00:00Z/..");
    expect(params.get("filter")).toBe("CASEI(title) LIKE CASEI('%50\\%\\_o''k%')");
    expect(params.get("aggregations")).toBe("datetime_frequency");
    expect(params.get("datetime_frequency_interval")).toBe("year");
    expect(params.has("limit") || params.has("q") || params.has("collection")).toBe(false);
    expect(aggregateUrl("/stac/", new URLSearchParams({ a: "1" }))).toBe("/stac/aggregate?a=1");
  });

  it("fills the periods between the first and the last bucket", () => {
    const buckets = [
      { key: "2023-11-01T00:00:00Z", frequency: 2 },
      { key: "2024-02-01T00:00:00Z", frequency: 5 },
    ];
    expect(datePeriods(buckets, "month")).toEqual([
      ["2023-11", 2],
      ["2023-12", 0],
      ["2024-01", 0],
      ["2024-02", 5],
    ]);
    expect(datePeriods([{ key: "2021-01-01T00:00:00Z", frequency: 1 }, { key: "2023-01-01T00:00:00Z", frequency: 3 }], "year")).toEqual([
      ["2021", 1],
      ["2022", 0],
      ["2023", 3],
    ]);
    expect(datePeriods([], "month")).toEqual([]);
  });
});
