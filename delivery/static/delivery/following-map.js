// The page of followed places: a small map to choose a place's centre (a tap, or an address from the
// combobox) with its circle drawn at the chosen radius, the circles already followed in grey, and
// "près de moi", which asks the phone for its position only when the resident presses the button.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("following-map-config").textContent);

  function nearMe() {
    var form = document.getElementById("near-me-form");
    if (!form) return;
    var button = document.getElementById("near-me-start");
    var status = document.getElementById("near-me-status");
    form.addEventListener("submit", function (event) {
      if (form.elements.lon.value && form.elements.lat.value) return; // the position is in: send it
      event.preventDefault();
      if (!navigator.geolocation) {
        status.textContent = button.dataset.unsupported;
        return;
      }
      status.textContent = button.dataset.searching;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lon.value = position.coords.longitude.toFixed(6);
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.submit();
        },
        function (error) {
          status.textContent = error.code === 1 ? button.dataset.denied : button.dataset.unavailable;
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
      );
    });
  }

  function placeMap() {
    var form = document.getElementById("place-form");
    var holder = document.getElementById("place-map");
    if (!window.L || !form || !holder) return;
    document.getElementById("place-map-block").hidden = false;
    var lon = form.elements.lon;
    var lat = form.elements.lat;
    var radius = form.elements.radius_m;
    var status = document.getElementById("place-status");
    var map = L.map(holder);
    if (config.tiles) L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    map.fitBounds(config.bounds);
    config.places.forEach(function (place) {
      L.circle([place.lat, place.lon], { radius: place.radius, color: "#5e5c64", weight: 1, fillOpacity: 0.1, interactive: false })
        .bindTooltip(place.label).addTo(map);
    });
    var chosen = null;

    function draw() {
      if (chosen) map.removeLayer(chosen);
      chosen = null;
      if (!lon.value || !lat.value) return;
      chosen = L.circle([Number(lat.value), Number(lon.value)], { radius: Number(radius.value), color: "#c01c28", weight: 2, fillOpacity: 0.15, interactive: false }).addTo(map);
    }

    function choose(latlng, zoom) {
      lon.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      draw();
      status.textContent = status.dataset.chosen;
      if (zoom) map.setView(latlng, 16);
    }

    map.on("click", function (event) { choose(event.latlng, false); });
    radius.addEventListener("change", draw);
    document.getElementById("place-address").addEventListener("vigie:address", function (event) {
      choose(L.latLng(event.detail.lat, event.detail.lon), true);
    });
    draw();
    if (chosen) map.fitBounds(chosen.getBounds());
  }

  nearMe();
  placeMap();
})();
