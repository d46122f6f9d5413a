/* Address suggestions while typing, as a WAI-ARIA combobox (list autocomplete): every
   <input data-address-search="/api/geocoder/"> of the page gets a listbox of suggestions fetched
   from the offline geocoder, chosen with the arrow keys and Enter, or by tapping. The count is
   announced in a polite live region. Choosing one fills the input with its label and sends a
   "vigie:address" event ({label, lon, lat}) that the page's map listens to. An optional
   data-commune (INSEE code) keeps the suggestions in that commune. Strings come from the page
   (json_script "address-search-strings"), so they are translated. */
(function () {
  "use strict";
  var MIN_CHARS = 3;
  var DELAY_MS = 150;
  var stringsElement = document.getElementById("address-search-strings");
  if (!stringsElement) return;
  var strings = JSON.parse(stringsElement.textContent);

  function attach(input, index) {
    var listId = (input.id || "address-search-" + index) + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "address-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", strings.list);
    list.hidden = true;
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    var holder = document.createElement("span");
    holder.className = "address-search";
    input.parentNode.insertBefore(holder, input);
    holder.appendChild(input);
    holder.appendChild(list);
    holder.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    var suggestions = [];
    var active = -1;
    var timer = null;
    var asked = 0; // only the answer to the latest keystroke is shown

    function announce(text) {
      status.textContent = text;
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(position) {
      var options = list.children;
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = position;
      if (active < 0) {
        input.removeAttribute("aria-activedescendant");
        return;
      }
      options[active].setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function choose(position) {
      var found = suggestions[position];
      if (!found) return;
      input.value = found.label;
      close();
      announce(strings.chosen.replace("{label}", found.label));
      input.dispatchEvent(new CustomEvent("vigie:address", { bubbles: true, detail: found }));
    }

    function show(found) {
      suggestions = found;
      list.textContent = "";
      active = -1;
      found.forEach(function (suggestion, position) {
        var option = document.createElement("li");
        option.id = listId + "-" + position;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = suggestion.label;
        // mousedown, not click: the input keeps the focus (no blur closing the list first).
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(position);
        });
        list.appendChild(option);
      });
      var open = found.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) input.removeAttribute("aria-activedescendant");
      announce(
        found.length === 0 ? strings.none : (found.length === 1 ? strings.one : strings.many).replace("{count}", found.length)
      );
    }

    function search() {
      var text = input.value.trim();
      if (text.length < MIN_CHARS) {
        close();
        return;
      }
      var url = input.dataset.addressSearch + "?q=" + encodeURIComponent(text);
      if (input.dataset.commune) url += "&commune=" + encodeURIComponent(input.dataset.commune);
      var ticket = ++asked;
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (found) { if (ticket === asked) show(found); })
        .catch(function () { if (ticket === asked) announce(strings.failed); });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });
    input.addEventListener("keydown", function (event) {
      var count = list.hidden ? 0 : suggestions.length;
      if (event.key === "ArrowDown") {
        if (!count) return;
        event.preventDefault();
        highlight((active + 1) % count);
      } else if (event.key === "ArrowUp") {
        if (!count) return;
        event.preventDefault();
        highlight(active <= 0 ? count - 1 : active - 1);
      } else if (event.key === "Enter") {
        // Enter on a highlighted suggestion chooses it, and never sends the form.
        if (count && active >= 0) {
          event.preventDefault();
          choose(active);
        } else if (!input.name) {
          event.preventDefault(); // a search box of the map (no name) never sends its form
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      }
    });
    input.addEventListener("blur", close);
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-address-search]"), attach);
})();
