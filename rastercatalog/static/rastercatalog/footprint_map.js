// Footprints of the rasters listed on this admin page, on a Leaflet map (django-leaflet).
// A graticule is drawn first so that the map still means something when the basemap tiles cannot
// be fetched (no internet).
(function () {
  "use strict";

  function graticule(step) {
    var lines = [];
    for (var lon = -180; lon <= 180; lon += step) lines.push([[-85, lon], [85, lon]]);
    for (var lat = -60; lat <= 60; lat += step) lines.push([[lat, -180], [lat, 180]]);
    return L.polyline(lines, { color: "#8a9bb0", weight: 0.6, interactive: false });
  }

  // Parts of a footprint split at the antimeridian are drawn east of 180° so that they stay
  // together on the map (Leaflet accepts longitudes beyond 180).
  function unsplit(feature) {
    var bbox = feature.properties.bbox;
    if (!bbox || bbox[0] <= bbox[2] || feature.geometry.type !== "MultiPolygon") return feature;
    var coordinates = feature.geometry.coordinates.map(function (polygon) {
      var west = polygon[0].every(function (p) { return p[0] <= 0; });
      return west ? polygon.map(function (ring) {
        return ring.map(function (p) { return [p[0] + 360, p[1]]; });
      }) : polygon;
    });
    return Object.assign({}, feature, { geometry: { type: "MultiPolygon", coordinates: coordinates } });
  }

  window.rastercatalogFootprints = function (map) {
    window.rastercatalogFootprintMap = map; // for tests and the browser console
    map.setMaxBounds(null); // footprints across 180° are drawn east of it
    graticule(30).addTo(map);
    var data = JSON.parse(document.getElementById("footprints-data").textContent);
    var layer = L.geoJSON(data.features.map(unsplit), {
      style: function (f) {
        return { color: f.properties.status === "ready" ? "#d9480f" : "#868e96", weight: 2, fillOpacity: 0.2 };
      },
      onEachFeature: function (f, l) {
        var link = document.createElement("a");
        link.href = f.properties.url;
        link.textContent = f.properties.name;
        l.bindPopup(link);
        l.bindTooltip(f.properties.name);
        // A raster of a few km is a speck at world zoom: mark its centre too.
        L.circleMarker(l.getBounds().getCenter(), { radius: 5, color: "#d9480f", weight: 2 })
          .bindTooltip(f.properties.name)
          .bindPopup(link.cloneNode(true))
          .addTo(map);
      },
    }).addTo(map);
    // django-leaflet applies its default view after this callback: fit once it has.
    if (data.features.length) {
      map.whenReady(function () {
        setTimeout(function () { map.fitBounds(layer.getBounds().pad(0.1), { maxZoom: 12 }); }, 0);
      });
    }
  };
})();
