/* Vigie's service worker: the app shell from the cache, pages from the network, an offline page
   when there is none. Pages and the API are never stored: they hold personal data. */
"use strict";
const CACHE = "vigie-shell-{{ version }}";
const PRECACHE = {{ precache|safe }};
const OFFLINE = {{ offline|safe }};
importScripts({{ outbox|safe }});

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
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
// as a notification; a click opens the message's page, in a Vigie window already open if there is one.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "Vigie";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.tag,
      icon: {{ icon|safe }},
      badge: {{ icon|safe }},
      requireInteraction: Boolean(data.urgent),
      data: { url: data.url || "/" },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data && event.notification.data.url ? event.notification.data.url : "/",
    self.location.origin);
  if (target.origin !== self.location.origin) {
    return;
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if ("navigate" in client && new URL(client.url).origin === self.location.origin) {
          return client.navigate(target.href).then((opened) => (opened || client).focus());
        }
      }
      return self.clients.openWindow(target.href);
    })
  );
});

// Background Sync: alerts written without a network (static/js/outbox.js) are sent when the browser
// sees it back, even with no Vigie page open; open pages are told, to show the result.
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
