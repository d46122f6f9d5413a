// Moderation page: draw rectangles on a photo to mark the regions the server will blur for good
// when the alert is published. Rectangles are kept as fractions of the photo ([x, y, w, h] in 0..1),
// so they do not depend on the size the photo is shown at. Pointer events: mouse, pen and touch.
// Faces the worker's detector found are shown dashed: a suggestion is blurred only once the
// moderator touches it (or "all"); one left alone is not.
(function () {
  "use strict";

  function clamp(value) { return Math.min(1, Math.max(0, value)); }

  function setUp(figure) {
    var area = figure.querySelector(".photo-blur-area");
    var input = figure.querySelector("input[type=hidden]");
    var count = figure.querySelector(".photo-blur-count");
    var regions = [];
    var start = null;
    var preview = null;
    var data = figure.querySelector('script[type="application/json"]');
    var suggestions = data ? JSON.parse(data.textContent) : [];
    suggestions.forEach(function (r, i) { r.order = i; });
    var acceptAll = figure.querySelector(".photo-blur-accept-all");

    function point(event) {
      var box = area.getBoundingClientRect();
      return { x: clamp((event.clientX - box.left) / box.width), y: clamp((event.clientY - box.top) / box.height) };
    }
    function place(element, r) {
      element.style.left = r[0] * 100 + "%";
      element.style.top = r[1] * 100 + "%";
      element.style.width = r[2] * 100 + "%";
      element.style.height = r[3] * 100 + "%";
    }
    function rect(a, b) {
      return [Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(a.x - b.x), Math.abs(a.y - b.y)];
    }
    function render() {
      area.querySelectorAll(".photo-blur-box").forEach(function (box) { box.remove(); });
      regions.forEach(function (r) {
        var box = document.createElement("div");
        box.className = "photo-blur-box";
        place(box, r);
        area.appendChild(box);
      });
      input.value = JSON.stringify(regions.map(function (r) {
        return r.map(function (v) { return Math.round(v * 10000) / 10000; });
      }));
      count.textContent = regions.length ? regions.length + " ×" : "";
      figure.dataset.regions = String(regions.length);
      renderSuggestions();
    }
    function accept(suggestion) {
      suggestion.suggested = true;
      suggestions.splice(suggestions.indexOf(suggestion), 1);
      regions.push(suggestion);
    }
    function renderSuggestions() {
      area.querySelectorAll(".photo-blur-suggestion").forEach(function (box) { box.remove(); });
      suggestions.forEach(function (r) {
        var box = document.createElement("button");
        box.type = "button";
        box.className = "photo-blur-suggestion";
        box.setAttribute("aria-label", figure.dataset.acceptLabel);
        place(box, r);
        box.addEventListener("click", function () {
          accept(r);
          render();
        });
        area.appendChild(box);
      });
      if (acceptAll) { acceptAll.hidden = !suggestions.length; }
    }
    area.addEventListener("pointerdown", function (event) {
      if (event.target.closest(".photo-blur-suggestion")) { return; }
      event.preventDefault();
      area.setPointerCapture(event.pointerId);
      start = point(event);
      preview = document.createElement("div");
      preview.className = "photo-blur-box";
      area.appendChild(preview);
    });
    area.addEventListener("pointermove", function (event) {
      if (start) { place(preview, rect(start, point(event))); }
    });
    area.addEventListener("pointerup", function (event) {
      if (!start) { return; }
      var r = rect(start, point(event));
      start = null;
      preview.remove();
      if (r[2] > 0.005 && r[3] > 0.005) { regions.push(r); }
      render();
    });
    figure.querySelector(".photo-blur-undo").addEventListener("click", function () {
      var removed = regions.pop();
      if (removed && removed.suggested) {  // offered again, in its place
        suggestions.push(removed);
        suggestions.sort(function (a, b) { return a.order - b.order; });
      }
      render();
    });
    if (acceptAll) {
      acceptAll.addEventListener("click", function () {
        suggestions.slice().forEach(accept);
        render();
      });
    }
    render();
  }

  // The regions travel with the decision: copied into the "publish" and "redact" forms of the
  // same alert when one of them is sent. A photo without its field is not published.
  function attach(review) {
    var item = review.closest(".queue-item");
    item.querySelectorAll('form[action$="/publish/"], form[action$="/redact/"]').forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll(".photo-blur-copy").forEach(function (copy) { copy.remove(); });
        review.querySelectorAll("input[name^='photo-blur-']").forEach(function (field) {
          var copy = document.createElement("input");
          copy.type = "hidden";
          copy.className = "photo-blur-copy";
          copy.name = field.name;
          copy.value = field.value;
          form.appendChild(copy);
        });
      });
    });
  }

  document.querySelectorAll(".photo-blur").forEach(setUp);
  document.querySelectorAll(".photo-review").forEach(attach);
})();
