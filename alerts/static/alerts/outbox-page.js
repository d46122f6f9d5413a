/* The author's side of the outbox (static/js/outbox.js): on the posting page, a form sent without a
   network is kept on the phone instead of being lost; on this page and on "Mes alertes", the alerts
   waiting to be sent are listed ("en attente d'envoi"), sent when the network returns, and their
   result shown. Only the signed-in person's alerts are listed and sent (static/js/outbox.js): on a
   shared phone another person's stay kept, unseen, until they sign in again. */
(function () {
  "use strict";
  const box = document.getElementById("outbox");
  if (!box || !window.indexedDB || !window.VigieOutbox) return;
  const words = box.dataset;
  const form = document.querySelector("form[data-outbox]");
  const list = box.querySelector("ul");
  const me = (document.querySelector('meta[name="vigie-user"]') || {}).content || "";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function when(iso) {
    return window.Vigie.formatDateTime(iso);
  }

  function errorsText(errors) {
    return Object.keys(errors || {}).map(function (field) {
      return [].concat(errors[field]).join(" ");
    }).join(" ");
  }

  function item(entry) {
    const li = document.createElement("li");
    li.className = "outbox-" + entry.state;
    const text = document.createElement("span");
    const composed = words.composed.replace("{when}", when(entry.composed_at));
    if (entry.state === "pending") {
      text.textContent = words.pending + " — " + composed;
    } else if (entry.state === "signin") {
      const reason = errorsText(entry.errors);
      text.textContent = words.signin + " — " + composed + (reason ? " : " + reason : "");
    } else if (entry.state === "sent") {
      text.textContent = words.sent + " — " + composed;
    } else {
      text.textContent = words.refused + " — " + composed + " : " + errorsText(entry.errors);
    }
    li.append(text);
    if (entry.state === "refused" && entry.fields) {
      // Its text stays on the phone: the author takes it back into the form to correct it.
      const quote = document.createElement("q");
      quote.textContent = String(entry.fields.description || "").slice(0, 140);
      li.append(" ", quote, " ");
      const resume = document.createElement("a");
      resume.href = words.post + "#reprendre=" + encodeURIComponent(entry.key);
      resume.className = "outbox-resume";
      resume.textContent = words.resume;
      if (form) {
        resume.addEventListener("click", function (event) {
          event.preventDefault();
          resumeInForm(entry);
        });
      }
      li.append(resume);
    }
    if (entry.state !== "pending") {
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.textContent = words.dismiss;
      dismiss.addEventListener("click", function () { VigieOutbox.remove(entry.key).then(render); });
      li.append(" ", dismiss);
    }
    return li;
  }

  function render() {
    return VigieOutbox.mine(me).then(function (entries) {
      entries.sort(function (a, b) { return a.composed_at < b.composed_at ? -1 : 1; });
      list.replaceChildren.apply(list, entries.map(item));
      box.hidden = entries.length === 0;
      box.dataset.listed = String(entries.length); // how many are listed, once the list is drawn
    });
  }

  function flush() {
    return VigieOutbox.flush(csrfToken(), me).then(render, render);
  }

  /* A refused alert back in the form, its reasons beside the fields they name; it leaves the list
     (sent again, it is a new alert the server checks as any other). */
  function resumeInForm(entry) {
    Object.keys(entry.fields).forEach(function (name) {
      const field = form.elements.namedItem(name);
      if (!field || field.type === "file") return;
      if (field.type === "checkbox") {
        field.checked = Boolean(entry.fields[name]);
      } else {
        field.value = entry.fields[name];
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    return VigieOutbox.remove(entry.key).then(render).then(function () {
      history.replaceState(null, "", location.pathname + location.search);
      const first = form.querySelector("select, input:not([type=hidden]), textarea");
      if (first) first.focus();
    });
  }

  function resumeFromLink() {
    const match = location.hash.match(/^#reprendre=(.+)$/);
    if (!form || !match) return Promise.resolve();
    const key = decodeURIComponent(match[1]);
    return VigieOutbox.mine(me).then(function (entries) {
      const entry = entries.find(function (candidate) { return candidate.key === key && candidate.fields; });
      return entry ? resumeInForm(entry) : null;
    });
  }

  function apiFields(data) {
    const fields = {};
    data.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken") return;
      // Photos are not kept on the phone: the alert leaves without them and they can be added
      // once it is sent (the posting page says so).
      if (typeof File !== "undefined" && value instanceof File) return;
      if (name in fields) {
        fields[name] = [].concat(fields[name], value);
      } else {
        fields[name] = value;
      }
    });
    if (fields.emergency_notice_acknowledged) fields.emergency_notice_acknowledged = true;
    // The page accepts "4,6603" as the French write it; the API reads numbers with a point.
    ["lon", "lat"].forEach(function (name) {
      if (typeof fields[name] === "string") fields[name] = fields[name].trim().replace(",", ".");
    });
    return fields;
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return; // with a network the form is sent as usual
      event.preventDefault();
      const token = (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value;
      VigieOutbox.keep(box.dataset.api, apiFields(new FormData(form)), token, me).then(function () {
        form.reset();
        return render();
      }).then(function () { box.focus(); });
    });
  }

  window.addEventListener("online", flush);
  if (navigator.serviceWorker) {
    // The service worker sent them (Background Sync): show the result.
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === VigieOutbox.SYNC_TAG) render();
    });
  }
  // This page's person is the one signed in now (site.js records it too, later, on every page).
  VigieOutbox.signedIn(me).catch(function () {}).then(function () {
    return navigator.onLine ? flush() : render();
  }).then(resumeFromLink);
})();
