// The verifier's map: the address found for what the resident typed (blue) and the point they
// clicked (red), joined by a line, both in view.
(function () {
  "use strict";
  var holder = document.getElementById("address-check-map");
  if (!window.L || !holder) return;
  var config = JSON.parse(document.getElementById("address-check-config").textContent);
  var map = L.map(holder);
  if (config.tiles) L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  var home = L.latLng(config.home[1], config.home[0]);
  var points = [home];
  L.circleMarker(home, { color: "#c01c28", radius: 8 }).addTo(map).bindTooltip(config.homeLabel);
  if (config.found) {
    var found = L.latLng(config.found[1], config.found[0]);
    points.push(found);
    L.circleMarker(found, { color: "#1a5fb4", radius: 8 }).addTo(map).bindTooltip(config.foundLabel);
    L.polyline(points, { color: "#333", dashArray: "4 4", weight: 2 }).addTo(map);
  }
  map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 18 });
})();
