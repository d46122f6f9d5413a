// Aids for the author before sending, both from the server so there is one set of rules:
// 1. while typing, the passages a moderator would see highlighted (names, phone numbers, plates,
//    emails, accusations, appearance words), each with why;
// 2. once a place and a time are given, alerts close by that the author may confirm ("je l'ai vu
//    aussi") instead of posting the same thing again.
// Without JavaScript the form still posts, and moderators still read every alert.
(function () {
  var configNode = document.getElementById("posting-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);
  var description = document.getElementById("id_description");
  var form = description && description.form;
  if (!form) return;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- 1. highlights while typing ---
  function renderHighlights(panel, text, spans) {
    panel.textContent = "";
    panel.hidden = spans.length === 0;
    if (!spans.length) return;
    panel.appendChild(el("p", "highlight-title", config.strings.highlight_title));
    var preview = el("p", "highlight-text");
    var position = 0;
    var reasons = {};
    spans.forEach(function (span) {
      if (span.start > position) preview.appendChild(document.createTextNode(text.slice(position, span.start)));
      var mark = el("mark", "aid aid-" + span.kind, text.slice(span.start, span.end));
      mark.title = span.label;
      preview.appendChild(mark);
      position = span.end;
      reasons[span.kind] = span;
    });
    if (position < text.length) preview.appendChild(document.createTextNode(text.slice(position)));
    panel.appendChild(preview);
    var list = el("ul", "highlight-reasons");
    Object.keys(reasons).forEach(function (kind) {
      var item = el("li", "aid-reason aid-reason-" + kind);
      item.appendChild(el("strong", "", reasons[kind].label + " "));
      item.appendChild(document.createTextNode(reasons[kind].explanation));
      list.appendChild(item);
    });
    panel.appendChild(list);
  }

  Array.prototype.forEach.call(form.querySelectorAll("textarea[data-highlight]"), function (area) {
    var panel = el("div", "highlight-panel");
    panel.id = "surlignage-" + area.dataset.highlight;
    panel.hidden = true;
    panel.setAttribute("aria-live", "polite");
    area.parentNode.insertAdjacentElement("afterend", panel);
    var sent = 0;
    area.addEventListener(
      "input",
      debounce(function () {
        var text = area.value;
        var ticket = ++sent;
        fetch(config.highlights, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify({ text: text }),
        })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (spans) { if (ticket === sent) renderHighlights(panel, text, spans); })
          .catch(function () {});
      }, 300)
    );
  });

  // --- 2. possible duplicates ---
  var nearby = document.getElementById("doublons-possibles");
  var list = nearby && nearby.querySelector("ul");
  var fields = ["lon", "lat", "occurred_at", "category"].map(function (name) { return form.elements[name]; });

  function renderNearby(alerts) {
    list.textContent = "";
    nearby.hidden = alerts.length === 0;
    alerts.forEach(function (alert) {
      var item = el("li", "nearby-alert");
      item.appendChild(el("strong", "", config.strings.number.replace("{id}", alert.id) + " · " + alert.category_label));
      item.appendChild(document.createTextNode(" · " + alert.occurred_on + " · " + alert.status_label));
      if (alert.description) item.appendChild(el("q", "", alert.description));
      if (alert.confirmed_by_me) {
        item.appendChild(el("p", "confirmed", config.strings.confirmed));
      } else {
        var confirm = el("form", "inline");
        confirm.method = "post";
        confirm.action = config.confirm.replace("/0/", "/" + alert.id + "/");
        var token = el("input");
        token.type = "hidden";
        token.name = "csrfmiddlewaretoken";
        token.value = csrf;
        confirm.appendChild(token);
        var button = el("button", "seen-too", config.strings.seen_too);
        button.type = "submit";
        confirm.appendChild(button);
        item.appendChild(confirm);
      }
      list.appendChild(item);
    });
  }

  var lookUp = debounce(function () {
    var lon = fields[0].value.replace(",", "."), lat = fields[1].value.replace(",", ".");
    if (!fields[2].value || !isFinite(parseFloat(lon)) || !isFinite(parseFloat(lat))) return;
    var query = new URLSearchParams({ lon: lon, lat: lat, occurred_at: fields[2].value, category: fields[3].value });
    fetch(config.nearby + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(renderNearby)
      .catch(function () {});
  }, 300);

  if (nearby) {
    fields.forEach(function (field) {
      if (!field) return;
      field.addEventListener("input", lookUp);
      field.addEventListener("change", lookUp);
    });
    lookUp();
  }
})();
