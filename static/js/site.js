/* Behaviour shared by every page, in a file rather than inline attributes (the
   Content-Security-Policy runs no inline script). */
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
})();
