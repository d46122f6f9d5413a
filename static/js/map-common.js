/* Shared pieces of Vigie's Leaflet pages: base map, colours, pins, CSRF. Plain JS, no build. */
(function () {
  "use strict";
  const Vigie = (window.Vigie = window.Vigie || {});

  Vigie.readJSON = function (id) {
    return JSON.parse(document.getElementById(id).textContent);
  };

  /* A map whose tiles come from the MAPS_TILE_URL setting. Boundaries and markers are drawn by
     Leaflet itself, so they show even when no tile loads (no network). */
  Vigie.baseMap = function (element, settings) {
    const map = L.map(element, { preferCanvas: true, zoomControl: true });
    L.tileLayer(settings.tileUrl, { attribution: settings.tileAttribution, maxZoom: 19 }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    map.setView([46.6, 2.4], 6);
    return map;
  };

  /* One canvas renderer for all polygons: thousands of vertices stay cheap to pan and zoom. */
  Vigie.zoneLayer = function (collection, style) {
    return L.geoJSON(collection, {
      renderer: L.canvas({ padding: 0.5 }),
      style: function () { return style; },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(Vigie.text(feature.properties.name || ""), { sticky: true });
      },
    });
  };

  /* Leaflet reads a string given to bindTooltip/bindPopup as HTML: names and labels an admin
     typed go in as a text node, shown as typed and never run. */
  Vigie.text = function (value) {
    return function () {
      return document.createTextNode(String(value));
    };
  };

  Vigie.pinIcon = function (settings, family, followUp) {
    const colour = settings.familyColours[family] || "#555";
    return L.divIcon({
      className: "vigie-pin follow-up-" + followUp,
      html: '<span style="background:' + colour + '"></span>',
      iconSize: [22, 22],
      iconAnchor: [11, 11],
    });
  };

  Vigie.legend = function (element, settings) {
    element.innerHTML = "";
    Object.keys(settings.familyColours).forEach(function (family) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = settings.familyColours[family];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(settings.familyLabels[family] || family));
      element.appendChild(item);
    });
  };

  Vigie.csrfToken = function () {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  };

  /* "Suivi enregistré : {label}." with {label} filled in: translated sentences keep their word order. */
  Vigie.format = function (template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  };
})();
