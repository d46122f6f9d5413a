// A small map beside each pending alert: its point, and the outline of the author's home
// neighbourhood (never the home), so the moderator can judge whether the place is plausible.
(function () {
  if (!window.L) return;
  var tiles = JSON.parse(document.getElementById("moderation-tiles").textContent);
  Array.prototype.forEach.call(document.querySelectorAll(".moderation-map[data-map]"), function (holder) {
    var config = JSON.parse(document.getElementById("carte-alerte-" + holder.dataset.map).textContent);
    holder.hidden = false;
    var point = [config.point[1], config.point[0]];
    var map = L.map(holder, { scrollWheelZoom: false }).setView(point, 15);
    if (tiles.url) L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 19 }).addTo(map);
    L.circleMarker(point, { radius: 7, color: "#b00020", fillOpacity: 0.8 }).addTo(map);
    if (config.neighbourhood) {
      var outline = L.geoJSON(config.neighbourhood, {
        interactive: false,
        style: { color: "#1a5fb4", weight: 2, fillOpacity: 0.08 },
      }).addTo(map);
      map.fitBounds(outline.getBounds().extend(point), { padding: [12, 12], maxZoom: 16 });
    }
  });
})();
