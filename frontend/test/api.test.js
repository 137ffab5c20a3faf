import { afterEach, describe, expect, it, vi } from "vitest";
import * as api from "../src/api.js";
import { searchParams } from "../src/urls.js";
import { emptyState } from "../src/store.js";

function stubFetch(response = { ok: true, json: async () => ({}) }) {
  const fetch = vi.fn(async () => response);
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

describe("API calls", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    api.setApiRoot("/api/");
  });

  it("requests the URLs built by urls.js under the configured root", async () => {
    const fetch = stubFetch();
    api.setApiRoot("/catalog/api");
    await api.searchRasters(searchParams({ ...emptyState(), q: "dem" }, { limit: 100 }));
    await api.listCollections();
    await api.listColormaps();
    await api.rasterFeature(3);
    await api.rasterBands(3);
    await api.rasterTileJson(3);
    await api.rasterMetadata(3);
    await api.rasterCog(3);
    await api.rasterPixel(3, 7.5, 46);
    await api.rasterHistogram(3, 1);
    expect(fetch.mock.calls.map(([url]) => url)).toEqual([
      "/catalog/api/rasters/?q=dem&limit=100",
      "/catalog/api/collections/",
      "/catalog/api/colormaps/",
      "/catalog/api/rasters/3/",
      "/catalog/api/rasters/3/bands",
      "/catalog/api/rasters/3/tilejson.json",
      "/catalog/api/rasters/3/metadata",
      "/catalog/api/rasters/3/cog",
      "/catalog/api/rasters/3/pixel?lon=7.5&lat=46",
      "/catalog/api/rasters/3/histogram?band=1&bins=64",
    ]);
    expect(fetch.mock.calls[0][1].headers).toEqual({ Accept: "application/json" });
  });

  it("turns an error response into the API's message and status", async () => {
    stubFetch({ ok: false, status: 400, statusText: "Bad Request", json: async () => ({ detail: "bbox: not four numbers" }) });
    await expect(api.rasterFeature(1)).rejects.toMatchObject({ message: "bbox: not four numbers", status: 400 });
    stubFetch({ ok: false, status: 400, statusText: "Bad Request", json: async () => ({ band: ["too big"], min: "no" }) });
    await expect(api.rasterFeature(1)).rejects.toMatchObject({ message: "band: too big; min: no" });
  });

  it("says when the server cannot be reached, and lets an abort through", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(api.listColormaps()).rejects.toMatchObject({ status: 0, message: "The server cannot be reached (Failed to fetch)." });
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(abort)));
    await expect(api.listColormaps()).rejects.toBe(abort);
  });
});
