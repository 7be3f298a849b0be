/* Type-ahead pickers (templates/_macros/picker.html): the search box of a <fieldset data-picker> becomes an
   ARIA combobox over the look-up at data-picker-url; choosing an option adds a ticked checkbox named
   data-picker-name to the chosen list. Without this script the form's search button does the same job by
   re-sending the form. Loaded from our own origin (CSP: script-src 'self'); no framework. */
(function () {
  "use strict";

  var DELAY = 200; // ms of quiet typing before a look-up

  function setUp(box, n) {
    var input = box.querySelector("[data-picker-input]");
    var chosen = box.querySelector("[data-picker-chosen]");
    var status = box.querySelector("[data-picker-status]");
    var empty = box.querySelector("[data-picker-empty]");
    var button = box.querySelector("[data-picker-button]");
    var anchor = box.querySelector("[data-picker-box]");
    var min = parseInt(box.dataset.pickerMin || "3", 10);
    var name = box.dataset.pickerName;
    var list = document.createElement("ul");
    var timer = null;
    var controller = null;
    var active = -1;
    var results = [];
    if (!input || !chosen || !anchor || !window.fetch) { return; }

    // The script looks up as one types: the button that re-sent the form is no longer needed (and must
    // not stay the form's default button, or Enter in another field would search instead of saving).
    if (button) { button.remove(); }
    list.id = input.id + "-listbox";
    list.className = "list-group position-absolute w-100 shadow-sm z-3";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", (box.querySelector("label[for='" + input.id + "']") || {}).textContent || "");
    anchor.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    if (status) { status.setAttribute("aria-live", "polite"); }

    function say(text) { if (status) { status.textContent = text || ""; } }
    function close() {
      list.hidden = true;
      list.replaceChildren();
      results = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var items = list.children;
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.classList.toggle("active", i === active);
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function label(result) {
      var detail = box.dataset.pickerDetail ? result[box.dataset.pickerDetail] : "";
      return detail ? result.name + " — " + detail : result.name;
    }
    function existing(value) {
      return box.querySelector("input[type=checkbox][name='" + name + "'][value='" + value + "']");
    }
    function choose(result) {
      var tick = existing(result.id);
      if (tick) {
        tick.checked = true;
        chosen.appendChild(tick.closest("li"));
      } else {
        var item = document.createElement("li");
        var text = document.createElement("label");
        tick = document.createElement("input");
        item.className = "form-check";
        tick.type = "checkbox";
        tick.className = "form-check-input";
        tick.name = name;
        tick.value = String(result.id);
        tick.id = name + "-picked-" + result.id;
        tick.checked = true;
        text.className = "form-check-label";
        text.htmlFor = tick.id;
        text.textContent = label(result); // never innerHTML: names are user text
        item.append(tick, " ", text);
        chosen.appendChild(item);
      }
      if (empty) { empty.hidden = true; }
      close();
      input.value = "";
      say((box.dataset.pickerAdded || "{name}").replace("{name}", label(result)));
    }
    function show(found) {
      close();
      results = found;
      found.forEach(function (result, i) {
        var item = document.createElement("li");
        var detail = box.dataset.pickerDetail ? result[box.dataset.pickerDetail] : "";
        item.id = list.id + "-" + i;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = result.name;
        if (detail) {
          var small = document.createElement("span");
          small.className = "d-block small text-body-secondary";
          small.textContent = detail;
          item.appendChild(small);
        }
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(result); });
        list.appendChild(item);
      });
      if (found.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
    }
    function load() {
      var query = input.value;
      if (controller) { controller.abort(); }
      if (query.replace(/\s/g, "").length < min) { close(); say(""); return; }
      controller = window.AbortController ? new AbortController() : null;
      var url = new URL(box.dataset.pickerUrl, window.location.href);
      url.searchParams.set("q", query);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin",
                   signal: controller && controller.signal })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          if (input.value !== query) { return; }
          show(data.results || []);
          say(data.message);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") { close(); say(box.dataset.pickerFailed); }
        });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) { highlight(active + 1); } else { load(); }
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
        else if (input.value) { event.preventDefault(); input.value = ""; say(""); }
      } else if (event.key === "Enter") {
        // Enter in the search box never sends the form: it chooses the highlighted option or searches now.
        event.preventDefault();
        if (open && active >= 0) { choose(results[active]); } else { clearTimeout(timer); load(); }
      }
    });
    input.addEventListener("blur", close);
    box.dataset.pickerReady = String(n);
  }

  document.querySelectorAll("fieldset[data-picker]").forEach(setUp);
})();
