/* Progressive enhancements; every page works without them. Loaded from our own origin (CSP: script-src 'self'). */
(function () {
  "use strict";

  // Phones: each cell of a data table is labelled by its column, so that app.css can show rows as cards.
  // Tables with merged cells or without a header row keep their grid (data-reflow="off" opts out).
  document.querySelectorAll("table.table").forEach(function (table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head || table.dataset.reflow === "off" || table.querySelector("tbody [colspan], tbody [rowspan]")) { return; }
    var labels = Array.prototype.map.call(head.cells, function (cell) { return cell.textContent.trim(); });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, i) {
          if (labels[i] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", labels[i]); }
        });
      });
    });
    table.classList.add("mm-reflow");
  });

  // A table wider than its box scrolls sideways in .table-responsive: the box then joins the tab order as a
  // region named by the table's caption or the heading above it, so the keyboard can scroll it too
  // (axe-core: scrollable-region-focusable). Checked again when the window changes size.
  function headingBefore(element) {
    for (var node = element; node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before; before = before.previousElementSibling) {
        var heading = /^H[1-6]$/.test(before.tagName) ? before : before.querySelector("h1, h2, h3, h4, h5, h6");
        if (heading) { return heading.textContent.trim(); }
      }
    }
    return document.title;
  }
  function markScrollableTables() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        var caption = box.querySelector("caption");
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : headingBefore(box));
        box.dataset.scrollable = "1";
      } else if (!scrolls && box.dataset.scrollable) {
        ["tabindex", "role", "aria-label", "data-scrollable"].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }
  markScrollableTables();
  window.addEventListener("resize", markScrollableTables);

  // A search box above long <select data-filter> lists (institution picker): hides options that do not match.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    // Named in the page's language, in words (a screen reader cannot read an emoji as an instruction).
    var label = select.dataset.filterLabel ||
      (document.documentElement.lang === "en" ? "Type to filter the list" : "Gõ để lọc danh sách");
    box.setAttribute("aria-label", label);
    box.placeholder = label;
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var wanted = fold(box.value.trim());
      Array.prototype.forEach.call(select.options, function (option) {
        option.hidden = wanted !== "" && option.value !== "" && fold(option.text).indexOf(wanted) === -1;
      });
    });
  });

  // Upload progress for large files: the form is sent with XMLHttpRequest and the answer replaces the page.
  document.querySelectorAll("form[data-upload-progress]").forEach(function (form) {
    var bar = document.getElementById(form.dataset.uploadProgress);
    form.addEventListener("submit", function (event) {
      if (!bar || !window.FormData) { return; }
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      bar.classList.remove("d-none");
      var status = document.getElementById(form.dataset.uploadStatus || "");
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); }
      });
      // Sent: the server is now reading the file; an indeterminate bar says so.
      request.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        if (status) { status.textContent = status.dataset.analysing || ""; }
      });
      request.addEventListener("load", function () {
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.send(new FormData(form));
    });
  });

  // Type-ahead suggestions under a search box with data-suggest-url: an ARIA combobox and listbox
  // (a <datalist> would hide "Điện ..." when the user typed "dien"). Debounced; the form works without it.
  document.querySelectorAll("input[data-suggest-url]").forEach(function (input, n) {
    if (!window.fetch) { return; }
    var list = document.createElement("ul");
    var timer = null;
    var controller = null;
    var active = -1;
    list.id = (input.id || "suggest-" + n) + "-suggestions";
    list.className = "list-group position-absolute w-100 shadow-sm z-3 d-none";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.dataset.suggestLabel || "Gợi ý / Suggestions");
    (input.closest(".input-group") || input).insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");

    function options() { return list.querySelectorAll("[role=option]"); }
    function close() {
      list.classList.add("d-none");
      list.replaceChildren();
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var items = options();
      if (!items.length) { return; }
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.classList.toggle("active", i === active);
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
    }
    function choose(text) {
      input.value = text;
      close();
      if (input.form) { input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit(); }
    }
    function show(suggestions) {
      close();
      suggestions.forEach(function (text, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.className = "list-group-item list-group-item-action";
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = text;  // never innerHTML: titles are user text
        item.addEventListener("mousedown", function (event) { event.preventDefault(); });
        item.addEventListener("click", function () { choose(text); });
        list.appendChild(item);
      });
      if (suggestions.length) {
        list.classList.remove("d-none");
        input.setAttribute("aria-expanded", "true");
      }
    }
    function load() {
      var prefix = input.value;
      if (controller) { controller.abort(); }
      if (prefix.trim().length < 2 || prefix.length > 100) { close(); return; }
      controller = window.AbortController ? new AbortController() : null;
      var url = new URL(input.dataset.suggestUrl, window.location.href);
      url.searchParams.set("q", prefix);
      fetch(url, { headers: { Accept: "application/json" }, signal: controller && controller.signal })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value === prefix && document.activeElement === input) { show(data.suggestions || []); }
        })
        .catch(function () { /* aborted or offline: the plain search still works */ });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.classList.contains("d-none");
      if (event.key === "ArrowDown" && open) { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp" && open) { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape" && open) { event.preventDefault(); close(); }
      else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(options()[active].textContent);
      }
    });
    input.addEventListener("blur", close);
  });
  // An irreversible step (a form with data-confirm-title) asks in a dialog before it is sent; the dialog ticks
  // the form's "I confirm" box, which is hidden here. The server refuses the step without that box.
  var dialog = document.getElementById("confirm-step");
  document.querySelectorAll("form[data-confirm-title]").forEach(function (form) {
    var box = form.querySelector("input[name=confirm]");
    var wrapper = form.querySelector(".mm-confirm");
    if (wrapper && !wrapper.querySelector(".is-invalid")) { wrapper.classList.add("d-none"); }
    form.addEventListener("submit", function (event) {
      if (form.dataset.confirmed === "yes") { return; }
      event.preventDefault();
      var send = function () {
        if (box) { box.checked = true; }
        form.dataset.confirmed = "yes";
        // A WTForms SubmitField named "submit" hides the form's own submit() method.
        HTMLFormElement.prototype.submit.call(form);
      };
      if (!dialog || !window.bootstrap) {
        if (window.confirm(form.dataset.confirmTitle + "\n\n" + (form.dataset.confirmText || ""))) { send(); }
        return;
      }
      document.getElementById("confirm-step-title").textContent = form.dataset.confirmTitle;
      document.getElementById("confirm-step-text").textContent = form.dataset.confirmText || "";
      var ok = document.getElementById("confirm-step-ok");
      ok.className = "btn btn-" + (form.dataset.confirmTone === "danger" ? "danger" : "primary");
      ok.textContent = form.dataset.confirmOk || ok.dataset.defaultLabel;
      ok.onclick = function () { ok.disabled = true; send(); };
      ok.disabled = false;
      window.bootstrap.Modal.getOrCreateInstance(dialog).show();
    });
  });
  // A button with data-copy="<input id>" copies that input's value (a new access token) and says so.
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      if (!input) { return; }
      input.select();
      var done = function () { button.textContent = button.dataset.copied; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
})();
