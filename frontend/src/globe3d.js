// The 3D globe: CesiumJS (copied from npm into dist/cesium/, loaded on first use), with the same
// basemap, footprints and overlays as the 2D map. No Cesium Ion: every asset comes from this app.
import { tileUrl } from "./urls.js";

const EQUATOR_MPP = 156543.03392; // metres per pixel at zoom 0 (Web Mercator, 256 px tiles)

let cesiumPromise = null;
export function loadCesium(baseUrl) {
  if (window.Cesium) return Promise.resolve(window.Cesium);
  if (!cesiumPromise) {
    window.CESIUM_BASE_URL = baseUrl;
    cesiumPromise = new Promise((resolve, reject) => {
      const css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = `${baseUrl}Widgets/widgets.css`;
      document.head.appendChild(css);
      const script = document.createElement("script");
      script.src = `${baseUrl}Cesium.js`;
      script.onload = () => resolve(window.Cesium);
      script.onerror = () => {
        cesiumPromise = null;
        reject(new Error("CesiumJS could not be loaded (was the viewer built with `npm run build`?)"));
      };
      document.head.appendChild(script);
    });
  }
  return cesiumPromise;
}

/** Camera height (m) that shows about what a Web Mercator zoom shows on a canvas this tall. */
export function zoomToHeight(zoom, lat, canvasHeight) {
  const mpp = (EQUATOR_MPP * Math.cos((lat * Math.PI) / 180)) / 2 ** zoom;
  return Math.max(50, mpp * canvasHeight * 0.866);
}

export function heightToZoom(height, lat, canvasHeight) {
  const mpp = height / (canvasHeight * 0.866);
  const zoom = Math.log2((EQUATOR_MPP * Math.cos((lat * Math.PI) / 180)) / mpp);
  return Math.max(1, Math.min(20, zoom));
}

export async function createGlobe(element, config, handlers) {
  const Cesium = await loadCesium(config.cesiumBaseUrl);
  Cesium.Ion.defaultAccessToken = undefined;
  const naturalEarth = Cesium.ImageryLayer.fromProviderAsync(
    Cesium.TileMapServiceImageryProvider.fromUrl(Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII")),
  );
  let viewer;
  try {
    viewer = new Cesium.Viewer(element, {
      baseLayer: naturalEarth,
      baseLayerPicker: false,
      geocoder: false,
      homeButton: false,
      sceneModePicker: false,
      navigationHelpButton: false,
      animation: false,
      timeline: false,
      fullscreenButton: false,
      infoBox: false,
      selectionIndicator: false,
      requestRenderMode: false,
      contextOptions: { webgl: { preserveDrawingBuffer: true } },
    });
  } catch (error) {
    throw new Error(`The 3D globe needs WebGL, which this browser cannot provide (${error.message}).`);
  }
  viewer.scene.globe.baseColor = Cesium.Color.fromCssColorString("#1d2b3a");
  if (config.basemapUrl && !handlers.isOffline?.()) {
    // On top of Natural Earth: where the configured tiles fail, the offline imagery shows through.
    viewer.imageryLayers.addImageryProvider(
      new Cesium.UrlTemplateImageryProvider({ url: config.basemapUrl.replace("{s}", "a"), maximumLevel: 19, credit: config.basemapAttributionText }),
    );
  }
  const basemapCount = viewer.imageryLayers.length;
  const overlays = new Map(); // id -> {layer, url}
  let footprints = null;

  const clickHandler = new Cesium.ScreenSpaceEventHandler(viewer.scene.canvas);
  clickHandler.setInputAction((movement) => {
    const cartesian = viewer.camera.pickEllipsoid(movement.position, viewer.scene.globe.ellipsoid);
    if (!cartesian) return;
    const c = Cesium.Cartographic.fromCartesian(cartesian);
    handlers.onMapClick?.(Cesium.Math.toDegrees(c.longitude), Cesium.Math.toDegrees(c.latitude));
  }, Cesium.ScreenSpaceEventType.LEFT_CLICK);

  function setView(view) {
    const height = zoomToHeight(view.zoom, view.lat, viewer.scene.canvas.clientHeight || 800);
    viewer.camera.setView({ destination: Cesium.Cartesian3.fromDegrees(view.lon, view.lat, height) });
  }

  function getView() {
    const canvas = viewer.scene.canvas;
    const center = new Cesium.Cartesian2(canvas.clientWidth / 2, canvas.clientHeight / 2);
    const picked = viewer.camera.pickEllipsoid(center, viewer.scene.globe.ellipsoid);
    const camera = viewer.camera.positionCartographic;
    const target = picked ? Cesium.Cartographic.fromCartesian(picked) : camera;
    const lat = Cesium.Math.toDegrees(target.latitude);
    return { lat, lon: Cesium.Math.toDegrees(target.longitude), zoom: heightToZoom(camera.height, lat, canvas.clientHeight || 800) };
  }

  async function setFootprints(featureCollection) {
    if (footprints) viewer.dataSources.remove(footprints, true);
    footprints = await Cesium.GeoJsonDataSource.load(featureCollection, {
      stroke: Cesium.Color.fromCssColorString("#e8590c"),
      fill: Cesium.Color.fromCssColorString("#e8590c").withAlpha(0.08),
      strokeWidth: 2,
    });
    viewer.dataSources.add(footprints);
  }

  function setOverlays(layers, apiRoot) {
    const wanted = new Set(layers.map((l) => l.id));
    for (const [id, entry] of overlays) {
      if (!wanted.has(id)) {
        viewer.imageryLayers.remove(entry.layer, true);
        overlays.delete(id);
      }
    }
    // Bottom first: the first layer in the list is drawn on top.
    [...layers].reverse().forEach((layerState, index) => {
      // Only the path's {z}/{x}/{y} are Cesium's: a mosaic's polygon (intersects) stays encoded JSON.
      const url = new URL(tileUrl(apiRoot, layerState), window.location.href).href.replace(/%7B([xyz])%7D/g, "{$1}");
      let entry = overlays.get(layerState.id);
      if (entry && entry.url !== url) {
        viewer.imageryLayers.remove(entry.layer, true);
        entry = null;
      }
      if (!entry) {
        const bbox = layerState.bounds;
        // The tile API serves a zoom range around the raster's resolution (TileJSON minzoom and
        // maxzoom); Cesium needs it, with the rectangle, to ask for tiles that exist.
        const rectangle = bbox ? Cesium.Rectangle.fromDegrees(...bbox) : undefined;
        const provider = new Cesium.UrlTemplateImageryProvider({
          url,
          rectangle,
          minimumLevel: rectangle && layerState.minzoom ? layerState.minzoom : 0,
          maximumLevel: layerState.maxzoom ?? 20,
        });
        provider.errorEvent.addEventListener((error) => {
          error.retry = false; // a tile outside the raster is a 404: nothing to retry
        });
        entry = { layer: viewer.imageryLayers.addImageryProvider(provider), url };
        overlays.set(layerState.id, entry);
      }
      entry.layer.alpha = layerState.opacity;
      entry.layer.show = layerState.visible;
      const target = basemapCount + index;
      while (viewer.imageryLayers.indexOf(entry.layer) > target) viewer.imageryLayers.lower(entry.layer);
      while (viewer.imageryLayers.indexOf(entry.layer) < target) viewer.imageryLayers.raise(entry.layer);
    });
  }

  return {
    viewer,
    setView,
    getView,
    setFootprints,
    setOverlays,
    flyToBbox(bbox) {
      viewer.camera.flyTo({ destination: Cesium.Rectangle.fromDegrees(...bbox), duration: 0.8 });
    },
    resize: () => viewer.resize(),
    // A hidden globe would otherwise keep drawing frames (tens of % of a core in software WebGL).
    setRendering(on) {
      viewer.useDefaultRenderLoop = on;
    },
  };
}
