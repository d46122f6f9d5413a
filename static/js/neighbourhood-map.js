/* The resident's neighbourhood map: the neighbourhood's outline from the vector tiles (the
   commune's when the home lies in no neighbourhood), the other neighbourhoods faintly, and the
   recent alerts at the centre of their grid cells, the same ones as the list under the map. */
(function () {
  "use strict";
  const settings = Vigie.readJSON("map-settings");
  const alerts = Vigie.readJSON("map-alerts");
  const map = Vigie.baseMap("map", settings);
  Vigie.fitBox(map, settings.fitBounds);
  const area = Vigie.boundaryTiles(
    map,
    settings,
    Object.keys(settings.zoneTiles)[0],
    Vigie.highlighted(
      settings,
      { color: "#1f3b73", weight: 2, fill: true, fillColor: "#1f3b73", fillOpacity: 0.06 },
      { color: "#6b7280", weight: 1, fill: false }
    )
  ).addTo(map);
  alerts.forEach(function (alert) {
    L.circleMarker([alert.lat, alert.lon], {
      radius: 9,
      color: "#222",
      weight: 1,
      fill: true,
      fillColor: settings.familyColours[alert.family] || "#555",
      fillOpacity: 0.9,
    })
      .bindTooltip(Vigie.text(alert.label))
      .addTo(map);
  });
  Vigie.legend(document.getElementById("legend"), settings);
  window.vigieMap = { map: map, markerCount: alerts.length, area: area };
})();
