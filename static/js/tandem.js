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
      .catch(function () {
        if (button) {
          button.removeAttribute("aria-busy");
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
})();
