// The mayor's statistics dashboard: a changed filter fetches the page for the new filters and swaps
// the parts that depend on them (summary, tables, charts, map), instead of reloading the whole page.
// Without JavaScript the filter form is an ordinary GET form with its "Afficher" button.
//
// Loaded before the map's inline script, so it also marks when the map has drawn its first shapes
// (performance mark "statistics-map-drawn"), which the benchmark reads.
(function () {
  "use strict";

  if (window.L && L.Map && !L.Map.__vigieMarked) {
    L.Map.__vigieMarked = true;
    L.Map.addInitHook(function () {
      const map = this;
      map.on("layeradd", function drawn(event) {
        if (!(event.layer instanceof L.Path)) return;
        map.off("layeradd", drawn);
        requestAnimationFrame(function () {
          if (!performance.getEntriesByName("statistics-map-drawn").length) {
            performance.mark("statistics-map-drawn");
          }
          document.dispatchEvent(new CustomEvent("statistics-map-drawn"));
        });
      });
    });
  }

  function ready(callback) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  }

  ready(function () {
    const form = document.getElementById("dashboard-filters");
    if (!form || !window.fetch || !window.DOMParser) return;
    const nonce = (document.getElementById("statistics-dashboard-js") || {}).nonce || "";
    let pending = null;

    function leafletMaps() {
      return Object.keys(window)
        .filter(function (name) { return /^map_[0-9a-f]+$/.test(name); })
        .map(function (name) { return [name, window[name]]; })
        .filter(function (entry) { return entry[1] && entry[1] instanceof L.Map; });
    }

    function swap(next) {
      // The old map is removed (its handlers and tiles freed) before its container goes.
      // (Folium declares it with `var`: the global cannot be deleted, only emptied.)
      leafletMaps().forEach(function (entry) {
        entry[1].remove();
        window[entry[0]] = null;
      });
      document.querySelectorAll("[data-part]").forEach(function (part) {
        const fresh = next.querySelector('[data-part="' + part.dataset.part + '"]');
        if (fresh) part.replaceWith(document.importNode(fresh, true));
      });
      document.title = next.title;
      // Folium sizes the map's container in a style of the head, named after the new map.
      next.head.querySelectorAll("style").forEach(function (style) {
        if (/#map_[0-9a-f]+/.test(style.textContent)) document.head.appendChild(document.importNode(style, true));
      });
      const source = next.getElementById("statistics-map-script");
      if (source) {
        const script = document.createElement("script");
        script.nonce = nonce;
        script.textContent = source.textContent;
        document.body.appendChild(script);
      }
    }

    function load(url, push) {
      if (pending) pending.abort();
      pending = new AbortController();
      const parts = document.querySelectorAll("[data-part]");
      parts.forEach(function (part) { part.setAttribute("aria-busy", "true"); });
      form.setAttribute("aria-busy", "true");
      fetch(url, { signal: pending.signal, credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          // A refused filter (400) or a lost session: the whole page says what went wrong.
          if (!response.ok || response.redirected) throw new Error("reload");
          return response.text();
        })
        .then(function (html) {
          swap(new DOMParser().parseFromString(html, "text/html"));
          if (push) history.pushState({ dashboard: true }, "", url);
          form.removeAttribute("aria-busy");
          document.dispatchEvent(new CustomEvent("statistics-dashboard-updated"));
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          if (error.message !== "reload") console.error(error);
          window.location.assign(url);
        });
    }

    function filtersUrl() {
      const params = new URLSearchParams(new FormData(form));
      return form.action.split("?")[0] + "?" + params.toString();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      load(filtersUrl(), true);
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches("select")) load(filtersUrl(), true);
    });
    window.addEventListener("popstate", function () {
      // Back and forward: the filters of that address, in the form and in the parts.
      const params = new URLSearchParams(window.location.search);
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name && params.has(field.name)) field.value = params.get(field.name);
      });
      load(window.location.href, false);
    });
  });
})();
