/* Tandem's service worker: Today, the help pages and the app's own files kept for when there
   is no connection, and what a client logged offline sent when it is back.

   Served at /sw.js by clients/offline.py, which puts `TANDEM` before this file: the app
   shell's files as this deployment names them, the pages to keep, and a version.

   - Pages (Today, the help pages, the offline page): from the network when it answers, and
     kept; without a connection, the kept copy, marked as such (data-offline-copy on
     <body>); any other page, the offline page.
   - The app's files under /static/: a hashed name never changes, so the kept file; others
     (development) from the network first.
   - The queue: entries logged offline wait in IndexedDB ("tandem-offline"), each with its
     own Idempotency-Key, so sending one twice never makes two records. They are sent when
     a page asks (on load, when the connection comes back) and on Background Sync.
   - Whose: every entry names the client who logged it, and only theirs are listed or
     sent. When another person signs in on the phone, the kept pages are dropped.
   - Push (at the end): a push from the server becomes a notification with its words and a
     link into Tandem. Signing out (Clear-Site-Data) unregisters this worker, and with it
     the device's push subscription: the server removes the device at its next push. */
/* global TANDEM */
"use strict";

var SHELL_CACHE = "tandem-shell-" + TANDEM.version;
var PAGES_CACHE = "tandem-pages";
var DB_NAME = "tandem-offline";
var SYNC_TAG = "tandem-queue";
var HASHED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;
var SAVED_AT = "X-Tandem-Saved-At";

/* --- IndexedDB: entries waiting, and whose they are ----------------------------------- */

function openDb() {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore("entries", { keyPath: "key" });
      request.result.createObjectStore("state");
    };
    request.onsuccess = function () {
      resolve(request.result);
    };
    request.onerror = function () {
      reject(request.error);
    };
  });
}

/* One transaction; `work(store)` may return an IDBRequest, whose result is given back. */
function inStore(name, mode, work) {
  return openDb().then(function (db) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction(name, mode);
      var request = work(tx.objectStore(name));
      tx.oncomplete = function () {
        db.close();
        resolve(request ? request.result : undefined);
      };
      tx.onerror = tx.onabort = function () {
        db.close();
        reject(tx.error);
      };
    });
  });
}

function state(name) {
  return inStore("state", "readonly", function (store) {
    return store.get(name);
  });
}

function setState(name, value) {
  return inStore("state", "readwrite", function (store) {
    store.put(value, name);
  });
}

function entriesOf(user) {
  return inStore("entries", "readonly", function (store) {
    return store.getAll();
  }).then(function (entries) {
    return entries
      .filter(function (entry) {
        return entry.user === user;
      })
      .sort(function (a, b) {
        return a.loggedAt < b.loggedAt ? -1 : 1;
      });
  });
}

function putEntry(entry) {
  return inStore("entries", "readwrite", function (store) {
    store.put(entry);
  });
}

function deleteEntry(key) {
  return inStore("entries", "readwrite", function (store) {
    store.delete(key);
  });
}

/* --- Sending ---------------------------------------------------------------------------- */

function csrfToken(given) {
  if (given) {
    return setState("csrf", given).then(function () {
      return given;
    });
  }
  // Background Sync wakes the worker with no page to ask: the cookie, where the browser
  // lets a worker read it, else the token a page gave last.
  var fromCookie = self.cookieStore
    ? self.cookieStore.get("csrftoken").then(function (cookie) {
        return cookie ? cookie.value : null;
      })
    : Promise.resolve(null);
  return fromCookie
    .catch(function () {
      return null;
    })
    .then(function (token) {
      return token || state("csrf");
    });
}

function send(entry, csrf) {
  return fetch(entry.url, {
    method: "POST",
    credentials: "same-origin",
    cache: "no-store",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrf || "",
      "Idempotency-Key": entry.key,
    },
    body: JSON.stringify(entry.body),
  }).then(function (response) {
    return response
      .json()
      .catch(function () {
        return {};
      })
      .then(function (data) {
        return { status: response.status, data: data };
      });
  });
}

var flushing = null;

/* Send the user's waiting entries, oldest first. A 2xx (or a replay of one) takes an entry
   off the queue; so does 410 (made before, deleted since). An entry the API refuses (400,
   409, 413) stays, marked, with the API's messages, until the client dismisses it. Not
   signed in, no connection, or the server in trouble: everything stays, and sending stops
   until the next try. Resolves with what was sent, what is still there, and whether it is
   worth trying again soon (no connection yet, or the server busy: `retry`), as against
   waiting for the person (signed out). */
function flush(user, csrf) {
  if (flushing) {
    return flushing;
  }
  var sent = [];
  var stopped = false;
  var retry = false;
  flushing = Promise.all([user ? Promise.resolve(user) : state("user"), csrfToken(csrf)])
    .then(function (known) {
      user = known[0];
      var token = known[1];
      if (!user) {
        return [];
      }
      return entriesOf(user).then(function (entries) {
        return entries.reduce(function (previous, entry) {
          return previous.then(function () {
            if (stopped || entry.state === "failed") {
              return;
            }
            return send(entry, token).then(
              function (answer) {
                var status = answer.status;
                if ((status >= 200 && status < 300) || status === 410) {
                  sent.push(entry);
                  return deleteEntry(entry.key);
                }
                if (status === 401 || status === 403 || status === 408 || status === 429 || status >= 500) {
                  stopped = true;
                  retry = status !== 401 && status !== 403;
                  entry.lastStatus = status;
                  return putEntry(entry);
                }
                entry.state = "failed";
                entry.lastStatus = status;
                entry.errors = answer.data;
                return putEntry(entry);
              },
              function () {
                stopped = true; // no connection
                retry = true;
              }
            );
          });
        }, Promise.resolve());
      });
    })
    .then(function () {
      return entriesOf(user).then(function (entries) {
        return { sent: sent, entries: entries, stopped: stopped, retry: retry };
      });
    });
  flushing.then(clearFlushing, clearFlushing);
  return flushing;
}

function clearFlushing() {
  flushing = null;
}

function tellPages(result) {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) {
      page.postMessage({ type: "sent", sent: result.sent, entries: result.entries });
    });
    return result;
  });
}

/* --- Kept pages ------------------------------------------------------------------------- */

/* The kept page a request stands for: Today for Today and for the start page ("/", where a
   client is sent to Today); the help and offline pages for themselves. */
function keptFor(url) {
  if (url.search) {
    return null;
  }
  if (url.pathname === TANDEM.today || url.pathname === TANDEM.home) {
    return TANDEM.today;
  }
  return TANDEM.pages.indexOf(url.pathname) === -1 ? null : url.pathname;
}

function isPage(response) {
  var type = response.headers.get("Content-Type") || "";
  return response.status === 200 && response.type === "basic" && !response.redirected && type.indexOf("text/html") === 0;
}

function keep(path, response) {
  var headers = new Headers(response.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  headers.set(SAVED_AT, new Date().toISOString());
  return response.blob().then(function (body) {
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.put(path, new Response(body, { status: 200, headers: headers }));
    });
  });
}

/* A kept copy, as the page it was, marked on <body> with when it was kept. */
function keptCopy(path) {
  return caches.match(path, { cacheName: PAGES_CACHE }).then(function (kept) {
    if (!kept) {
      return null;
    }
    return kept.text().then(function (html) {
      var savedAt = (kept.headers.get(SAVED_AT) || "").replace(/[^0-9A-Za-z:.\-]/g, "");
      var headers = new Headers(kept.headers);
      headers.delete("Content-Length");
      headers.set("X-Tandem-Offline-Copy", savedAt || "yes");
      return new Response(html.replace("<body ", '<body data-offline-copy="' + savedAt + '" '), {
        status: 200,
        headers: headers,
      });
    });
  });
}

function lastResort() {
  return new Response(
    "<!doctype html><html lang=\"en-GB\"><title>Offline — Tandem</title><h1>You are offline</h1>" +
      "<p>Tandem needs a connection for this page. Try again when you are back online.</p>",
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}

function page(event, url) {
  var path = keptFor(url);
  // Navigation preload: the browser asked the server while this worker was starting.
  return Promise.resolve(event.preloadResponse)
    .then(function (preloaded) {
      return preloaded || fetch(event.request);
    })
    .then(function (response) {
      // The start page answers with a redirect to Today: Today itself is kept when it comes.
      if (path && url.pathname === path && isPage(response)) {
        event.waitUntil(keep(path, response.clone()));
      }
      return response;
    })
    .catch(function () {
      return keptCopy(path || TANDEM.offline).then(function (copy) {
        return copy || keptCopy(TANDEM.offline).then(function (offline) {
          return offline || lastResort();
        });
      });
    });
}

function staticFile(event, url) {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(event.request).then(function (cached) {
      if (cached && HASHED.test(url.pathname)) {
        return cached;
      }
      return fetch(event.request)
        .then(function (response) {
          if (response.ok) {
            event.waitUntil(cache.put(event.request, response.clone()));
          }
          return response;
        })
        .catch(function (error) {
          if (cached) {
            return cached;
          }
          throw error;
        });
    });
  });
}

/* The pages kept for a client, fetched now where missing (the first visit came before
   this worker looked after the page). */
function keepPages(paths) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return Promise.all(
      paths.map(function (path) {
        return cache.match(path).then(function (found) {
          if (found) {
            return;
          }
          return fetch(path, { credentials: "same-origin" })
            .then(function (response) {
              if (isPage(response)) {
                return keep(path, response);
              }
            })
            .catch(function () {});
        });
      })
    );
  });
}

/* --- Events ------------------------------------------------------------------------------ */

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then(function (cache) {
        return cache.addAll(TANDEM.shell);
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("tandem-shell-") === 0 && name !== SHELL_CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        if (self.registration.navigationPreload) {
          return self.registration.navigationPreload.enable();
        }
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") {
    return; // writes always go to the server
  }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate" || keptFor(url)) {
    event.respondWith(page(event, url));
  } else if (url.pathname.indexOf(TANDEM.static) === 0) {
    event.respondWith(staticFile(event, url));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag !== SYNC_TAG) {
    return;
  }
  event.waitUntil(
    flush(null, null)
      .then(tellPages)
      .then(function (result) {
        if (result.stopped) {
          throw new Error("not everything could be sent yet"); // the browser tries again
        }
      })
  );
});

/* What a page asks; the answer goes back on the port the page gave. */
var answers = {
  /* A client's page opened: whose the phone is now, the pages to keep, what waits. */
  hello: function (message) {
    return state("user")
      .then(function (before) {
        if (before === message.user) {
          return;
        }
        return caches.delete(PAGES_CACHE).then(function () {
          return setState("user", message.user);
        });
      })
      .then(function () {
        var paths = TANDEM.pages.slice();
        if (message.today) {
          paths.push(TANDEM.today);
        }
        return Promise.all([keepPages(paths), csrfToken(message.csrf)]);
      })
      .then(function () {
        return entriesOf(message.user);
      })
      .then(function (entries) {
        return { entries: entries };
      });
  },
  list: function (message) {
    return entriesOf(message.user).then(function (entries) {
      return { entries: entries };
    });
  },
  queue: function (message) {
    return putEntry(message.entry).then(function () {
      return entriesOf(message.entry.user).then(function (entries) {
        return { entries: entries };
      });
    });
  },
  flush: function (message) {
    return flush(message.user, message.csrf);
  },
  dismiss: function (message) {
    return deleteEntry(message.key).then(function () {
      return entriesOf(message.user).then(function (entries) {
        return { entries: entries };
      });
    });
  },
  /* Signing out: nothing of the person stays on the phone. */
  clear: function () {
    return caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names.map(function (name) {
            return caches.delete(name);
          })
        );
      })
      .then(function () {
        return Promise.all([
          inStore("entries", "readwrite", function (store) {
            store.clear();
          }),
          inStore("state", "readwrite", function (store) {
            store.clear();
          }),
        ]);
      })
      .then(function () {
        return {};
      });
  },
};

self.addEventListener("message", function (event) {
  var message = event.data || {};
  var port = event.ports && event.ports[0];
  var answer = answers[message.type];
  if (!answer || !port) {
    return;
  }
  event.waitUntil(
    answer(message).then(
      function (reply) {
        port.postMessage(reply);
      },
      function (error) {
        port.postMessage({ error: String(error) });
      }
    )
  );
});

/* --- Push (notifications/push.py): a short note and a link into Tandem ------------------
   The payload is {title, body, url, tag}; it names nobody and says nothing clinical. A
   newer note of a kind replaces the older one (its tag); a tap opens the link, in a
   window of Tandem already open where there is one. */

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  var link = typeof data.url === "string" && data.url.charAt(0) === "/" && data.url.charAt(1) !== "/"
    ? data.url
    : TANDEM.home;
  event.waitUntil(
    self.registration.showNotification(data.title || "Tandem", {
      body: data.body || "Something is waiting for you in Tandem.",
      tag: data.tag || "tandem",
      icon: TANDEM.icon,
      badge: TANDEM.icon,
      data: { url: link },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || TANDEM.home, self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        var open = windows[i];
        if (new URL(open.url).origin === target.origin && "navigate" in open) {
          return open.focus().then(function (focused) {
            return focused.navigate(target.href);
          });
        }
      }
      return self.clients.openWindow(target.href);
    })
  );
});
