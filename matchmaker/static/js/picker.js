/* Searchable pickers (templates/_macros/picker.html): a search box becomes an ARIA combobox over the
   look-up at data-picker-url (JSON: matchmaker/blueprints/pickers.py), whose listbox is walked with the
   arrow keys, chosen with Enter and closed with Escape; a live region reads what the look-up says.
   Three kinds share that combobox (data-picker-mode):
   - "add" (the default): choosing adds a ticked checkbox named data-picker-name to the chosen list;
     without this script the form's search button re-sends the form to do the same;
   - "chips": every choice is already a checkbox of the form (grouped, visible without this script); the
     script hides that list and shows the ticked ones as removable chips above the search box;
   - "one": a plain <select> (what the form sends, and all there is without this script) is hidden behind
     a search box; choosing sets the select.
   Loaded from our own origin (CSP: script-src 'self'); no framework. Names are user text: never innerHTML. */
(function () {
  "use strict";

  var DELAY = 200; // ms of quiet typing before a look-up

  function combobox(box, input, anchor, status, choose) {
    var list = document.createElement("ul");
    var min = parseInt(box.dataset.pickerMin || "3", 10);
    var timer = null;
    var controller = null;
    var active = -1;
    var results = [];
    var label = document.querySelector("label[for='" + input.id + "']");

    list.id = input.id + "-listbox";
    list.className = "list-group position-absolute w-100 shadow-sm z-3 mm-picker-list";
    list.hidden = true;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", (label && label.textContent.trim()) || input.getAttribute("aria-label") || "");
    anchor.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    if (status) { status.setAttribute("aria-live", "polite"); }

    function say(text) { if (status) { status.textContent = text || ""; } }
    function isOpen() { return !list.hidden; }
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
    function detail(result) {
      return box.dataset.pickerDetail ? result[box.dataset.pickerDetail] || "" : "";
    }
    function pick(result) {
      close();
      choose(result, result.name);
    }
    function show(found) {
      close();
      results = found;
      found.forEach(function (result, i) {
        var item = document.createElement("li");
        var extra = detail(result);
        item.id = list.id + "-" + i;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = result.name;
        if (extra) {
          var small = document.createElement("span");
          small.className = "d-block small text-body-secondary";
          small.textContent = extra;
          item.appendChild(small);
        }
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { pick(result); });
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
      var open = isOpen();
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) { highlight(active + 1); } else { clearTimeout(timer); load(); }
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight(active - 1);
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
        else if (input.value) { event.preventDefault(); input.dispatchEvent(new Event("picker:reset")); }
      } else if (event.key === "Enter") {
        // Enter in the search box never sends the form: it chooses the highlighted option or searches now.
        event.preventDefault();
        if (open && active >= 0) { pick(results[active]); } else { clearTimeout(timer); load(); }
      }
    });
    input.addEventListener("blur", close);
    return { say: say, close: close };
  }

  function announce(box, key, name) {
    return (box.dataset[key] || "{name}").replace("{name}", name);
  }

  // "add": a ticked checkbox per choice, appended to the chosen list.
  function setUpAdd(box) {
    var input = box.querySelector("[data-picker-input]");
    var chosen = box.querySelector("[data-picker-chosen]");
    var empty = box.querySelector("[data-picker-empty]");
    var button = box.querySelector("[data-picker-button]");
    var anchor = box.querySelector("[data-picker-box]");
    var name = box.dataset.pickerName;
    if (!input || !chosen || !anchor) { return false; }
    // The script looks up as one types: the button that re-sent the form is no longer needed (and must
    // not stay the form's default button, or Enter in another field would search instead of saving).
    if (button) { button.remove(); }
    var combo = combobox(box, input, anchor, box.querySelector("[data-picker-status]"), function (result) {
      var detail = box.dataset.pickerDetail ? result[box.dataset.pickerDetail] : "";
      var text = detail ? result.name + " — " + detail : result.name;
      var tick = box.querySelector("input[type=checkbox][name='" + name + "'][value='" + result.id + "']");
      if (tick) {
        tick.checked = true;
        chosen.appendChild(tick.closest("li"));
      } else {
        var item = document.createElement("li");
        var label = document.createElement("label");
        tick = document.createElement("input");
        item.className = "form-check";
        tick.type = "checkbox";
        tick.className = "form-check-input";
        tick.name = name;
        tick.value = String(result.id);
        tick.id = name + "-picked-" + result.id;
        tick.checked = true;
        label.className = "form-check-label";
        label.htmlFor = tick.id;
        label.textContent = text;
        item.append(tick, " ", label);
        chosen.appendChild(item);
      }
      if (empty) { empty.hidden = true; }
      input.value = "";
      combo.say(announce(box, "pickerAdded", text));
    });
    input.addEventListener("picker:reset", function () { input.value = ""; combo.say(""); });
    return true;
  }

  // "chips": the form's own checkboxes, the ticked ones shown as chips with a remove button.
  function setUpChips(box) {
    var input = box.querySelector("[data-picker-input]");
    var anchor = box.querySelector("[data-picker-box]");
    var all = box.querySelector("[data-picker-all]");
    var chips = box.querySelector("[data-picker-chips]");
    var empty = box.querySelector("[data-picker-empty]");
    if (!input || !anchor || !all || !chips) { return false; }
    var ticks = all.querySelectorAll("input[type=checkbox]");
    function labelOf(tick) {
      var label = all.querySelector("label[for='" + tick.id + "']");
      return label ? label.textContent.trim() : tick.value;
    }
    function render() {
      chips.replaceChildren();
      Array.prototype.forEach.call(ticks, function (tick) {
        if (!tick.checked) { return; }
        var item = document.createElement("li");
        var text = document.createElement("span");
        var remove = document.createElement("button");
        item.className = "mm-chip";
        text.textContent = labelOf(tick);
        remove.type = "button";
        remove.className = "btn mm-chip-remove";
        remove.setAttribute("aria-label", announce(box, "pickerRemove", labelOf(tick)));
        remove.innerHTML = '<i class="bi bi-x-lg" aria-hidden="true"></i>'; // a constant icon, no user text
        remove.addEventListener("click", function () {
          tick.checked = false;
          render();
          input.focus();
          combo.say(announce(box, "pickerRemoved", labelOf(tick)));
        });
        item.append(text, remove);
        chips.appendChild(item);
      });
      chips.hidden = !chips.children.length;
      if (empty) { empty.hidden = !!chips.children.length; }
    }
    var combo = combobox(box, input, anchor, box.querySelector("[data-picker-status]"), function (result) {
      var tick = Array.prototype.find.call(ticks, function (t) { return t.value === String(result.id); });
      if (!tick) { return; }
      var already = tick.checked;
      tick.checked = true;
      render();
      input.value = "";
      combo.say(announce(box, already ? "pickerAlready" : "pickerAdded", labelOf(tick)));
    });
    input.addEventListener("picker:reset", function () { input.value = ""; combo.say(""); });
    all.hidden = true;
    box.querySelectorAll("[data-picker-search], [data-picker-hint]").forEach(function (el) { el.hidden = false; });
    render();
    return true;
  }

  // "one": a search box in front of a hidden <select>, which the form still sends.
  function setUpOne(box) {
    var select = box.querySelector("select");
    var anchor = box.querySelector("[data-picker-box]");
    var label = select && box.querySelector("label[for='" + select.id + "']");
    if (!select || !anchor) { return false; }
    var input = document.createElement("input");
    input.type = "text";
    input.id = select.id + "-search";
    input.className = "form-control" + (select.classList.contains("is-invalid") ? " is-invalid" : "");
    input.spellcheck = false;
    if (select.getAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    }
    if (select.getAttribute("aria-invalid")) { input.setAttribute("aria-invalid", select.getAttribute("aria-invalid")); }
    if (select.required) { input.setAttribute("aria-required", "true"); }
    if (label) { label.htmlFor = input.id; } else { input.setAttribute("aria-label", box.dataset.pickerLabel || ""); }
    anchor.insertBefore(input, select);
    select.hidden = true;
    select.tabIndex = -1;
    var blank = box.dataset.pickerBlank || ""; // the value of the "none" option, when the list has one
    function current() {
      var option = select.options[select.selectedIndex];
      return option && option.value !== blank ? option.textContent : "";
    }
    function restore() { input.value = current(); }
    var combo = combobox(box, input, anchor, box.querySelector("[data-picker-status]"), function (result, name) {
      var value = String(result.id);
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      if (!option) { return; } // the look-up offers only what the list holds
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = option.textContent || name;
      combo.say(announce(box, "pickerChosen", input.value));
    });
    input.addEventListener("picker:reset", function () { restore(); combo.say(""); });
    input.addEventListener("blur", function () {
      var none = Array.prototype.some.call(select.options, function (o) { return o.value === blank; });
      if (!input.value.trim() && none && select.value !== blank) {
        select.value = blank;
        combo.say(box.dataset.pickerCleared || "");
      }
      restore();
    });
    box.querySelectorAll("[data-picker-hint]").forEach(function (el) { el.hidden = false; });
    restore();
    return true;
  }

  var SETUPS = { add: setUpAdd, chips: setUpChips, one: setUpOne };
  if (!window.fetch) { return; }
  document.querySelectorAll("[data-picker]").forEach(function (box, n) {
    var setUp = SETUPS[box.dataset.pickerMode || "add"];
    if (setUp && setUp(box)) { box.dataset.pickerReady = String(n); }
  });
})();
