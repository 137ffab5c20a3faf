import { describe, expect, it } from "vitest";
import { stretchRange } from "../src/panels/legend.js";
import { defaultLayer } from "../src/store.js";
import { legendUrl, regionUrl, styleParams, tileUrl } from "../src/urls.js";

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
