// Optional help for the posting form: tap the map, or ask for the phone's position, to fill
// longitude and latitude. The text fields stay the way to enter a place with the keyboard or
// without JavaScript.
(function () {
  // A refused form: its summary of every error takes the focus (autofocus does it without script).
  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) summary.focus();

  var block = document.getElementById("post-map-block");
  var holder = document.getElementById("carte-lieu");
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var lon = document.getElementById("id_lon");
  var lat = document.getElementById("id_lat");
  if (!block || !holder || !window.L || !lon || !lat) return;
  block.hidden = false;
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
  // Under the map, the address near the point in general words ("près du 12 rue des Halles").
  var near = document.getElementById("lieu-pres");
  var nearAsked = 0;
  function describe(latlng) {
    if (!near) return;
    var ticket = ++nearAsked;
    var url = near.dataset.url + "?lon=" + latlng.lng.toFixed(6) + "&lat=" + latlng.lat.toFixed(6);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { near: null }; })
      .then(function (answer) {
        if (ticket !== nearAsked) return;
        near.textContent = answer.near ? near.dataset.near.replace("{near}", answer.near) : near.dataset.nowhere;
      })
      .catch(function () {});
  }
  function fill(latlng) {
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    place(latlng);
    describe(latlng);
    lat.dispatchEvent(new Event("change", { bubbles: true })); // the duplicate check listens
  }
  // An address chosen in "Chercher une adresse" (static/js/address-search.js) moves the map there.
  var search = document.getElementById("lieu-adresse");
  if (search) {
    search.addEventListener("vigie:address", function (event) {
      var latlng = L.latLng(event.detail.lat, event.detail.lon);
      fill(latlng);
      map.setView(latlng, 18);
    });
  }
  map.on("click", function (event) { fill(event.latlng); });
  var x = parseFloat(lon.value.replace(",", ".")), y = parseFloat(lat.value.replace(",", "."));
  if (isFinite(x) && isFinite(y) && Math.abs(y) <= 90) place([y, x]);

  // "Use my position": the Geolocation API, with a sentence for each way it can fail.
  var button = document.getElementById("use-position");
  var message = document.getElementById("position-message");
  function say(key, accuracy) {
    message.textContent = button.dataset[key].replace("{accuracy}", accuracy);
    message.dataset.state = key;
  }
  button.addEventListener("click", function () {
    if (!("geolocation" in navigator)) { say("unsupported"); return; }
    say("searching");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var latlng = L.latLng(position.coords.latitude, position.coords.longitude);
        fill(latlng);
        map.setView(latlng, 17);
        say("found", Math.round(position.coords.accuracy));
      },
      function (error) { say(error.code === error.PERMISSION_DENIED ? "denied" : "unavailable"); },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  });
})();
