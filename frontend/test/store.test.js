import { describe, expect, it, vi } from "vitest";
import { createStore, defaultLayer, emptyState, layerDecode, layerEncode, mirrorInUrl, openStore, stateFromQuery, stateToQuery } from "../src/store.js";
import { searchParams } from "../src/urls.js";

describe("state <-> URL", () => {
  it("round-trips a full state", () => {
    const state = {
      ...emptyState(),
      view: { lat: 46.51234, lon: 8.2, zoom: 7 },
      mode: "3d",
      bbox: [5.5, 45, 11, 48.25],
      from: "2024-01-01",
      to: "2024-12-31",
      collection: "dem,landcover",
      q: "alps",
      layers: [
        { ...defaultLayer(12), palette: "terrain", opacity: 0.8 },
        { ...defaultLayer(13, 3), bands: [3, 2, 1], stretch: "minmax", min: 0, max: 255, visible: false },
      ],
      active: 13,
    };
    const query = stateToQuery(state);
    expect(query).toContain("view=46.51234,8.2,7");
    expect(query).toContain("layer=12;b=1;p=terrain;s=p2p98;o=0.8");
    expect(query).toContain("layer=13;b=3,2,1;s=minmax;min=0;max=255;hidden");
    expect(stateFromQuery(query)).toEqual(state);
  });

  it("leaves defaults out and reads an empty URL as the default state", () => {
    expect(stateToQuery(emptyState())).toBe("view=20,0,2");
    expect(stateFromQuery("")).toEqual(emptyState());
  });

  it("ignores malformed values instead of failing", () => {
    const state = stateFromQuery("view=abc&bbox=1,2,3&from=yesterday&layer=x;b=1&layer=5;b=9,9;s=bogus;o=7&mode=4d");
    expect(state.view).toEqual(emptyState().view);
    expect(state.bbox).toBeNull();
    expect(state.from).toBe("");
    expect(state.mode).toBe("2d");
    expect(state.layers).toEqual([{ ...defaultLayer(5), palette: "", opacity: 1 }]);
    expect(state.active).toBe(5);
  });

  it("keeps one entry per raster and drops a palette on an RGB composite", () => {
    const state = stateFromQuery("layer=4;b=1;p=magma&layer=4;b=2&layer=6;b=3,2,1;p=viridis");
    expect(state.layers.map((l) => l.id)).toEqual([4, 6]);
    expect(state.layers[1].palette).toBe("");
    expect(layerEncode(state.layers[1])).toBe("6;b=3,2,1;s=p2p98");
  });

  it("round-trips a drawn polygon", () => {
    const state = { ...emptyState(), polygon: [[0, 0], [10, 0], [5, 8]] };
    expect(stateFromQuery(stateToQuery(state)).polygon).toEqual(state.polygon);
  });

  it("layerDecode reads opacity and clamps it", () => {
    expect(layerDecode("3;o=2").opacity).toBe(1);
    expect(layerDecode("3;o=0.25").opacity).toBe(0.25);
  });
});

describe("search parameters", () => {
  it("turns filters into the search API's names", () => {
    const params = searchParams({ ...emptyState(), bbox: [5, 45, 11, 48], from: "2024-01-01", collection: "dem" });
    expect(params.get("bbox")).toBe("5,45,11,48");
    expect(params.get("datetime")).toBe("2024-01-01T00:00:00Z/..");
    expect(params.get("collection")).toBe("dem");
    expect(params.get("limit")).toBe("200");
  });

  it("sends a polygon as a closed GeoJSON ring in intersects", () => {
    const params = searchParams({ ...emptyState(), polygon: [[0, 0], [10, 0], [5, 8]], bbox: [0, 0, 10, 8] });
    expect(params.has("bbox")).toBe(false);
    expect(JSON.parse(params.get("intersects"))).toEqual({ type: "Polygon", coordinates: [[[0, 0], [10, 0], [5, 8], [0, 0]]] });
  });

  it("gives an interval ending on a day", () => {
    expect(searchParams({ ...emptyState(), to: "2023-06-30" }).get("datetime")).toBe("../2023-06-30T23:59:59Z");
  });
});

describe("the store", () => {
  it("merges a patch and tells each subscriber which keys changed", () => {
    const store = createStore({ a: 1, b: 2 });
    const calls = [];
    const unsubscribe = store.subscribe((state, changed) => calls.push([state, changed]));
    store.set({ a: 1, b: 3 });
    expect(store.get()).toEqual({ a: 1, b: 3 });
    expect(calls).toEqual([[{ a: 1, b: 3 }, ["b"]]]);
    store.set({ a: 1 }); // nothing changed: nobody is told
    expect(calls).toHaveLength(1);
    unsubscribe();
    store.set({ a: 2 });
    expect(calls).toHaveLength(1);
    expect(store.get().a).toBe(2);
  });

  it("never mutates a state it handed out", () => {
    const store = createStore({ layers: [] });
    const before = store.get();
    store.set({ layers: [defaultLayer(1)] });
    expect(before.layers).toEqual([]);
    expect(store.get()).not.toBe(before);
  });

  it("opens on a URL's query with no search results yet", () => {
    const store = openStore("?bbox=5,45,11,48&layer=3;b=1;p=magma");
    expect(store.get().bbox).toEqual([5, 45, 11, 48]);
    expect(store.get().layers.map((l) => l.id)).toEqual([3]);
    expect(store.get().results).toEqual({ features: [], more: false, filters: "" });
    expect(stateToQuery(store.get())).toBe("view=20,0,2&bbox=5,45,11,48&layer=3;b=1;p=magma;s=p2p98&active=3");
  });

  it("mirrors the state in the address bar, once the changes settle", () => {
    vi.useFakeTimers();
    try {
      const store = openStore("");
      const location = { search: "" };
      const history = { replaceState: vi.fn((_, __, url) => (location.search = url)) };
      mirrorInUrl(store, location, history);
      store.set({ q: "alp" });
      store.set({ q: "alps" });
      vi.advanceTimersByTime(149);
      expect(history.replaceState).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(history.replaceState).toHaveBeenCalledTimes(1);
      expect(location.search).toBe("?view=20,0,2&q=alps");
      store.set({ results: { features: [], more: true, filters: "" } }); // not in the URL: no rewrite
      vi.advanceTimersByTime(200);
      expect(history.replaceState).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
