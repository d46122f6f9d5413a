/* The outbox: alerts written without a network, kept on the phone (IndexedDB) and sent when the
   network returns, by the page (on `online` and at the next page load) or by the service worker
   (Background Sync, where the browser has it). Shared by both, so it touches no `window` or
   `document`. Each alert carries the key drawn when it was written and its time of writing: the
   server creates it once whatever the number of sends (a resend answers 200 with the alert it
   already made), so a page and the service worker sending together, or an answer lost on the way
   back, never make two alerts. */
(function (scope) {
  "use strict";
  const DATABASE = "vigie-outbox";
  const STORE = "alerts";
  const SYNC_TAG = "vigie-outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function transact(mode, work) {
    return open().then(function (database) {
      return new Promise(function (resolve, reject) {
        const transaction = database.transaction(STORE, mode);
        const result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          database.close();
          resolve(result && "result" in result ? result.result : undefined);
        };
        transaction.onerror = transaction.onabort = function () {
          database.close();
          reject(transaction.error);
        };
      });
    });
  }

  function all() {
    return transact("readonly", function (store) { return store.getAll(); });
  }

  function put(entry) {
    return transact("readwrite", function (store) { store.put(entry); });
  }

  function remove(key) {
    return transact("readwrite", function (store) { store.delete(key); });
  }

  function randomKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    const bytes = scope.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  /* Keep an alert written now; `fields` are the API's (`api` is where to post it). */
  function keep(api, fields, csrfToken) {
    const entry = {
      key: randomKey(),
      api: api,
      composed_at: new Date().toISOString(),
      fields: fields,
      csrf: csrfToken || "",
      state: "pending",
    };
    return put(entry).then(function () {
      // Where Background Sync exists the browser sends it even if the page is closed meanwhile.
      if (scope.navigator && scope.navigator.serviceWorker) {
        scope.navigator.serviceWorker.ready
          .then(function (registration) { return registration.sync && registration.sync.register(SYNC_TAG); })
          .catch(function () { /* no Background Sync: the page sends it on `online` or at its next load */ });
      }
      return entry;
    });
  }

  function token(entry, csrfToken) {
    if (csrfToken) return Promise.resolve(csrfToken);
    // The service worker has no document.cookie; Chromium gives it the Cookie Store API.
    if (scope.cookieStore) {
      return scope.cookieStore.get("csrftoken")
        .then(function (cookie) { return cookie ? cookie.value : entry.csrf; })
        .catch(function () { return entry.csrf; });
    }
    return Promise.resolve(entry.csrf);
  }

  /* Send one pending alert; its new state is stored. A network failure, a refused token or the
     hourly limit leave it pending for the next try; a 400 is final and keeps the reasons. */
  function send(entry, csrfToken) {
    return token(entry, csrfToken).then(function (value) {
      return fetch(entry.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": value },
        body: JSON.stringify(Object.assign({}, entry.fields, { client_key: entry.key, composed_at: entry.composed_at })),
      });
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return response.json().then(function (alert) {
          entry.state = "sent";
          entry.alert = { id: alert.id, status_label: alert.status_label, composed_at: alert.composed_at };
          return put(entry).then(function () { return entry; });
        });
      }
      if (response.status === 400) {
        return response.json().then(function (errors) {
          delete errors.emergency_notice;
          entry.state = "refused";
          entry.errors = errors;
          return put(entry).then(function () { return entry; });
        });
      }
      return entry;
    }, function () { return entry; });
  }

  /* Send every pending alert, one sender at a time per browser where Web Locks exist. */
  function flush(csrfToken) {
    const run = function () {
      return all().then(function (entries) {
        const pending = entries.filter(function (entry) { return entry.state === "pending"; });
        return pending.reduce(function (done, entry) {
          return done.then(function () { return send(entry, csrfToken); });
        }, Promise.resolve()).then(all);
      });
    };
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request(DATABASE, run);
    }
    return run();
  }

  scope.VigieOutbox = { keep: keep, flush: flush, all: all, remove: remove, SYNC_TAG: SYNC_TAG };
})(self);
