// Help to place one's home: the communes that have joined are outlined and the map fits them (or the
// home already given); a click fills longitude and latitude. Typing them stays the other way.
// With many joined communes the page carries none: the outlines of those in view are fetched from
// the geography API once the map is zoomed in far enough to hold a few hundred of them.
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
  if (config.communes) {
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
  } else {
    chooser.closest("p").hidden = true;
    var shown = {};
    var loadInView = function () {
      if (map.getZoom() < 10) return;
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
      var url = config.communes_url + "?joined=true&simplify=10&page_size=500&in_bbox=" + bbox.join(",");
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { features: [] }; })
        .then(function (collection) {
          collection.features.forEach(function (feature) {
            if (shown[feature.id]) return;
            shown[feature.id] = true;
            communes.addData(feature);
          });
        })
        .catch(function () {});
    };
    map.on("moveend", loadInView);
  }

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

  // A suggestion chosen in the address field (static/js/address-search.js) places the home.
  var address = document.getElementById("id_address");
  if (address) {
    address.addEventListener("vigie:address", function (event) {
      lon.value = event.detail.lon.toFixed(6);
      lat.value = event.detail.lat.toFixed(6);
      place([event.detail.lat, event.detail.lon]);
      map.setView([event.detail.lat, event.detail.lon], 18);
    });
  }

  var x = typed(lon), y = typed(lat);
  if (isFinite(x) && isFinite(y) && Math.abs(y) <= 90) {
    place([y, x]);
    map.setView([y, x], 16);
  } else if (config.communes && communes.getBounds().isValid()) {
    map.fitBounds(communes.getBounds());
  } else {
    map.setView([46.6, 2.4], 6);
  }
})();
