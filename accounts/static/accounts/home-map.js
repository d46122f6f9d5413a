// Help to place one's home: the communes that have joined are outlined and the map fits them (or the
// home already given); a click fills longitude and latitude. Typing them stays the other way.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("home-map-config").textContent);
  var lon = document.getElementById("id_lon");
  var lat = document.getElementById("id_lat");
  var holder = document.getElementById("home-map");
  if (!window.L || !holder || !lon || !lat) return;
  document.getElementById("home-map-tools").hidden = false;

  var map = L.map(holder);
  if (config.tiles) L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  var communes = L.geoJSON(config.communes, {
    interactive: false,
    style: { color: "#1a5fb4", weight: 3, fillOpacity: 0.05 },
  }).addTo(map);

  var chooser = document.getElementById("home-commune");
  config.communes.features.forEach(function (feature) {
    var option = document.createElement("option");
    option.value = feature.id;
    option.textContent = feature.properties.name;
    chooser.appendChild(option);
  });
  chooser.addEventListener("change", function () {
    communes.eachLayer(function (layer) {
      if (String(layer.feature.id) === chooser.value) map.fitBounds(layer.getBounds());
    });
  });

  function typed(input) {
    return parseFloat(input.value.replace(",", "."));
  }

  var marker = null;
  function place(latlng) {
    if (marker) marker.setLatLng(latlng);
    else marker = L.marker(latlng).addTo(map);
  }

  map.on("click", function (event) {
    lon.value = event.latlng.lng.toFixed(6);
    lat.value = event.latlng.lat.toFixed(6);
    place(event.latlng);
  });
  [lon, lat].forEach(function (input) {
    input.addEventListener("change", function () {
      var x = typed(lon), y = typed(lat);
      if (isFinite(x) && isFinite(y) && Math.abs(y) <= 90) {
        place([y, x]);
        map.setView([y, x], Math.max(map.getZoom(), 16));
      }
    });
  });

  var x = typed(lon), y = typed(lat);
  if (isFinite(x) && isFinite(y) && Math.abs(y) <= 90) {
    place([y, x]);
    map.setView([y, x], 16);
  } else if (communes.getBounds().isValid()) {
    map.fitBounds(communes.getBounds());
  } else {
    map.setView([46.6, 2.4], 6);
  }
})();
