// Boundary editor for the admin: a MultiPolygon kept as GeoJSON in the form's textarea, drawn and
// edited on a Leaflet map. Vertex handles are shown only for boundaries small enough to edit by hand.
(function () {
  "use strict";
  var MAX_HANDLES = 600;

  function setup(root) {
    var textarea = root.querySelector("textarea");
    var map = L.map(root.querySelector(".boundary-editor-map"));
    if (root.dataset.tileUrl) {
      L.tileLayer(root.dataset.tileUrl, { attribution: root.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
    }
    var rings = []; // [[ [lat, lng], ... ], ...]: outer rings and holes, grouped per polygon below
    var polygons = []; // [[ringIndex, ...], ...]
    var layer = L.layerGroup().addTo(map);
    var drawing = null;

    function read() {
      rings = []; polygons = [];
      if (!textarea.value.trim()) return;
      var geometry;
      try { geometry = JSON.parse(textarea.value); } catch (e) { return; }
      var coordinates = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates || [];
      coordinates.forEach(function (polygon) {
        polygons.push(polygon.map(function (ring) {
          rings.push(ring.slice(0, -1).map(function (p) { return [p[1], p[0]]; }));
          return rings.length - 1;
        }));
      });
    }

    function write() {
      var coordinates = polygons.map(function (polygon) {
        return polygon.map(function (index) {
          var ring = rings[index].map(function (p) { return [p[1], p[0]]; });
          return ring.concat([ring[0]]);
        });
      }).filter(function (polygon) { return polygon[0].length >= 4; });
      textarea.value = coordinates.length ? JSON.stringify({ type: "MultiPolygon", coordinates: coordinates }) : "";
    }

    function render() {
      layer.clearLayers();
      var total = rings.reduce(function (n, ring) { return n + ring.length; }, 0);
      polygons.forEach(function (polygon) {
        L.polygon(polygon.map(function (i) { return rings[i]; }), { color: "#1d4ed8", weight: 2 }).addTo(layer);
      });
      if (total > MAX_HANDLES) return;
      rings.forEach(function (ring) {
        ring.forEach(function (vertex, position) {
          var handle = L.marker(vertex, {
            draggable: true,
            icon: L.divIcon({ className: "", html: '<div style="width:10px;height:10px;background:#fff;border:2px solid #1d4ed8;border-radius:50%;margin:-2px"></div>' }),
          }).addTo(layer);
          handle.on("dragend", function () {
            var at = handle.getLatLng(); ring[position] = [at.lat, at.lng]; write(); render();
          });
          handle.on("click", function (event) {
            if (event.originalEvent.shiftKey && ring.length > 3) { ring.splice(position, 1); write(); render(); }
          });
        });
      });
    }

    function fit() {
      var all = [].concat.apply([], rings);
      if (all.length) map.fitBounds(all); else map.setView([46.6, 2.4], 6);
    }

    root.querySelector('[data-action="draw"]').addEventListener("click", function () {
      drawing = [];
      rings.push(drawing); polygons.push([rings.length - 1]);
      root.querySelector('[data-action="finish"]').hidden = false;
    });
    root.querySelector('[data-action="finish"]').addEventListener("click", function () {
      drawing = null; root.querySelector('[data-action="finish"]').hidden = true; write(); render();
    });
    root.querySelector('[data-action="clear"]').addEventListener("click", function () {
      rings = []; polygons = []; drawing = null; write(); render();
    });
    map.on("click", function (event) {
      if (!drawing) return;
      drawing.push([event.latlng.lat, event.latlng.lng]); render();
    });
    textarea.addEventListener("change", function () { read(); render(); fit(); });

    read(); render(); fit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".boundary-editor").forEach(setup);
  });
})();
