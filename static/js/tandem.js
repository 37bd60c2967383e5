/* Tandem: small progressive enhancements. Every page works the same without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /* --- Check off and undo in place -------------------------------------------------
     Forms marked data-inplace post with fetch; the server answers as it always does (a
     redirect to the page), and the regions marked data-swap, and the messages, are taken
     from that page. Any failure falls back to an ordinary submit. */
  function swapFrom(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var swapped = null;
    // Keep open what the person opened.
    var opened = Array.prototype.map.call(document.querySelectorAll("[data-swap] details[id][open]"), function (d) {
      return d.id;
    });
    document.querySelectorAll("[data-swap]").forEach(function (region) {
      var fresh = doc.getElementById(region.id);
      if (fresh) {
        region.replaceWith(fresh);
        swapped = swapped || fresh;
      }
    });
    opened.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) {
        details.open = true;
      }
    });
    var messages = document.getElementById("messages");
    var freshMessages = doc.getElementById("messages");
    if (messages && freshMessages) {
      messages.innerHTML = freshMessages.innerHTML;
    }
    return swapped;
  }

  // Set by the offline part below where the browser can keep entries on the phone.
  var keepOffline = null;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-inplace]") || !window.fetch || !window.DOMParser) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (button) {
      if (button.getAttribute("aria-busy") === "true") {
        return;
      }
      button.setAttribute("aria-busy", "true");
    }
    var focusKey = form.getAttribute("data-focus-after");
    // The button pressed says what to save (a mood is one tap on its number).
    var data = new FormData(form);
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      data.append(submitter.name, submitter.value);
    }
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .catch(function () {
        // No answer at all: the connection is gone, though the browser thought it was on.
        throw { offline: true };
      })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var region = swapFrom(html);
        var target = (focusKey && document.getElementById(focusKey)) || region;
        if (target) {
          if (!target.hasAttribute("tabindex")) {
            target.setAttribute("tabindex", "-1");
          }
          target.focus({ preventScroll: false });
        }
      })
      .catch(function (problem) {
        if (button) {
          button.removeAttribute("aria-busy");
        }
        if (problem && problem.offline && keepOffline && form.hasAttribute("data-quick")) {
          keepOffline(form, submitter);
          return;
        }
        HTMLFormElement.prototype.submit.call(form);
      });
  });

  /* --- The assignment form: only the fields of the chosen frequency, and a summary --- */
  function initScheduleForm(form) {
    var radios = form.querySelectorAll("input[name=frequency]");
    if (!radios.length) {
      return;
    }
    var summary = form.querySelector("[data-schedule-summary]");
    var weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    function value(name) {
      var field = form.elements[name];
      return field && field.value ? field.value : "";
    }
    function formatDate(iso) {
      if (!iso) {
        return "";
      }
      var d = new Date(iso + "T12:00:00");
      if (isNaN(d)) {
        return iso;
      }
      return d.toLocaleDateString("en-GB", { weekday: "short", day: "numeric", month: "short" });
    }
    function chosen() {
      var checked = form.querySelector("input[name=frequency]:checked");
      return checked ? checked.value : "";
    }
    function describe(frequency) {
      var start = formatDate(value("start_date"));
      var text = "";
      if (frequency === "once") {
        var due = formatDate(value("due_date"));
        text = "Once, any day" + (start ? " from " + start : "") + (due ? ", due by " + due : "");
      } else if (frequency === "daily") {
        text = "Every day" + (start ? " from " + start : "");
      } else if (frequency === "weekdays") {
        var days = Array.prototype.filter
          .call(form.querySelectorAll("input[name=weekdays]"), function (box) {
            return box.checked;
          })
          .map(function (box) {
            return weekdayNames[Number(box.value)];
          });
        text = (days.length ? "Every " + days.join(", ") : "On chosen weekdays (none chosen yet)") +
          (start ? " from " + start : "");
      } else if (frequency === "weekly") {
        var n = value("times_per_week");
        text = (n ? n + (n === "1" ? " time" : " times") : "A number of times") + " a week, any days" +
          (start ? ", from " + start : "");
      }
      var end = formatDate(value("end_date"));
      if (end && frequency !== "once") {
        text += " until " + end;
      }
      var reminder = value("reminder_time");
      text += reminder ? ", reminder at " + reminder + "." : ", no reminder.";
      var target = value("target_value");
      if (target) {
        text += " Target: " + target.replace(/\.0$/, "") + " " + value("target_unit") + ".";
      }
      return text;
    }
    function update() {
      var frequency = chosen();
      form.querySelectorAll("[data-frequency-only]").forEach(function (group) {
        var kinds = group.getAttribute("data-frequency-only").split(" ");
        group.hidden = frequency !== "" && kinds.indexOf(frequency) === -1;
      });
      if (summary) {
        summary.textContent = describe(frequency);
      }
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }
  document.querySelectorAll("form[data-schedule-form]").forEach(initScheduleForm);

  /* --- Joining: propose the browser's time zone, and a filter for the long list ----- */
  document.querySelectorAll("form[data-join] select[name=timezone]").forEach(function (select) {
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      zone = "";
    }
    var proposed = select.form.getAttribute("data-propose-timezone") === "true";
    if (proposed && zone && select.querySelector('option[value="' + zone.replace(/"/g, "") + '"]')) {
      select.value = zone;
      var note = document.getElementById("timezone-detected");
      if (note) {
        note.textContent = "We chose " + zone.replace(/_/g, " ") + " from this device. Change it if it is wrong.";
      }
    }
    var label = document.createElement("label");
    label.setAttribute("for", select.id + "_filter");
    label.className = "filter-label";
    label.textContent = "Search the list";
    var filter = document.createElement("input");
    filter.type = "search";
    filter.id = select.id + "_filter";
    filter.setAttribute("autocomplete", "off");
    filter.setAttribute("placeholder", "Type a city, e.g. London");
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(filter, select);
    var options = Array.prototype.slice.call(select.options);
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().replace(/_/g, " ").trim();
      var first = null;
      options.forEach(function (option) {
        var match = !words || option.text.toLowerCase().indexOf(words) !== -1;
        option.hidden = !match;
        if (match && !first) {
          first = option;
        }
      });
      if (first && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        select.value = first.value;
      }
    });
  });

  /* --- Offline: log from Today without a connection ---------------------------------
     For signed-in clients, where the browser has service workers (static/js/sw.js keeps
     Today and the help pages, holds the queue and sends it). With no connection, a quick
     form on Today is kept on the phone with its own idempotency key and the moment it was
     logged, listed as waiting, and sent when the connection is back: on Background Sync
     where the browser has it, else when the page sees the connection come back, else at
     the next visit. What the server refuses stays on Today with its reason until the
     client dismisses it. Signing out sends what waits first, warns if anything could not
     be sent, and leaves nothing of the person on the phone. */
  var body = document.body;
  var workerUrl = body.getAttribute("data-offline");
  if (workerUrl && "serviceWorker" in navigator && window.indexedDB && window.caches &&
      window.crypto && crypto.randomUUID && window.MessageChannel) {
    initOffline(workerUrl, body.getAttribute("data-user"), body.getAttribute("data-zone") || "UTC");
  }

  function initOffline(workerUrl, user, zone) {
    var SYNC_TAG = "tandem-queue";
    var banner = document.querySelector("[data-offline-banner]");
    var section = document.querySelector("[data-offline-queue]");
    var waiting = section && section.querySelector("[data-offline-waiting]");
    var problems = document.querySelector("[data-offline-problems]");
    var onToday = Boolean(section);
    var copy = body.getAttribute("data-offline-copy");
    var ready = navigator.serviceWorker.register(workerUrl, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    });
    ready.catch(function () {});

    function ask(message) {
      return ready.then(function (registration) {
        return new Promise(function (resolve, reject) {
          var channel = new MessageChannel();
          var timer = setTimeout(function () {
            reject(new Error("the service worker did not answer"));
          }, 20000);
          channel.port1.onmessage = function (event) {
            clearTimeout(timer);
            if (event.data && event.data.error) {
              reject(new Error(event.data.error));
            } else {
              resolve(event.data || {});
            }
          };
          registration.active.postMessage(message, [channel.port2]);
        });
      });
    }

    function csrf() {
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (match) {
        return decodeURIComponent(match[1]);
      }
      var field = document.querySelector("input[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    }

    /* Words for an entry ---------------------------------------------------------- */
    function inZone(iso, options) {
      options.timeZone = zone;
      try {
        return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso));
      } catch (e) {
        delete options.timeZone;
        return new Intl.DateTimeFormat("en-GB", options).format(new Date(iso));
      }
    }
    function localDay(date) {
      var parts = {};
      var options = { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone };
      var format;
      try {
        format = new Intl.DateTimeFormat("en-GB", options);
      } catch (e) {
        delete options.timeZone; // the phone's own day, then
        format = new Intl.DateTimeFormat("en-GB", options);
      }
      format.formatToParts(date).forEach(function (part) {
        parts[part.type] = part.value;
      });
      return parts.year + "-" + parts.month + "-" + parts.day;
    }
    function when(entry) {
      return inZone(entry.loggedAt, { weekday: "long", day: "numeric", month: "long" });
    }
    function at(entry) {
      return inZone(entry.loggedAt, { weekday: "long", hour: "2-digit", minute: "2-digit" });
    }
    function minutes(n) {
      return n + (n === 1 ? " minute" : " minutes");
    }
    function what(entry) {
      var b = entry.body;
      if (entry.kind === "journal") {
        var mood = b.mood === undefined ? "" : "Mood " + b.mood;
        var words = b.text ? "“" + b.text + "”" : "";
        return [mood, words].filter(Boolean).join(" — ");
      }
      if (entry.kind === "lifestyle") {
        var day = [];
        if (b.exercise_minutes !== undefined) {
          day.push(minutes(b.exercise_minutes) + " of exercise");
        }
        if (b.sleep_hours !== undefined) {
          day.push(b.sleep_hours + (b.sleep_hours === 1 ? " hour" : " hours") + " of sleep");
        }
        return day.join(", ");
      }
      var time = (b.minutes !== undefined ? minutes(b.minutes) + " " : "Time ") + "with " + (entry.person || "someone");
      return time + (entry.how ? " (" + entry.how.toLowerCase() + ")" : "");
    }
    function whose(entry) {
      if (entry.kind === "journal") {
        return entry.body.mood === undefined ? "Your journal entry" : "Your mood";
      }
      if (entry.kind === "lifestyle") {
        return entry.body.exercise_minutes === undefined ? "Your day" : "Your exercise";
      }
      return "Your time with " + (entry.person || "someone");
    }
    function reason(entry) {
      var errors = entry.errors || {};
      if (entry.kind === "lifestyle" && errors.day && /already a log/.test(String(errors.day))) {
        return "you had already logged that day. You can add this to that day's log in your journal.";
      }
      if (entry.lastStatus === 409) {
        return "it was sent once before, in another form.";
      }
      var said = [];
      Object.keys(errors).forEach(function (name) {
        [].concat(errors[name]).forEach(function (message) {
          if (typeof message === "string") {
            said.push(message);
          }
        });
      });
      return said.length ? said.join(" ") : "the server did not accept it.";
    }

    /* Today's lists ---------------------------------------------------------------- */
    function element(tag, className, text) {
      var made = document.createElement(tag);
      if (className) {
        made.className = className;
      }
      if (text) {
        made.textContent = text;
      }
      return made;
    }
    function show(entries) {
      if (!onToday) {
        return;
      }
      var waitingOnes = entries.filter(function (entry) {
        return entry.state !== "failed";
      });
      var failed = entries.filter(function (entry) {
        return entry.state === "failed";
      });
      waiting.textContent = "";
      waitingOnes.forEach(function (entry) {
        var line = element("li");
        line.setAttribute("data-waiting", entry.key);
        line.appendChild(element("span", "", what(entry)));
        var note = "logged " + at(entry) + " · " + (entry.lastStatus === 403 ?
          "waiting: sign in again to send it" : "waiting to be sent");
        line.appendChild(document.createTextNode(" "));
        line.appendChild(element("span", "muted small", note));
        waiting.appendChild(line);
      });
      section.hidden = waitingOnes.length === 0;
      problems.textContent = "";
      failed.forEach(function (entry) {
        var card = element("div", "card offline-problem");
        card.setAttribute("data-offline-problem", entry.key);
        var said = element("p");
        said.appendChild(element("strong", "", whose(entry) + " from " + when(entry) + " could not be saved:"));
        said.appendChild(document.createTextNode(" " + reason(entry)));
        card.appendChild(said);
        card.appendChild(element("p", "small", "What you logged: " + what(entry) + "."));
        var actions = element("div", "form-actions");
        if (problems.getAttribute("data-journal")) {
          var link = element("a", "", "Open your journal");
          link.href = problems.getAttribute("data-journal");
          actions.appendChild(link);
        }
        var dismiss = element("button", "secondary", "Dismiss");
        dismiss.type = "button";
        dismiss.addEventListener("click", function () {
          ask({ type: "dismiss", key: entry.key, user: user }).then(function (answer) {
            show(answer.entries);
            problems.focus();
          });
        });
        actions.appendChild(dismiss);
        card.appendChild(actions);
        problems.appendChild(card);
      });
    }
    function say(text, tone) {
      var messages = document.getElementById("messages");
      if (!messages) {
        return;
      }
      messages.textContent = "";
      var list = element("ul");
      list.appendChild(element("li", tone || "success", text));
      messages.appendChild(list);
    }
    function showConnection() {
      var offline = navigator.onLine === false;
      if (banner) {
        banner.hidden = !(offline || copy);
        var note = banner.querySelector("[data-offline-copy-note]");
        if (note && copy) {
          note.hidden = false;
          banner.querySelector("[data-offline-copy-time]").textContent =
            "on " + inZone(copy, { weekday: "long", hour: "2-digit", minute: "2-digit" });
        }
      }
    }

    /* Keeping an entry ------------------------------------------------------------- */
    function entryFrom(form, submitter) {
      var data = new FormData(form);
      if (submitter && submitter.name) {
        data.append(submitter.name, submitter.value);
      }
      var now = new Date();
      var kind = form.getAttribute("data-quick");
      var entry = {
        key: crypto.randomUUID(),
        user: user,
        kind: kind,
        url: form.getAttribute("data-api"),
        loggedAt: now.toISOString(),
        state: "waiting",
        body: {},
      };
      var b = entry.body;
      var share = form.querySelector("input[name=shared]");
      if (share) {
        b.shared = share.checked;
      }
      function number(name) {
        var value = data.get(name);
        return value === null || value === "" ? undefined : Number(value);
      }
      if (kind === "journal") {
        b.occurred_at = entry.loggedAt;
        if (number("mood") !== undefined) {
          b.mood = number("mood");
        }
        var text = String(data.get("text") || "").trim();
        if (text) {
          b.text = text;
        }
      } else {
        // The day it was logged, in the client's own time zone, not the day it arrives.
        b.day = localDay(now);
        if (kind === "lifestyle") {
          b.exercise_minutes = number("exercise_minutes");
          if (number("sleep_hours") !== undefined) {
            b.sleep_hours = number("sleep_hours");
          }
        } else {
          b.person = data.get("person");
          b.mode = data.get("mode") || "in_person";
          b.support = data.get("support") || "neither";
          if (number("minutes") !== undefined) {
            b.minutes = number("minutes");
          }
          var person = form.querySelector("select[name=person]");
          var how = form.querySelector("select[name=mode]");
          entry.person = person && person.selectedOptions[0] ? person.selectedOptions[0].text : "";
          entry.how = how && how.selectedOptions[0] ? how.selectedOptions[0].text : "";
        }
      }
      return entry;
    }

    function keep(form, submitter) {
      var entry = entryFrom(form, submitter);
      return ask({ type: "queue", entry: entry }).then(
        function (answer) {
          form.reset();
          show(answer.entries);
          say("Saved on this phone: " + what(entry) + ". It will be sent when you are back online.");
          if (section) {
            section.focus();
          }
          ready.then(function (registration) {
            return registration.sync && registration.sync.register(SYNC_TAG);
          }).catch(function () {});
        },
        function () {
          say("This could not be kept on this phone. Please try again when you are back online.", "error");
        }
      );
    }
    keepOffline = keep;

    /* Sending ---------------------------------------------------------------------- */
    var NOTE = "tandem-note";
    function typedIn() {
      return Array.prototype.some.call(document.querySelectorAll("main input, main textarea, main select"), function (field) {
        if (field.type === "hidden" || field.type === "submit") {
          return false;
        }
        if (field.type === "checkbox" || field.type === "radio") {
          return field.checked !== field.defaultChecked;
        }
        if (field.tagName === "SELECT") {
          return Array.prototype.some.call(field.options, function (option) {
            return option.selected !== option.defaultSelected;
          });
        }
        return field.value !== field.defaultValue;
      });
    }
    /* Today as it is now, once the server answers again: the page again when it is the
       kept copy and nothing is being typed, else its regions in place (as after a
       check-off). A copy the worker answers with means there is still no connection. */
    function refreshToday(note) {
      // Opened from the home screen, the kept Today stands at the start page's address.
      var today = section.getAttribute("data-today") || location.pathname;
      // Not signed in any more: the copy stays, with what waits, until the client signs in.
      return fetch(today, { credentials: "same-origin", redirect: "manual" })
        .then(function (response) {
          if (!response.ok || response.headers.get("X-Tandem-Offline-Copy")) {
            return;
          }
          if (copy && !typedIn()) {
            try {
              sessionStorage.setItem(NOTE, note || "");
            } catch (e) {
              // The note is a courtesy: the page shows what arrived anyway.
            }
            if (location.pathname === today) {
              location.reload();
            } else {
              location.replace(today);
            }
            return;
          }
          return response.text().then(function (html) {
            swapFrom(html);
            copy = null;
            body.removeAttribute("data-offline-copy");
            showConnection();
            if (note) {
              say(note);
            }
          });
        })
        .catch(function () {});
    }
    function sentWords(sent) {
      return "Sent: " + sent.map(function (entry) {
        return whose(entry).replace(/^Your/, "your") + " from " + at(entry);
      }).join(", ") + ".";
    }
    function afterSending(sent) {
      if (onToday && (sent.length || copy)) {
        refreshToday(sent.length ? sentWords(sent) : "");
      }
    }
    /* A try that found no network yet (the instant a connection comes back) or a busy server
       is tried again by the page while it is open: after 2 s, then twice as long each time,
       up to a minute. Waiting for the person (signed out) is not retried. */
    var retryTimer = null;
    var retryDelay = 0;
    function markTrying(delay) {
      if (waiting && delay) {
        waiting.setAttribute("data-trying-again", String(delay));
      } else if (waiting) {
        waiting.removeAttribute("data-trying-again");
      }
    }
    function tryAgainLater(answer) {
      var waitingOnes = (answer.entries || []).filter(function (entry) {
        return entry.state !== "failed";
      });
      if (!answer.retry || !waitingOnes.length) {
        retryDelay = 0;
        markTrying(0);
        return;
      }
      retryDelay = Math.min(retryDelay ? retryDelay * 2 : 2000, 60000);
      markTrying(retryDelay);
      retryTimer = setTimeout(function () {
        retryTimer = null;
        sendWaiting().catch(function () {});
      }, retryDelay);
    }
    function sendWaiting() {
      clearTimeout(retryTimer);
      retryTimer = null;
      if (navigator.onLine === false) {
        retryDelay = 0;
        markTrying(0);
        return Promise.resolve(null);
      }
      return ask({ type: "flush", user: user, csrf: csrf() }).then(function (answer) {
        show(answer.entries);
        afterSending(answer.sent || []);
        tryAgainLater(answer);
        return answer;
      });
    }

    /* Signing out: send first; warn about what could not be sent; then forget it all. */
    function forget() {
      var cleared = ask({ type: "clear" }).catch(function () {
        return new Promise(function (resolve) {
          var request = indexedDB.deleteDatabase("tandem-offline");
          request.onsuccess = request.onerror = request.onblocked = resolve;
        });
      });
      var dropped = caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf("tandem-") === 0;
        }).map(function (name) {
          return caches.delete(name);
        }));
      });
      return Promise.all([cleared, dropped]).catch(function () {});
    }
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-sign-out") || form.getAttribute("data-forgotten") === "true") {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      var button = form.querySelector("button");
      if (navigator.onLine === false) {
        say("You are offline. Signing out needs a connection: please try again when you are back.", "warning");
        return;
      }
      button.setAttribute("aria-busy", "true");
      var go = function () {
        forget().then(function () {
          form.setAttribute("data-forgotten", "true");
          HTMLFormElement.prototype.submit.call(form);
        });
      };
      if (form.getAttribute("data-warned") === "true") {
        go();
        return;
      }
      sendWaiting()
        .catch(function () {
          return null;
        })
        .then(function () {
          return ask({ type: "list", user: user });
        })
        .then(function (answer) {
          var left = answer.entries.length;
          if (!left) {
            go();
            return;
          }
          button.removeAttribute("aria-busy");
          form.setAttribute("data-warned", "true");
          button.textContent = "Sign out and delete " + (left === 1 ? "it" : "them");
          var text = (left === 1 ? "1 entry on this phone has" : left + " entries on this phone have") +
            " not been saved. Signing out deletes " + (left === 1 ? "it" : "them") + " from this phone.";
          var note = form.querySelector("[data-sign-out-note]") || element("p", "small sign-out-note");
          note.setAttribute("data-sign-out-note", "");
          note.textContent = text;
          form.insertBefore(note, button);
          say(text, "warning");
          button.focus();
        }, go);
    }, true);

    /* A quick form on Today with no connection: kept on the phone instead of posted. */
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-quick") || !form.hasAttribute("data-api") || navigator.onLine !== false) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      keep(form, event.submitter);
    }, true);

    window.addEventListener("offline", showConnection);
    window.addEventListener("online", function () {
      showConnection();
      sendWaiting().catch(function () {});
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var message = event.data || {};
      if (message.type === "sent") {
        var mine = (message.sent || []).filter(function (entry) {
          return entry.user === user;
        });
        show((message.entries || []).filter(function (entry) {
          return entry.user === user;
        }));
        afterSending(mine);
      }
    });

    showConnection();
    if (copy) {
      var messages = document.getElementById("messages");
      if (messages) {
        messages.textContent = ""; // what the page said when it was kept is not news now
      }
    }
    try {
      var note = sessionStorage.getItem(NOTE);
      sessionStorage.removeItem(NOTE);
      if (note) {
        say(note);
      }
    } catch (e) {
      // No session storage: no note to show.
    }
    ask({ type: "hello", user: user, csrf: csrf(), today: onToday && !copy })
      .then(function (answer) {
        show(answer.entries);
        return sendWaiting();
      })
      .catch(function () {});
  }
})();
