/* Reminders and e-mails: turn push on or off on this device. The list of devices, their
   names and their removal work without this file. */
(function () {
  "use strict";
  var section = document.querySelector("[data-push-key]");
  if (!section) {
    return;
  }
  var here = section.querySelector("[data-push-here]");
  var button = section.querySelector("[data-push-on]");
  var status = section.querySelector("[data-push-status]");
  var api = section.getAttribute("data-push-api");
  here.hidden = false;

  function say(text) {
    status.textContent = text;
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    button.hidden = true;
    say("This browser cannot show push notes. Tandem will keep e-mailing you.");
    return;
  }

  function keyBytes(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }
  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function call(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (response) {
      if (!response.ok) {
        return response.json().then(
          function (data) {
            var first = data && typeof data === "object" ? Object.values(data)[0] : null;
            throw new Error(Array.isArray(first) ? first[0] : "The server said no (" + response.status + ").");
          },
          function () {
            throw new Error("The server said no (" + response.status + ").");
          }
        );
      }
      return response.status === 204 ? null : response.json();
    });
  }
  function deviceName() {
    return /Mobi|Android|iPhone|iPad/i.test(navigator.userAgent) ? "Phone" : "Computer";
  }

  // The site's one service worker (static/js/sw.js) shows the notes; a client's pages
  // register it already, a therapist's here.
  var worker = section.getAttribute("data-push-worker");
  var registration = navigator.serviceWorker.register(worker, { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  });

  function show(subscription) {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (subscription) {
      button.textContent = "Turn off push on this device";
      button.setAttribute("data-state", "on");
    } else {
      button.textContent = "Turn on push on this device";
      button.setAttribute("data-state", "off");
    }
  }

  registration
    .then(function (reg) {
      return reg.pushManager.getSubscription();
    })
    .then(show)
    .catch(function () {
      show(null);
    });

  function turnOn(reg) {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        throw new Error("Notifications are blocked for Tandem in this browser's settings.");
      }
      return reg.pushManager
        .subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(section.getAttribute("data-push-key")) })
        .then(function (subscription) {
          var body = subscription.toJSON();
          body.name = deviceName();
          return call("POST", api, body);
        });
    });
  }
  function turnOff(reg) {
    return reg.pushManager.getSubscription().then(function (subscription) {
      if (!subscription) {
        return null;
      }
      // Saving it again names its row here; then it is removed, and the browser forgets it.
      return call("POST", api, subscription.toJSON())
        .then(function (device) {
          return call("DELETE", api + device.id + "/");
        })
        .then(function () {
          return subscription.unsubscribe();
        });
    });
  }

  button.addEventListener("click", function () {
    var on = button.getAttribute("data-state") !== "on";
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    say(on ? "Turning push on…" : "Turning push off…");
    registration
      .then(on ? turnOn : turnOff)
      .then(function () {
        window.location.reload();
      })
      .catch(function (error) {
        say(error && error.message ? error.message : "Push could not be changed on this device.");
        registration
          .then(function (reg) {
            return reg.pushManager.getSubscription();
          })
          .then(show, function () {
            show(null);
          });
      });
  });
})();
