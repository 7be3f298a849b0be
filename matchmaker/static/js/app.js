/* Progressive enhancements; every page works without them. Loaded from our own origin (CSP: script-src 'self'). */
(function () {
  "use strict";

  // A search box above long <select data-filter> lists (institution picker): hides options that do not match.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
  }
  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.setAttribute("aria-label", select.dataset.filterLabel || "Lọc danh sách / Filter the list");
    box.placeholder = "🔍";
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
})();
