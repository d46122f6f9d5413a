/* The police live map: sectors, alerts at their exact place, live updates by Server-Sent Events,
   filters, a keyboard-accessible list kept in sync, and follow-up changes. */
(function () {
  "use strict";
  const root = document.getElementById("police-live");
  const settings = Vigie.readJSON("map-settings");
  const words = settings.strings; // sentences in the page's language
  const statusLine = document.getElementById("live-status");
  const announcer = document.getElementById("live-announcer");
  const actionMessage = document.getElementById("action-message");
  const tbody = document.querySelector("#alert-list tbody");
  const rowTemplate = document.getElementById("row-template");
  const categorySelect = document.getElementById("filter-category");
  const followUpBoxes = Array.from(document.querySelectorAll('#filters input[name="follow_up"]'));
  const filterCount = document.getElementById("filter-count");

  const map = Vigie.baseMap("map", settings);
  const cluster = L.markerClusterGroup({ chunkedLoading: true, maxClusterRadius: 50, disableClusteringAtZoom: 18 });
  map.addLayer(cluster);
  Vigie.legend(document.getElementById("legend"), settings);

  const alerts = new Map(); // alert id -> {feature, marker, row}
  const live = {
    map: map,
    alerts: alerts,
    arrivals: [], // every event id as it came off the wire, duplicates included (there should be none)
    received: [], // event ids applied to the map, in order
    lastEventId: settings.sinceEventId,
    source: null,
    state: "connecting",
  };
  window.vigieLive = live;
  const seenEvents = new Set();

  function url(template, id) { return template.replace("{id}", String(id)); }

  /* Stream events are serialised once for every listening agent, whatever their language: the
     labels are taken from the page, which is in the agent's language, by code. */
  const categoryLabels = Object.fromEntries(settings.categories.map((c) => [c.code, c.label]));
  function localise(p) {
    p.category_label = categoryLabels[p.category] || p.category_label;
    p.follow_up_label = settings.followUpLabels[p.follow_up] || p.follow_up_label;
    p.family_label = settings.familyLabels[p.family] || p.family_label;
  }

  function setState(state, text) {
    live.state = state;
    statusLine.dataset.state = state;
    statusLine.textContent = text;
  }

  function matchesFilters(p) {
    const category = categorySelect.value;
    const followUps = followUpBoxes.filter((box) => box.checked).map((box) => box.value);
    return (!category || p.category === category) && followUps.includes(p.follow_up);
  }

  function popupContent(p) {
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = p.category_label;
    const meta = document.createElement("p");
    meta.textContent = Vigie.formatDateTime(p.published_at) + " · " + p.commune + " · " + p.follow_up_label;
    const text = document.createElement("p");
    text.textContent = p.description;
    box.append(title, meta, text);
    [["acknowledged", words.acknowledge], ["in_progress", words.inProgress], ["closed", words.close]].forEach(
      function ([value, label]) {
        if (value === p.follow_up) return;
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.addEventListener("click", () => changeFollowUp(p.id, value, ""));
        box.appendChild(button);
      }
    );
    return box;
  }

  function fillRow(row, p) {
    row.dataset.alertId = p.id;
    row.dataset.family = p.family;
    row.querySelector(".published").textContent = Vigie.formatDateTime(p.published_at);
    row.querySelector(".category").textContent = p.category_label;
    row.querySelector(".commune").textContent = p.commune;
    row.querySelector(".description").textContent = p.description;
    row.querySelector(".follow-up").textContent = p.follow_up_label;
  }

  function newRow(p) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.querySelector(".show-on-map").addEventListener("click", () => focusAlert(p.id));
    row.querySelector(".apply-follow-up").addEventListener("click", function () {
      changeFollowUp(p.id, row.querySelector(".follow-up-choice").value, row.querySelector(".outcome").value);
    });
    return row;
  }

  /* Insert or update one alert everywhere it shows: marker, popup, list row, filters. */
  function upsert(feature, { announce = false, bulk = false } = {}) {
    const p = feature.properties;
    p.id = feature.id; // GeoJSON keeps the id beside the properties
    localise(p);
    const [lon, lat] = feature.geometry.coordinates;
    let entry = alerts.get(p.id);
    if (!entry) {
      const marker = L.marker([lat, lon], { title: p.category_label, alt: p.category_label });
      marker.bindPopup(() => popupContent(alerts.get(p.id).feature.properties));
      entry = { feature: feature, marker: marker, row: newRow(p) };
      alerts.set(p.id, entry);
      tbody.prepend(entry.row);
    }
    entry.feature = feature;
    entry.marker.setLatLng([lat, lon]);
    entry.marker.setIcon(Vigie.pinIcon(settings, p.family, p.follow_up));
    fillRow(entry.row, p);
    if (bulk) entry.row.hidden = !matchesFilters(p);
    else applyFilter(entry);
    if (announce) announcer.textContent = Vigie.format(words.newAlert, { category: p.category_label, commune: p.commune });
    return entry;
  }

  function remove(alertId) {
    const entry = alerts.get(alertId);
    if (!entry) return;
    cluster.removeLayer(entry.marker);
    entry.row.remove();
    alerts.delete(alertId);
  }

  function applyFilter(entry) {
    const visible = matchesFilters(entry.feature.properties);
    entry.row.hidden = !visible;
    if (visible && !cluster.hasLayer(entry.marker)) cluster.addLayer(entry.marker);
    if (!visible && cluster.hasLayer(entry.marker)) cluster.removeLayer(entry.marker);
  }

  function refreshFilters() {
    const toAdd = [];
    const toRemove = [];
    alerts.forEach(function (entry) {
      const visible = matchesFilters(entry.feature.properties);
      entry.row.hidden = !visible;
      if (visible && !cluster.hasLayer(entry.marker)) toAdd.push(entry.marker);
      if (!visible && cluster.hasLayer(entry.marker)) toRemove.push(entry.marker);
    });
    cluster.removeLayers(toRemove);
    cluster.addLayers(toAdd);
    countVisible();
  }

  function countVisible() {
    let shown = 0;
    alerts.forEach((entry) => { if (!entry.row.hidden) shown += 1; });
    filterCount.textContent = Vigie.format(words.shown, { shown: shown, total: alerts.size });
  }

  function focusAlert(alertId) {
    const entry = alerts.get(alertId);
    if (!entry) return;
    cluster.zoomToShowLayer(entry.marker, () => entry.marker.openPopup());
    document.getElementById("map").scrollIntoView({ behavior: "smooth", block: "center" });
  }

  async function changeFollowUp(alertId, followUp, outcome) {
    actionMessage.textContent = "";
    let response;
    try {
      response = await fetch(url(root.dataset.followUpUrl, alertId), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": Vigie.csrfToken() },
        body: JSON.stringify({ follow_up: followUp, outcome: outcome }),
      });
    } catch (error) {
      actionMessage.textContent = words.networkError;
      return;
    }
    if (response.ok || response.status === 409) {
      const current = await fetch(url(root.dataset.alertUrl, alertId), { credentials: "same-origin" });
      if (current.ok) upsert(await current.json());
      const label = alerts.has(alertId) ? alerts.get(alertId).feature.properties.follow_up_label : "";
      actionMessage.textContent = Vigie.format(response.ok ? words.saved : words.conflict, { label: label });
      countVisible();
      return;
    }
    actionMessage.textContent = Vigie.format(words.error, { status: response.status });
  }

  function onEvent(message) {
    const eventId = Number(message.lastEventId);
    live.arrivals.push(eventId);
    if (seenEvents.has(eventId)) return; // belt and braces: the server already sends each id once
    seenEvents.add(eventId);
    live.received.push(eventId);
    live.lastEventId = Math.max(live.lastEventId, eventId);
    const payload = JSON.parse(message.data);
    if (payload.kind === "withdrawn") remove(payload.feature.id);
    else upsert(payload.feature, { announce: payload.kind === "published" });
    countVisible();
  }

  /* EventSource reconnects by itself after a network cut, sending Last-Event-ID; if the browser
     gives up (CLOSED), reopen from the last id seen. */
  function connect() {
    const source = new EventSource(root.dataset.streamUrl + "?since=" + live.lastEventId);
    live.source = source;
    source.addEventListener("alert", onEvent);
    source.onopen = () => setState("open", words.live);
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        setState("closed", words.retrying);
        setTimeout(() => { if (live.source === source) connect(); }, 3000);
      } else {
        setState("connecting", words.reconnecting);
      }
    };
  }
  live.disconnect = function () {
    if (live.source) live.source.close();
    live.source = null;
    setState("closed", words.cut);
  };
  live.connect = connect;

  async function start() {
    const [sectorsResponse, alertsResponse] = await Promise.all([
      fetch(root.dataset.sectorsUrl, { credentials: "same-origin" }),
      fetch(root.dataset.alertsUrl, { credentials: "same-origin" }),
    ]);
    const sectors = Vigie.zoneLayer(await sectorsResponse.json(), { color: "#6a1b9a", weight: 2, fillOpacity: 0.05 });
    sectors.addTo(map);
    const collection = await alertsResponse.json();
    const markers = [];
    collection.features.slice().reverse().forEach(function (feature) {
      const entry = upsert(feature, { bulk: true });
      if (!entry.row.hidden) markers.push(entry.marker);
    });
    cluster.addLayers(markers); // one chunked insertion: 2,000 markers without freezing the page
    if (sectors.getLayers().length) map.fitBounds(sectors.getBounds());
    countVisible();
    live.ready = true;
    connect();
  }

  categorySelect.addEventListener("change", refreshFilters);
  followUpBoxes.forEach((box) => box.addEventListener("change", refreshFilters));
  start();
})();
