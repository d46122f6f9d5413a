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

  /* A boundary layer (communes, neighbourhoods, police sectors) from the app's vector tiles
     (/tiles/{collection}/, standards/), drawn by Leaflet.VectorGrid on canvas: the page embeds no
     GeoJSON, and the tiles are simplified to the zoom and shared by every reader's cache.
     `styleOf(properties)` gives a feature's style, or [] to leave it out. A feature's name shows
     on hover or tap. The zones' tiles start at zoom 9 (standards/vector_tiles.py): at zoom 8 the
     layer scales them, below it the layer rests. */
  Vigie.boundaryTiles = function (map, settings, collection, styleOf) {
    const zones = collection !== "communes";
    const layerStyles = {};
    layerStyles[collection] = styleOf;
    const layer = L.vectorGrid.protobuf(settings.zoneTiles[collection], {
      rendererFactory: L.canvas.tile,
      pane: "overlayPane",
      interactive: true,
      minZoom: zones ? 8 : 4,
      minNativeZoom: zones ? 9 : 4,
      maxNativeZoom: 16,
      vectorTileLayerStyles: layerStyles,
      getFeatureId: function (feature) { return feature.id; }, // keeps the drawn features, for their names
    });
    const tooltip = L.tooltip({ direction: "top" });
    layer.on("mouseover click", function (event) {
      const properties = event.layer && event.layer.properties;
      if (!properties || !properties.name) return;
      tooltip.setLatLng(event.latlng).setContent(Vigie.text(properties.name));
      map.openTooltip(tooltip);
    });
    layer.on("mouseout", function () { map.closeTooltip(tooltip); });
    layer.on("load", function () {
      const container = map.getContainer();
      container.dataset.tilesLoaded = String(Number(container.dataset.tilesLoaded || 0) + 1);
    });
    return layer;
  };

  /* A feature's key in settings.highlight: "commune code/zone name" for a zone, the code for a
     commune. Highlighted features get `style`, the others `otherStyle` ([] or absent: not drawn). */
  Vigie.highlighted = function (settings, style, otherStyle) {
    const keys = new Set(settings.highlight || []);
    return function (properties) {
      const key = properties.commune_code !== undefined ? properties.commune_code + "/" + properties.name : properties.code;
      return keys.has(key) ? style : otherStyle || [];
    };
  };

  /* [west, south, east, north] from the page's settings, as Leaflet's bounds. */
  Vigie.fitBox = function (map, box) {
    if (box) map.fitBounds([[box[1], box[0]], [box[3], box[2]]]);
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
