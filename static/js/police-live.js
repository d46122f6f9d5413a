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

  /* The follow-up controls of one alert, the same in its popup and in its list row: only the steps
     the server's state machine allows now (`follow_up_moves`), closing asks for the outcome in
     place, assignment to an agent of the service, internal notes. */
  const moveLabels = { acknowledged: words.acknowledge, in_progress: words.inProgress, closed: words.close };

  function element(tag, props, children) {
    const node = Object.assign(document.createElement(tag), props || {});
    (children || []).forEach((child) => node.append(child));
    return node;
  }

  /* A popup whose content grew (the outcome box opened) is laid out and panned into view again;
     Leaflet only does so when it opens. */
  function refitPopup(alertId) {
    const entry = alerts.get(alertId);
    const popup = entry && entry.marker.getPopup();
    if (!popup || !popup.isOpen()) return;
    popup._updateLayout();
    popup._updatePosition();
    popup._adjustPan();
  }

  function followUpControls(p) {
    const box = element("div", { className: "follow-up-controls" });
    const message = element("p", { className: "action-message widget-message", role: "status" });
    const moves = p.follow_up_moves || [];
    const buttons = element("div", { className: "follow-up-moves" });
    const outcome = element("textarea", { className: "outcome", required: true, maxLength: 2000, rows: 2 });
    const closeForm = element("form", { className: "close-form", hidden: true }, [
      element("label", {}, [element("span", { textContent: words.outcomeLabel }), outcome]),
      element("button", { type: "submit", className: "confirm-close", textContent: words.confirmClose }),
      element("button", { type: "button", className: "cancel-close", textContent: words.cancel }),
    ]);
    moves.forEach(function (value) {
      const button = element("button", { type: "button", className: "move move-" + value, textContent: moveLabels[value] });
      button.dataset.move = value;
      button.addEventListener("click", function () {
        if (value === "closed") {
          closeForm.hidden = false;
          refitPopup(p.id);
          outcome.focus();
        } else {
          changeFollowUp(p, value, "", message);
        }
      });
      buttons.append(button);
    });
    if (!moves.length) buttons.append(element("span", { textContent: words.noMove }));
    closeForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!outcome.value.trim()) {
        message.textContent = words.outcomeRequired;
        outcome.focus();
        return;
      }
      changeFollowUp(p, "closed", outcome.value, message);
    });
    closeForm.querySelector(".cancel-close").addEventListener("click", () => { closeForm.hidden = true; });
    box.append(buttons, closeForm, assignControl(p, message), notesControl(p, message), message);
    return box;
  }

  function assignControl(p, message) {
    const select = element("select", { className: "assignee" }, [element("option", { value: "", textContent: words.nobody })]);
    settings.agents.forEach(function (agent) {
      select.append(element("option", { value: String(agent.id), textContent: agent.name }));
    });
    select.value = p.assigned_to ? String(p.assigned_to) : "";
    select.disabled = !(p.follow_up_moves || []).length;
    select.addEventListener("change", function () {
      send(p.id, root.dataset.assignUrl, { assignee: select.value ? Number(select.value) : null }, message);
    });
    return element("label", { className: "assign" }, [element("span", { textContent: words.assignedTo }), select]);
  }

  function notesControl(p, message) {
    const list = element("ol", { className: "notes" });
    const text = element("textarea", { className: "note-text", required: true, maxLength: 2000, rows: 2 });
    const form = element("form", { className: "note-form" }, [
      element("label", {}, [element("span", { className: "visually-hidden", textContent: words.noteLabel }), text]),
      element("button", { type: "submit", textContent: words.addNote }),
    ]);
    const details = element("details", { className: "internal-notes" }, [
      element("summary", { textContent: words.notes }), list, form,
    ]);
    async function load() {
      const response = await fetch(url(root.dataset.notesUrl, p.id), { credentials: "same-origin" });
      if (!response.ok) { message.textContent = await serverMessage(response); return; }
      list.replaceChildren(...(await response.json()).map(function (note) {
        return element("li", { textContent: Vigie.formatDateTime(note.created_at) + " · " + note.author + " : " + note.text });
      }));
    }
    details.addEventListener("toggle", () => { if (details.open) load(); });
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (await send(p.id, root.dataset.notesUrl, { text: text.value }, message, { refresh: false })) {
        text.value = "";
        load();
      }
    });
    return details;
  }

  function popupContent(p) {
    const box = document.createElement("div");
    const title = document.createElement("strong");
    title.textContent = p.category_label;
    const meta = document.createElement("p");
    meta.textContent = Vigie.formatDateTime(p.published_at) + " · " + p.commune + " · " + p.follow_up_label;
    const text = document.createElement("p");
    text.textContent = p.description;
    const details = document.createElement("p");
    const seen = p.confirmations ? words.seenToo.replace("{n}", p.confirmations) : "";
    details.textContent = [p.details, seen].filter(Boolean).join(" · ");
    box.append(title, meta, text, details, followUpControls(p));
    return box;
  }

  function fillRow(row, p) {
    row.dataset.alertId = p.id;
    row.dataset.family = p.family;
    row.querySelector(".published").textContent = Vigie.formatDateTime(p.published_at);
    row.querySelector(".category").textContent = p.category_label;
    row.querySelector(".commune").textContent = p.commune;
    row.querySelector(".description").textContent = [p.description, p.details].filter(Boolean).join(" — ");
    row.querySelector(".follow-up").textContent = p.follow_up_label;
    row.querySelector(".controls").replaceChildren(followUpControls(p));
  }

  function newRow(p) {
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.querySelector(".show-on-map").addEventListener("click", () => focusAlert(p.id));
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
      marker.bindPopup(() => popupContent(alerts.get(p.id).feature.properties), {
        maxHeight: Math.round(map.getSize().y * 0.85),
        autoPanPadding: [10, 10],
      });
      entry = { feature: feature, marker: marker, row: newRow(p) };
      alerts.set(p.id, entry);
      tbody.prepend(entry.row);
    }
    entry.feature = feature;
    entry.marker.setLatLng([lat, lon]);
    entry.marker.setIcon(Vigie.pinIcon(settings, p.family, p.follow_up));
    fillRow(entry.row, p);
    if (entry.marker.isPopupOpen()) entry.marker.getPopup().update();
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

  /* On a phone the map and the list take the screen in turn, chosen with one thumb; on a wide
     screen both stay in view and the switch is hidden (vigie.css). */
  const viewSwitch = document.getElementById("view-switch");
  function showView(view) {
    root.dataset.view = view;
    viewSwitch.querySelectorAll("button[data-view]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.view === view));
    });
    if (view === "map") map.invalidateSize();
  }
  viewSwitch.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-view]");
    if (button) showView(button.dataset.view);
  });
  viewSwitch.hidden = false;
  root.dataset.view = "map";
  live.showView = showView;

  function focusAlert(alertId) {
    const entry = alerts.get(alertId);
    if (!entry) return;
    showView("map");
    cluster.zoomToShowLayer(entry.marker, () => entry.marker.openPopup());
    document.getElementById("map").scrollIntoView({ behavior: "smooth", block: "center" });
  }

  /* The server's own words for a refusal: its `detail`, else the first message of each field. */
  async function serverMessage(response) {
    let body = null;
    try { body = await response.json(); } catch (error) { body = null; }
    if (body && typeof body.detail === "string") return body.detail;
    if (body && typeof body === "object") {
      const messages = Object.values(body).flat().filter((value) => typeof value === "string");
      if (messages.length) return messages.join(" ");
    }
    return Vigie.format(words.error, { status: response.status });
  }

  function say(text, message) {
    actionMessage.textContent = text;
    if (message) message.textContent = text;
  }

  /* POST to one of the alert's endpoints; after the answer (refusals included) re-read the alert so
     the controls show what the server now allows. */
  async function send(alertId, template, body, message, { refresh = true } = {}) {
    say("", message);
    let response;
    try {
      response = await fetch(url(template, alertId), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": Vigie.csrfToken() },
        body: JSON.stringify(body),
      });
    } catch (error) {
      say(words.networkError, message);
      return false;
    }
    const refusal = response.ok ? "" : await serverMessage(response);
    if (refresh && (response.ok || response.status === 409)) await reload(alertId);
    const entry = alerts.get(alertId);
    const label = entry ? entry.feature.properties.follow_up_label : "";
    say(response.ok ? Vigie.format(words.saved, { label: label }) : refusal, message);
    return response.ok;
  }

  async function reload(alertId) {
    const current = await fetch(url(root.dataset.alertUrl, alertId), { credentials: "same-origin" });
    if (!current.ok) return;
    const entry = upsert(await current.json());
    countVisible();
  }

  function changeFollowUp(p, followUp, outcome, message) {
    return send(p.id, root.dataset.followUpUrl, { follow_up: followUp, outcome: outcome, seen: p.follow_up }, message);
  }

  /* A sound and a badge for each new alert while the page is in the background; the agent switches
     them off (remembered on this device). */
  const notify = document.getElementById("notify-new");
  const badge = document.getElementById("new-badge");
  const pageTitle = document.title;
  let unseen = 0;
  notify.checked = localStorage.getItem("vigie.notifyNew") !== "off";
  notify.addEventListener("change", () => localStorage.setItem("vigie.notifyNew", notify.checked ? "on" : "off"));
  function signalNewAlert() {
    if (!notify.checked) return;
    unseen += 1;
    badge.textContent = String(unseen);
    badge.hidden = false;
    document.title = "(" + unseen + ") " + pageTitle;
    live.sounds = (live.sounds || 0) + 1;
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.2);
    } catch (error) { /* no sound device: the badge still shows */ }
  }
  function clearBadge() {
    unseen = 0;
    badge.hidden = true;
    document.title = pageTitle;
  }
  badge.addEventListener("click", clearBadge);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) clearBadge(); });

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
    if (payload.kind === "published") signalNewAlert();
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
    // The sectors come from the vector tiles (the neighbouring ones faintly); the alerts stay one
    // GeoJSON answer, then the event stream: they change by the minute and carry the follow-up.
    Vigie.fitBox(map, settings.fitBounds);
    live.sectors = Vigie.boundaryTiles(
      map,
      settings,
      "police_sectors",
      Vigie.highlighted(
        settings,
        { color: "#6a1b9a", weight: 2, fill: true, fillColor: "#6a1b9a", fillOpacity: 0.05 },
        { color: "#6b7280", weight: 1, fill: false }
      )
    ).addTo(map);
    const alertsResponse = await fetch(root.dataset.alertsUrl, { credentials: "same-origin" });
    const collection = await alertsResponse.json();
    const markers = [];
    collection.features.slice().reverse().forEach(function (feature) {
      const entry = upsert(feature, { bulk: true });
      if (!entry.row.hidden) markers.push(entry.marker);
    });
    cluster.addLayers(markers); // one chunked insertion: 2,000 markers without freezing the page
    countVisible();
    live.ready = true;
    connect();
  }

  /* Tranquillité Vacances: today's round, numbered in its order, as a layer the agent can hide. */
  async function roundLayer() {
    const response = await fetch(root.dataset.roundUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const layer = L.layerGroup();
    (await response.json()).features.forEach(function (feature) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      const classes = "round-number tier-" + p.tier + (p.visited ? " visited" : "");
      const marker = L.marker([lat, lon], {
        icon: L.divIcon({ className: classes, html: String(p.rank), iconSize: [22, 22] }),
        title: p.address,
        zIndexOffset: -1000,
      });
      marker.bindPopup(function () {
        const box = document.createElement("div");
        const title = document.createElement("strong");
        title.textContent = p.rank + ". " + p.address + " · " + p.commune;
        const link = document.createElement("a");
        link.href = root.dataset.roundPageUrl;
        link.textContent = words.roundPage;
        box.append(title, document.createElement("br"), link);
        return box;
      });
      layer.addLayer(marker);
    });
    layer.addTo(map);
    // Folded on a phone, where it would cover the popups.
    L.control.layers(null, { [words.roundLayer]: layer }, { collapsed: window.innerWidth < 600 }).addTo(map);
    live.roundLayer = layer;
  }

  categorySelect.addEventListener("change", refreshFilters);
  followUpBoxes.forEach((box) => box.addEventListener("change", refreshFilters));
  start();
  roundLayer();
})();
