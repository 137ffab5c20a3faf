// Built into dist/, which Django serves under /static/viewer/ (STATICFILES_DIRS in settings.py).
// Cesium is not bundled: its prebuilt Build/Cesium (Cesium.js, Workers, Assets, Widgets) is copied
// into dist/cesium/ and loaded only when the user switches to 3D, which keeps the build fast and
// the first page light.
import { cpSync, existsSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const CESIUM_BUILD = resolve(dirname(fileURLToPath(import.meta.url)), "node_modules/cesium/Build/Cesium");

function copyCesium() {
  return {
    name: "copy-cesium",
    apply: "build",
    writeBundle(options) {
      const target = resolve(options.dir, "cesium");
      rmSync(target, { recursive: true, force: true });
      for (const part of ["Cesium.js", "Workers", "Assets", "Widgets", "ThirdParty"]) {
        if (existsSync(resolve(CESIUM_BUILD, part))) cpSync(resolve(CESIUM_BUILD, part), resolve(target, part), { recursive: true });
      }
    },
  };
}

export default defineConfig({
  base: "/static/viewer/",
  build: { outDir: "dist", emptyOutDir: true, assetsDir: "assets", chunkSizeWarningLimit: 800 },
  // In `npm run dev`, the API lives on Django's port.
  server: { proxy: { "/api": "http://127.0.0.1:8000", "/static/viewer/cesium": "http://127.0.0.1:8000" } },
  plugins: [copyCesium()],
  test: { environment: "node", include: ["test/**/*.test.js"] },
});
