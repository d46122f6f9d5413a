/* Behaviour shared by every page, in a file rather than inline attributes (the
   Content-Security-Policy runs no inline script). */
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });

  // The installable app: the service worker keeps the app shell for use without a network.
  var workerMeta = document.querySelector('meta[name="vigie-service-worker"]');
  var workerUrl = workerMeta && workerMeta.content;
  if (workerUrl && "serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(workerUrl, { scope: "/" }).catch(function () {
        /* without it the site works as before, only not offline */
      });
    });
  }
  // "Install" appears only where the browser offers to install (Chromium's beforeinstallprompt).
  var install = document.getElementById("install-app");
  var offer = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    offer = event;
    if (install) install.hidden = false;
  });
  if (install) {
    install.addEventListener("click", function () {
      if (!offer) return;
      offer.prompt();
      offer.userChoice.finally(function () {
        offer = null;
        install.hidden = true;
      });
    });
  }
  window.addEventListener("appinstalled", function () {
    if (install) install.hidden = true;
  });
})();
