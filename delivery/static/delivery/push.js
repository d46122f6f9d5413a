/* Notifications on this device (Web Push): the preferences page turns them on or off; each time it
   opens in a browser already subscribed, the subscription is sent again so the server's copy stays
   current (a browser may renew its endpoint or keys). A subscription made with another key than the
   site's (the site's key was replaced) can never be pushed to: it is replaced by one made with the
   site's key, as permission was already given. */
(function () {
  "use strict";
  var box = document.getElementById("push-device");
  if (!box) return;
  var key = box.getAttribute("data-public-key");
  var api = box.getAttribute("data-api");
  var enable = document.getElementById("push-enable");
  var disable = document.getElementById("push-disable");
  var status = document.getElementById("push-status");

  function say(text) {
    status.textContent = text;
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function call(method, body) {
    return fetch(api, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (response) {
      if (response.ok) return response;
      // The server's own reason when it gives one (a push service it does not accept, say).
      return response.json().catch(function () { return {}; }).then(function (errors) {
        var reason = [].concat(errors.endpoint || errors.detail || []).join(" ");
        var error = new Error(String(response.status));
        error.reason = reason;
        throw error;
      });
    });
  }
  function sameKey(subscription, bytes) {
    var used = subscription.options && subscription.options.applicationServerKey;
    if (!used) return true; // the browser does not say: kept as it is
    var view = new Uint8Array(used);
    if (view.length !== bytes.length) return false;
    for (var i = 0; i < view.length; i++) if (view[i] !== bytes[i]) return false;
    return true;
  }
  function subscribe(reg) {
    return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function show(subscribed) {
    enable.hidden = subscribed;
    disable.hidden = !subscribed;
  }

  if (!key || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(box.getAttribute("data-unsupported"));
    return;
  }
  var registration = navigator.serviceWorker.register(box.getAttribute("data-worker"), { scope: "/" }).then(
    function () {
      return navigator.serviceWorker.ready;
    }
  );

  registration.then(function (reg) {
    return reg.pushManager.getSubscription().then(function (subscription) {
      if (!subscription || sameKey(subscription, keyBytes(key))) return subscription;
      // The new one is told to the server before the stale one is forgotten there: the person has
      // a device all along, and their choice of push is left as it is.
      var stale = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return subscribe(reg);
      }).then(function (renewed) {
        return call("POST", renewed.toJSON()).then(function () {
          return call("DELETE", { endpoint: stale }).catch(function () {});
        }).then(function () { return renewed; });
      });
    });
  }).then(function (subscription) {
    show(Boolean(subscription));
    if (subscription) return call("POST", subscription.toJSON());
  }).catch(function () {
    show(false);
  });

  enable.addEventListener("click", function () {
    say("");
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        say(box.getAttribute("data-refused"));
        return null;
      }
      return registration.then(subscribe).then(function (subscription) {
        // The person's own click: the server takes it as their choice of push.
        return call("POST", Object.assign(subscription.toJSON(), { enabled: true }));
      }).then(function () {
        show(true);
        say(box.getAttribute("data-enabled"));
        var choice = document.getElementById("id_by_push");
        if (choice) choice.checked = true;
      });
    }).catch(function (error) {
      say(error && error.reason ? error.reason : box.getAttribute("data-failed"));
    });
  });

  disable.addEventListener("click", function () {
    say("");
    registration.then(function (reg) {
      return reg.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) return null;
      return call("DELETE", { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () {
      show(false);
      say(box.getAttribute("data-disabled"));
    }).catch(function () {
      say(box.getAttribute("data-failed"));
    });
  });
})();
