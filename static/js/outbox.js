/* The outbox: alerts written without a network, kept on the phone (IndexedDB) and sent when the
   network returns, by the page (on `online` and at the next page load) or by the service worker
   (Background Sync, where the browser has it). Shared by both, so it touches no `window` or
   `document`. Each alert carries the key drawn when it was written and its time of writing: the
   server creates it once whatever the number of sends (a resend answers 200 with the alert it
   already made), so a page and the service worker sending together, or an answer lost on the way
   back, never make two alerts.

   A phone may be shared: each alert records its author (the signed-in person's id, which every
   page gives in <meta name="vigie-user">), and the phone records who is signed in now (each page
   load writes it, logging out clears it). Alerts are listed and sent only for the person recorded
   as signed in, so one never leaves under another account; the others stay on the phone, unseen,
   until their author signs in again. Once an alert is sent its text and position are deleted: only
   what the list shows is kept. A refused one keeps them until its author takes it back into the form
   to correct it, or dismisses it. */
(function (scope) {
  "use strict";
  const DATABASE = "vigie-outbox";
  const STORE = "alerts";
  const SESSION = "session"; // one record, "current": { key: "current", user: "<id>" or "" }
  const SYNC_TAG = "vigie-outbox";

  function open() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open(DATABASE, 2);
      request.onupgradeneeded = function () {
        const database = request.result;
        if (!database.objectStoreNames.contains(STORE)) database.createObjectStore(STORE, { keyPath: "key" });
        if (!database.objectStoreNames.contains(SESSION)) database.createObjectStore(SESSION, { keyPath: "key" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function transact(store, mode, work) {
    return open().then(function (database) {
      return new Promise(function (resolve, reject) {
        const transaction = database.transaction(store, mode);
        const result = work(transaction.objectStore(store));
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

  /* Every alert kept on this phone, whoever wrote it. */
  function all() {
    return transact(STORE, "readonly", function (store) { return store.getAll(); });
  }

  /* The alerts written by this person (an id as a string; "" or none: nobody's). */
  function mine(user) {
    return all().then(function (entries) {
      return user ? entries.filter(function (entry) { return entry.user === String(user); }) : [];
    });
  }

  function put(entry) {
    return transact(STORE, "readwrite", function (store) { store.put(entry); });
  }

  function remove(key) {
    return transact(STORE, "readwrite", function (store) { store.delete(key); });
  }

  /* Who is signed in on this browser now, as pages last recorded it ("" for nobody). */
  function current() {
    return transact(SESSION, "readonly", function (store) { return store.get("current"); })
      .then(function (record) { return record ? record.user : ""; });
  }

  /* Pages record the signed-in person at each load ("" when nobody is), and clear it at logout. The
     alerts kept before authors were recorded go to the first person signed in after. */
  function signedIn(user) {
    const who = user ? String(user) : "";
    return transact(SESSION, "readwrite", function (store) { store.put({ key: "current", user: who }); })
      .then(function () {
        if (!who) return null;
        return all().then(function (entries) {
          const ownerless = entries.filter(function (entry) { return !("user" in entry); });
          return Promise.all(ownerless.map(function (entry) { entry.user = who; return put(entry); }));
        });
      });
  }

  function signedOut() {
    return signedIn("");
  }

  function randomKey() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    const bytes = scope.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  /* Keep an alert written now by `user`; `fields` are the API's (`api` is where to post it). */
  function keep(api, fields, csrfToken, user) {
    const entry = {
      key: randomKey(),
      api: api,
      user: user ? String(user) : "",
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

  /* Its text and position go once it is sent: only what the list shows stays. */
  function settle(entry) {
    delete entry.fields;
    delete entry.csrf;
    return put(entry).then(function () { return entry; });
  }

  /* Send one alert; its new state is stored. A network failure or the hourly limit leave it
     pending for the next try; a 401/403 (nobody signed in for the server, or a stale token) makes it
     wait for its author to sign in ("signin"), tried again at the next send; a 400 is final and
     keeps the reasons and the text. */
  function send(entry, csrfToken) {
    return token(entry, csrfToken).then(function (value) {
      return fetch(entry.api, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": value },
        // The account it was written under: the server refuses it under another (409).
        body: JSON.stringify(Object.assign({}, entry.fields, {
          client_key: entry.key, composed_at: entry.composed_at, written_by: entry.user,
        })),
      });
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return response.json().then(function (alert) {
          entry.state = "sent";
          entry.alert = { id: alert.id, status_label: alert.status_label, composed_at: alert.composed_at };
          return settle(entry);
        });
      }
      if (response.status === 400) {
        return response.json().then(function (errors) {
          delete errors.emergency_notice;
          entry.state = "refused";
          entry.errors = errors;
          delete entry.csrf; // its text stays, to be corrected in the form
          return put(entry).then(function () { return entry; });
        });
      }
      if (response.status === 401 || response.status === 403 || response.status === 409) {
        // Not signed in, or not as its author, or not allowed to post now: the server's reason is
        // shown with it, and it is tried again at the next send.
        return response.json().catch(function () { return {}; }).then(function (answer) {
          entry.state = "signin";
          entry.errors = answer && answer.detail ? { detail: answer.detail } : {};
          return put(entry).then(function () { return entry; });
        });
      }
      return entry;
    }, function () { return entry; });
  }

  function waiting(entry) {
    return entry.state === "pending" || entry.state === "signin";
  }

  /* Send the waiting alerts of `user` (the page's signed-in person; in the service worker, none is
     given and the person recorded as signed in is used), one sender at a time per browser where Web
     Locks exist. Nothing is sent unless that person is the one recorded as signed in now, checked
     again before each alert. Resolves to that person's alerts. */
  function flush(csrfToken, user) {
    const run = function () {
      return current().then(function (signed) {
        const who = user === undefined ? signed : (user ? String(user) : "");
        if (!who || who !== signed) return mine(who);
        return mine(who).then(function (entries) {
          return entries.filter(waiting).reduce(function (done, entry) {
            return done.then(current).then(function (still) {
              return still === who ? send(entry, csrfToken) : entry;
            });
          }, Promise.resolve()).then(function () { return mine(who); });
        });
      });
    };
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request(DATABASE, run);
    }
    return run();
  }

  scope.VigieOutbox = {
    keep: keep,
    flush: flush,
    all: all,
    mine: mine,
    remove: remove,
    current: current,
    signedIn: signedIn,
    signedOut: signedOut,
    SYNC_TAG: SYNC_TAG,
  };
})(self);
