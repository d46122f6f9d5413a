/* Vigie's service worker: the app shell from the cache, pages from the network, an offline page
   when there is none. Pages and the API are never stored: they hold personal data. */
"use strict";
const CACHE = "vigie-shell-{{ version }}";
const PRECACHE = {{ precache|safe }};
const OFFLINE = {{ offline|safe }};
const PUSH_API = {{ push_api|safe }};
importScripts({{ outbox|safe }});

// Fetched past the browser's HTTP cache: after a release it may still hold the previous files.
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("vigie-shell-") && name !== CACHE)
        .map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
    return;
  }
  if (PRECACHE.includes(new URL(request.url).pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// Web Push: each delivery arrives encrypted for this device (the browser decrypts it) and is shown
// as a notification, whatever it holds (a push shown as nothing counts against the site); a click
// brings forward a window already on the message's page, or opens one (no other window is navigated:
// it may hold a half-written alert or a live map).
self.addEventListener("push", (event) => {
  const text = event.data ? event.data.text() : "";
  let data;
  try {
    data = text ? JSON.parse(text) : {};
  } catch (error) {
    data = { body: text };
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    data = { body: typeof data === "string" ? data : "" };
  }
  const title = data.title || "Vigie";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body ? String(data.body) : "",
      tag: data.tag ? String(data.tag) : "",
      icon: {{ icon|safe }},
      badge: {{ icon|safe }},
      requireInteraction: Boolean(data.urgent),
      data: { url: typeof data.url === "string" && data.url ? data.url : "/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target;
  try {
    target = new URL(event.notification.data && event.notification.data.url ? event.notification.data.url : "/",
      self.location.origin);
  } catch (error) {
    target = new URL("/", self.location.origin);
  }
  if (target.origin !== self.location.origin) {
    return;
  }
  const withoutHash = (url) => url.split("#")[0];
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => withoutHash(client.url) === withoutHash(target.href));
      if (open && "focus" in open) {
        return open.focus().catch(() => self.clients.openWindow(target.href));
      }
      return self.clients.openWindow(target.href);
    })
  );
});

// The browser renewed this device's subscription (or dropped it): subscribe again with the same key
// if it has not, tell the server the new one and forget the old one, as the preferences page does
// (delivery/static/delivery/push.js). Best effort: without it the next visit of that page resends it.
function csrfToken() {
  if (!self.cookieStore) return Promise.resolve("");
  return self.cookieStore.get("csrftoken").then((cookie) => (cookie ? cookie.value : "")).catch(() => "");
}

function pushApi(method, body) {
  return csrfToken().then((token) => fetch(PUSH_API, {
    method: method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": token },
    body: JSON.stringify(body),
  }));
}

self.addEventListener("pushsubscriptionchange", (event) => {
  const old = event.oldSubscription;
  const key = old && old.options ? old.options.applicationServerKey : null;
  let renewed = Promise.resolve(event.newSubscription || null);
  if (!event.newSubscription && key) {
    renewed = self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  event.waitUntil(
    renewed.catch(() => null).then((subscription) => {
      const told = subscription ? pushApi("POST", subscription.toJSON()).catch(() => null) : Promise.resolve();
      return told.then(() => {
        if (old && old.endpoint && (!subscription || subscription.endpoint !== old.endpoint)) {
          return pushApi("DELETE", { endpoint: old.endpoint }).catch(() => null);
        }
        return null;
      });
    })
  );
});

// Background Sync: alerts written without a network (static/js/outbox.js) are sent when the browser
// sees it back, even with no Vigie page open; open pages are told, to show the result. Only those of
// the person pages last recorded as signed in leave: never one under another account.
self.addEventListener("sync", (event) => {
  if (event.tag !== self.VigieOutbox.SYNC_TAG) {
    return;
  }
  event.waitUntil(
    self.VigieOutbox.flush().then((entries) => {
      if (entries.some((entry) => entry.state === "pending")) {
        throw new Error("still pending"); // the browser tries this sync again later
      }
      return self.clients.matchAll({ type: "window" }).then((windows) =>
        windows.forEach((client) => client.postMessage({ type: self.VigieOutbox.SYNC_TAG })));
    })
  );
});
