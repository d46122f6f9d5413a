/* The town hall's commune map: the commune's boundary, its neighbourhoods and police sectors from
   the vector tiles (the neighbouring communes faintly), and its generalised alerts. */
(function () {
  "use strict";
  const settings = Vigie.readJSON("map-settings");
  const data = Vigie.readJSON("map-data");
  const map = Vigie.baseMap("map", settings);
  Vigie.fitBox(map, settings.fitBounds);
  const code = settings.highlight[0];
  Vigie.boundaryTiles(
    map,
    settings,
    "communes",
    Vigie.highlighted(settings, { color: "#0b2540", weight: 3, fill: true, fillOpacity: 0.03 }, { color: "#6b7280", weight: 0.5, fill: false })
  ).addTo(map);
  /* The commune's own zones only. */
  function ownZones(style) {
    return function (properties) { return properties.commune_code === code ? style : []; };
  }
  const neighbourhoodLayer = Vigie.boundaryTiles(
    map, settings, "neighbourhoods", ownZones({ color: "#1f3b73", weight: 2, fill: true, fillOpacity: 0.06 })
  ).addTo(map);
  const sectorLayer = Vigie.boundaryTiles(
    map, settings, "police_sectors", ownZones({ color: "#6a1b9a", weight: 2, dashArray: "6 4", fill: false })
  ).addTo(map);
  const cluster = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 40 });
  cluster.addLayers(
    data.alerts.features.map(function (feature) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      return L.marker([lat, lon], { icon: Vigie.pinIcon(settings, p.family, p.follow_up), keyboard: false })
        .bindTooltip(Vigie.text(p.category_label + " · " + p.occurred_on));
    })
  );
  map.addLayer(cluster);
  const layers = {};
  layers[settings.layerLabels.neighbourhoods] = neighbourhoodLayer;
  layers[settings.layerLabels.sectors] = sectorLayer;
  layers[settings.layerLabels.alerts] = cluster;
  L.control.layers(null, layers).addTo(map);
  Vigie.legend(document.getElementById("legend"), settings);
  window.vigieMap = { map: map, markerCount: data.alerts.features.length };
})();
