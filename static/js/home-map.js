/* The national map of the home page: every French commune from vector tiles (/tiles/communes/),
   drawn by Leaflet.VectorGrid on canvas; those that joined Vigie filled in. Below zoom 8 the
   tiles hold the joined communes only (standards/vector_tiles.py). */
(function () {
  "use strict";
  const element = document.getElementById("home-map");
  if (!element || !window.L || !L.vectorGrid) {
    return;
  }
  const settings = JSON.parse(document.getElementById("home-map-settings").textContent);
  const map = L.map(element, { preferCanvas: true, minZoom: 4 });
  L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution, maxZoom: 19 }).addTo(map);
  map.setView([46.6, 2.4], 5);
  let tilesLoaded = 0;
  const communes = L.vectorGrid
    .protobuf(settings.communesTileUrl, {
      rendererFactory: L.canvas.tile,
      maxNativeZoom: 16,
      minZoom: 4,
      interactive: false,
      vectorTileLayerStyles: {
        communes: function (properties) {
          return properties.joined
            ? { color: "#1f3b73", weight: 1.5, fill: true, fillColor: "#2e7d32", fillOpacity: 0.45 }
            : { color: "#6b7280", weight: 0.5, fill: false };
        },
      },
    })
    .on("load", function () {
      tilesLoaded += 1;
      element.dataset.tilesLoaded = String(tilesLoaded);
    })
    .addTo(map);
  window.vigieHomeMap = { map: map, communes: communes };
})();
