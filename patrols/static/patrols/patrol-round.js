/* The agent's round on the phone: the stops on a map in round order, and recording a visit from the
   phone's position (the server checks the distance to the home). */
(function () {
  "use strict";
  const root = document.getElementById("patrol-round");
  const words = Vigie.readJSON("round-settings").strings;
  const message = document.getElementById("round-message");
  const stops = Array.from(document.querySelectorAll(".round-stop"));
  const settings = Vigie.readJSON("round-settings");
  const map = Vigie.baseMap("round-map", settings);
  const markers = new Map();
  const path = [];
  stops.forEach(function (stop) {
    const point = [Number(stop.dataset.lat), Number(stop.dataset.lon)];
    const classes = ["round-number", stop.className.match(/tier-\d/)[0]];
    if (stop.classList.contains("visited")) classes.push("visited");
    const marker = L.marker(point, {
      icon: L.divIcon({ className: classes.join(" "), html: stop.dataset.rank, iconSize: [22, 22] }),
      title: stop.querySelector(".stop-address").textContent,
    }).addTo(map);
    marker.bindTooltip(Vigie.text(stop.dataset.rank + ". " + stop.querySelector(".stop-address").textContent));
    marker.on("click", () => stop.scrollIntoView({ behavior: "smooth", block: "center" }));
    markers.set(stop.dataset.absenceId, marker);
    path.push(point);
  });
  if (path.length) {
    L.polyline(path, { color: "#263238", weight: 2, dashArray: "4 6" }).addTo(map);
    map.fitBounds(L.latLngBounds(path).pad(0.1));
  }

  function position() {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) { reject(new Error("no geolocation")); return; }
      navigator.geolocation.getCurrentPosition(resolve, reject, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
    });
  }

  async function serverMessage(response) {
    try {
      const body = await response.json();
      if (typeof body.detail === "string") return body.detail;
      const found = Object.values(body).flat().filter((value) => typeof value === "string");
      if (found.length) return found.join(" ");
    } catch (error) { /* not JSON */ }
    return Vigie.format(words.error, { status: response.status });
  }

  async function recordVisit(stop, form) {
    const out = form.querySelector(".visit-message");
    out.textContent = "";
    let where;
    try { where = await position(); } catch (error) { out.textContent = words.noPosition; return; }
    const data = new FormData(form);
    const response = await fetch(root.dataset.visitUrl.replace("{id}", stop.dataset.absenceId), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": Vigie.csrfToken() },
      body: JSON.stringify({
        lon: where.coords.longitude,
        lat: where.coords.latitude,
        observation: data.get("observation"),
        anomaly: data.get("anomaly") || "",
      }),
    });
    if (!response.ok) { out.textContent = await serverMessage(response); return; }
    out.textContent = response.status === 201 ? words.saved : words.again;
    message.textContent = out.textContent;
    stop.classList.add("visited");
    stop.querySelector(".stop-visited").hidden = false;
    const icon = markers.get(stop.dataset.absenceId).getElement();
    if (icon) icon.classList.add("visited");
  }

  stops.forEach(function (stop) {
    const form = stop.querySelector(".visit-form");
    if (!form) return;
    const anomaly = form.querySelector(".anomaly-label");
    form.addEventListener("change", function () {
      anomaly.hidden = new FormData(form).get("observation") !== "anomaly";
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      recordVisit(stop, form);
    });
  });
  window.vigieRound = { map: map, markers: markers };
})();
