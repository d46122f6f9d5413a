// The town hall draws the area of a message on a map of its commune: each click adds a corner, the
// polygon closes itself, and the GeoJSON field (the way without JavaScript) is filled and hidden.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("broadcast-map-config").textContent);
  var field = document.getElementById("id_area");
  var holder = document.getElementById("area-map");
  var commune = document.getElementById("id_commune");
  var target = document.getElementById("id_target");
  if (!window.L || !field || !holder) return;

  var section = document.getElementById("area-section");
  var status = document.getElementById("area-status");
  document.getElementById("area-drawing").hidden = false;
  document.getElementById("area-fallback").hidden = true;

  var map = L.map(holder);
  if (config.tiles) L.tileLayer(config.tiles, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  var outline = null;
  var neighbourhoods = null;
  var corners = []; // [L.LatLng]
  var drawn = L.layerGroup().addTo(map);

  function showCommune() {
    if (outline) map.removeLayer(outline);
    var chosen = config.communes.features.filter(function (feature) {
      return commune && String(feature.id) === commune.value;
    });
    outline = L.geoJSON(chosen.length ? chosen : config.communes, {
      interactive: false,
      style: { color: "#1a5fb4", weight: 3, fillOpacity: 0.04 },
    }).addTo(map);
    showNeighbourhoods(chosen.length ? chosen[0].id : null);
    if (outline.getBounds().isValid()) map.fitBounds(outline.getBounds());
    else map.setView([46.6, 2.4], 6);
  }

  function showNeighbourhoods(communeId) {
    // Outlines and names of the neighbourhoods, so an area can follow or avoid them.
    if (neighbourhoods) map.removeLayer(neighbourhoods);
    var features = (config.neighbourhoods || { features: [] }).features.filter(function (feature) {
      return communeId === null || feature.properties.commune === communeId;
    });
    neighbourhoods = L.geoJSON({ type: "FeatureCollection", features: features }, {
      interactive: false,
      style: { color: "#26a269", weight: 1.5, dashArray: "4 3", fillOpacity: 0 },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.name, { permanent: true, direction: "center", className: "zone-name" });
      },
    }).addTo(map);
  }

  function write() {
    drawn.clearLayers();
    corners.forEach(function (corner) {
      L.circleMarker(corner, { radius: 5, color: "#c01c28", fillOpacity: 1, interactive: false }).addTo(drawn);
    });
    if (corners.length >= 2) {
      L.polygon(corners, { color: "#c01c28", weight: 2, fillOpacity: 0.2, interactive: false }).addTo(drawn);
    }
    if (corners.length >= 3) {
      var ring = corners.map(function (c) { return [Number(c.lng.toFixed(6)), Number(c.lat.toFixed(6))]; });
      ring.push(ring[0]);
      field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    } else {
      field.value = "";
    }
    var missing = Math.max(0, 3 - corners.length);
    status.textContent = missing ? status.dataset.missing.replace("{n}", missing) : status.dataset.ready.replace("{n}", corners.length);
  }

  function read() {
    // A form sent back with an error keeps its area: draw it again.
    try {
      var geometry = JSON.parse(field.value);
      var ring = geometry.type === "Polygon" ? geometry.coordinates[0] : geometry.coordinates[0][0];
      corners = ring.slice(0, -1).map(function (p) { return L.latLng(p[1], p[0]); });
    } catch (error) {
      corners = [];
    }
  }

  function showForTarget() {
    // The map only matters when the message goes to a drawn area; it is measured again when shown.
    section.hidden = Boolean(target) && target.value !== "area";
    var neighbourhoods = document.getElementById("field-neighbourhoods");
    if (neighbourhoods && target) neighbourhoods.hidden = target.value !== "neighbourhoods";
    if (!section.hidden) {
      map.invalidateSize();
      showCommune();
    }
  }

  map.on("click", function (event) { corners.push(event.latlng); write(); });
  document.getElementById("area-undo").addEventListener("click", function () { corners.pop(); write(); });
  document.getElementById("area-clear").addEventListener("click", function () { corners = []; write(); });
  // An address chosen in "Chercher une adresse" (static/js/address-search.js) recentres the map on
  // a pin that clicks go through, so corners can still be placed on it.
  var search = document.getElementById("area-address");
  var found = null;
  if (search) {
    search.addEventListener("vigie:address", function (event) {
      var latlng = L.latLng(event.detail.lat, event.detail.lon);
      if (found) found.setLatLng(latlng);
      else found = L.marker(latlng, { interactive: false, keyboard: false }).addTo(map);
      map.setView(latlng, 17);
    });
  }
  if (commune) commune.addEventListener("change", showCommune);
  if (target) target.addEventListener("change", showForTarget);

  read();
  write();
  showCommune();
  showForTarget();
})();
