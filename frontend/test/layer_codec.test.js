import { describe, expect, it } from "vitest";
import { defaultLayer, defaultMosaic, layerDecode, layerEncode } from "../src/layer_codec.js";
import { emptyState, nextMosaicId, stateFromQuery, stateToQuery } from "../src/store.js";

describe("a raster layer's analysis in the permalink", () => {
  it("keeps band math readable and round-trips it", () => {
    const layer = { ...defaultLayer(4, 4), bands: [1], palette: "RdYlGn", expression: "(b4-b3)/(b4+b3)" };
    const state = { ...emptyState(), layers: [layer], active: 4 };
    const query = stateToQuery(state);
    expect(query).toContain("layer=4;b=1;p=RdYlGn;s=p2p98;e=(b4-b3)/(b4%2Bb3)");
    expect(stateFromQuery(query)).toEqual(state);
  });

  it("keeps the colormap of band math on an RGB layer", () => {
    const layer = { ...defaultLayer(6, 4), palette: "RdYlGn", stretch: "minmax", min: -1, max: 1, expression: "(b4-b3)/(b4+b3)" };
    expect(layer.bands).toEqual([1, 2, 3]);
    expect(layerEncode(layer)).toBe("6;b=1,2,3;p=RdYlGn;s=minmax;min=-1;max=1;e=(b4-b3)/(b4+b3)");
    expect(layerDecode(layerEncode(layer))).toEqual(layer);
  });

  it("escapes ; and = and % inside an expression", () => {
    const layer = { ...defaultLayer(2), expression: "where(b1 == 3; 100%, b1)" };
    const encoded = layerEncode(layer);
    expect(encoded.split(";").find((p) => p.startsWith("e="))).toBe("e=where(b1 %3D%3D 3%3B 100%25, b1)");
    expect(layerDecode(encoded).expression).toBe(layer.expression);
    const state = { ...emptyState(), layers: [layer], active: 2 };
    expect(stateFromQuery(stateToQuery(state)).layers[0].expression).toBe(layer.expression);
  });

  it("writes a terrain algorithm with only the options that differ from the defaults", () => {
    expect(layerEncode({ ...defaultLayer(9), palette: "gray", algorithm: "hillshade" })).toBe("9;b=1;p=gray;s=p2p98;a=hillshade");
    const lit = { ...defaultLayer(9), palette: "gray", stretch: "minmax", algorithm: "hillshade", azimuth: 270, altitude: 30, zfactor: 0.3048 };
    expect(layerEncode(lit)).toBe("9;b=1;p=gray;s=minmax;a=hillshade;az=270;alt=30;zf=0.3048");
    expect(layerDecode(layerEncode(lit))).toEqual(lit);
    expect(layerEncode({ ...defaultLayer(9), algorithm: "slope", azimuth: 10 })).toBe("9;b=1;p=viridis;s=p2p98;a=slope");
  });

  it("ignores an unknown algorithm and an expression wins over an algorithm", () => {
    expect(layerDecode("3;a=rm -rf").algorithm).toBe("");
    expect(layerEncode({ ...defaultLayer(3), expression: "b1*2", algorithm: "slope" })).toBe("3;b=1;p=viridis;s=p2p98;e=b1*2");
  });
});

describe("a mosaic layer in the permalink", () => {
  const filters = { bbox: [5, 45, 11, 48], from: "2024-01-01", collection: "alps", q: "s2; a=b" };
  const mosaic = { ...defaultMosaic("m1", filters, { span: ["2024-01-03", "2024-12-30"] }), method: "median", palette: "magma", time: ["2024-03-01", "2024-06-30"] };

  it("round-trips the search, method, style, span and time range", () => {
    const state = { ...emptyState(), layers: [mosaic, { ...defaultLayer(7), opacity: 0.5 }], active: "m1" };
    const query = stateToQuery(state);
    expect(query).toContain("layer=m1;b=1;p=magma;s=p2p98;m=median;c=alps;q=s2%253B a%253Db;from=2024-01-01;bbox=5,45,11,48;span=2024-01-03/2024-12-30;t=2024-03-01/2024-06-30".replace(/ /g, "+"));
    expect(query).toContain("active=m1");
    expect(stateFromQuery(query)).toEqual(state);
  });

  it("keeps a polygon search and derives its bbox", () => {
    const ring = [[0, 0], [10, 0], [5, 8]];
    const layer = defaultMosaic("m2", { polygon: ring, bbox: [0, 0, 10, 8] }, { bandCount: 3 });
    const decoded = layerDecode(layerEncode(layer));
    expect(decoded.mosaic.polygon).toEqual(ring);
    expect(decoded.mosaic.bbox).toEqual([0, 0, 10, 8]);
    expect(decoded.bands).toEqual([1, 2, 3]);
    expect(decoded.palette).toBe("");
  });

  it("keeps a mosaic's band math or terrain", () => {
    const ndvi = { ...defaultMosaic("m2", { collection: "s2" }), expression: "(b4-b3)/(b4+b3)", palette: "RdYlGn", stretch: "minmax", min: -1, max: 1 };
    const text = layerEncode(ndvi);
    expect(text).toBe("m2;b=1;p=RdYlGn;s=minmax;min=-1;max=1;m=first;c=s2;e=(b4-b3)/(b4+b3)");
    expect(layerDecode(text)).toEqual(ndvi);
    const shade = { ...defaultMosaic("m3", { collection: "dem" }), algorithm: "hillshade", azimuth: 300, zfactor: 2, palette: "gray" };
    expect(layerEncode(shade)).toBe("m3;b=1;p=gray;s=p2p98;m=first;c=dem;a=hillshade;az=300;zf=2");
    expect(layerDecode(layerEncode(shade))).toEqual(shade);
  });

  it("drops malformed mosaic values", () => {
    const layer = layerDecode("m3;m=loudest;from=yesterday;bbox=1,2;span=2024-05-01/2024-01-01;t=x");
    expect(layer.method).toBe("first");
    expect(layer.mosaic.from).toBe("");
    expect(layer.mosaic.bbox).toBeNull();
    expect(layer.span).toBeNull();
    expect(layer.time).toBeNull();
    expect(layerDecode("mosaic;b=1")).toBeNull();
  });

  it("numbers new mosaics after the ones present", () => {
    expect(nextMosaicId([])).toBe("m1");
    expect(nextMosaicId([defaultLayer(4), defaultMosaic("m1", {}), defaultMosaic("m5", {})])).toBe("m6");
  });
});

describe("the statistics area in the permalink", () => {
  it("round-trips the drawn ring", () => {
    const state = { ...emptyState(), statsArea: [[7, 46], [8, 46], [8, 47]] };
    expect(stateToQuery(state)).toContain("stats=7+46,8+46,8+47");
    expect(stateFromQuery(stateToQuery(state)).statsArea).toEqual(state.statsArea);
    expect(stateFromQuery("stats=1+2,3").statsArea).toBeNull();
  });
});
