/* The site menu is a <details> element, so it opens and closes on a phone without any script.
   On a wide screen this keeps it open and hides its "Menu" button: every link is in view. */
(function () {
  "use strict";
  var menu = document.getElementById("site-menu");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 60em)");
  function fit() {
    menu.classList.toggle("always-open", wide.matches);
    menu.open = wide.matches;
  }
  fit();
  wide.addEventListener("change", fit);
})();
