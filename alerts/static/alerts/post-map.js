// Optional help for the posting form: click the map to fill longitude and latitude. The text
// fields stay the way to enter a place with the keyboard or without JavaScript.
(function () {
  var holder = document.getElementById("carte-lieu");
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var lon = document.getElementById("id_lon");
  var lat = document.getElementById("id_lat");
  if (!holder || !window.L || !lon || !lat) return;
  holder.hidden = false;
  var extent = config.extent; // [xmin, ymin, xmax, ymax]
  var map = L.map(holder).fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
  if (config.tiles) L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  if (config.boundary) {
    L.geoJSON(config.boundary, { interactive: false, style: { color: "#1a5fb4", weight: 2, fillOpacity: 0.05 } }).addTo(map);
  }
  var marker = null;
  function place(latlng) {
    if (marker) marker.setLatLng(latlng); else marker = L.marker(latlng).addTo(map);
  }
  map.on("click", function (event) {
    lon.value = event.latlng.lng.toFixed(6);
    lat.value = event.latlng.lat.toFixed(6);
    place(event.latlng);
    lat.dispatchEvent(new Event("change", { bubbles: true })); // the duplicate check listens
  });
  var x = parseFloat(lon.value.replace(",", ".")), y = parseFloat(lat.value.replace(",", "."));
  if (isFinite(x) && isFinite(y) && Math.abs(y) <= 90) place([y, x]);
})();
