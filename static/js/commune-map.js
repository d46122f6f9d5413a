/* The town hall's commune map: boundary, neighbourhoods and sectors, generalised alerts. */
(function () {
  "use strict";
  const settings = Vigie.readJSON("map-settings");
  const data = Vigie.readJSON("map-data");
  const map = Vigie.baseMap("map", settings);
  const commune = Vigie.zoneLayer(data.commune, { color: "#0b2540", weight: 3, fillOpacity: 0.03 }).addTo(map);
  const neighbourhoods = { type: "FeatureCollection", features: data.zones.features.filter((f) => f.properties.kind === "neighbourhood") };
  const sectors = { type: "FeatureCollection", features: data.zones.features.filter((f) => f.properties.kind === "police_sector") };
  const neighbourhoodLayer = Vigie.zoneLayer(neighbourhoods, { color: "#1f3b73", weight: 2, fillOpacity: 0.06 }).addTo(map);
  const sectorLayer = Vigie.zoneLayer(sectors, { color: "#6a1b9a", weight: 2, dashArray: "6 4", fillOpacity: 0 }).addTo(map);
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
  map.fitBounds(commune.getBounds());
  Vigie.legend(document.getElementById("legend"), settings);
  window.vigieMap = { map: map, markerCount: data.alerts.features.length };
})();
