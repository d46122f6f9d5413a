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

  // The alerts kept on this phone without a network are the signed-in person's only
  // (js/outbox.js): each page records who that is now ("" for nobody).
  var userMeta = document.querySelector('meta[name="vigie-user"]');
  if (userMeta && window.VigieOutbox && window.indexedDB) {
    window.VigieOutbox.signedIn(userMeta.content).catch(function () {});
  }

  // Logging out on a shared phone: this browser stops receiving the account's notifications (its
  // Web Push subscription is removed from the server, then dropped) and the phone forgets who was
  // signed in, before the form leaves. Never more than LOGOUT_WAIT_MS; without a script the form
  // is sent as it is (and the next page records that nobody is signed in).
  var LOGOUT_WAIT_MS = 2000;
  function forgetPushSubscription(form) {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      if (!registration || !registration.pushManager) return null;
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
      var removed = form.dataset.pushApi ? fetch(form.dataset.pushApi, {
        method: "DELETE",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
        body: JSON.stringify({ endpoint: subscription.endpoint }),
      }).catch(function () {}) : Promise.resolve();
      // Dropped here even if the server could not be told: its next push gets "gone" and is forgotten.
      return removed.then(function () { return subscription.unsubscribe(); });
    });
  }
  document.querySelectorAll("form[data-logout]").forEach(function (form) {
    var leaving = false;
    form.addEventListener("submit", function (event) {
      if (leaving) return;
      event.preventDefault();
      leaving = true;
      var forgotten = Promise.all([
        forgetPushSubscription(form).catch(function () {}),
        window.VigieOutbox && window.indexedDB ? window.VigieOutbox.signedOut().catch(function () {}) : null,
      ]);
      var timeout = new Promise(function (resolve) { setTimeout(resolve, LOGOUT_WAIT_MS); });
      Promise.race([forgotten, timeout]).then(function () { form.submit(); });
    });
  });
})();
