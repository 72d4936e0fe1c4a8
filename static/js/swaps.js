// Swaps: drag and drop onto the upload field, the upload progress bar, and the face
// picker's "tick a face -> The faces I tick". A static file: the CSP allows no inline script.
// Delegated from the document, because htmx replaces the forms after each response.
(function () {
  "use strict";

  function showName(zone, input) {
    const name = zone.querySelector("[data-file-name]");
    if (name) name.textContent = input.files.length ? input.files[0].name : "";
  }

  document.addEventListener("change", function (event) {
    const input = event.target;
    const zone = input.closest("[data-dropzone]");
    if (zone && input.type === "file") showName(zone, input);
    if (input.matches("[data-face-tick]") && input.checked) {
      const chosen = input.form && input.form.querySelector("input[name=which][value=chosen]");
      if (chosen) chosen.checked = true;
    }
  });

  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      const zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("dropzone-over");
    });
  });
  document.addEventListener("dragleave", function (event) {
    const zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) zone.classList.remove("dropzone-over");
  });
  document.addEventListener("drop", function (event) {
    const zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("dropzone-over");
    const input = zone.querySelector("input[type=file]");
    if (input && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      showName(zone, input);
    }
  });

  function uploadParts(event) {
    const form = event.target.closest && event.target.closest("[data-upload-progress]");
    if (!form) return null;
    return { bar: form.querySelector(".upload-progress"), status: form.querySelector("[data-upload-status]") };
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const parts = uploadParts(event);
    if (!parts) return;
    parts.bar.hidden = false;
    parts.bar.value = 0;
    parts.status.hidden = false;
    parts.status.textContent = "Uploading…";
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    const parts = uploadParts(event);
    if (!parts || !event.detail.lengthComputable) return;
    const percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    parts.bar.value = percent;
    parts.status.textContent = percent < 100 ? "Uploading… " + percent + "%" : "Checking the file…";
  });

  document.addEventListener("htmx:responseError", function (event) {
    const parts = uploadParts(event);
    if (!parts) return;
    parts.bar.hidden = true;
    parts.status.hidden = false;
    parts.status.textContent = event.detail.xhr.status === 413
      ? "That file is too large. Nothing of it was kept."
      : "The upload failed. Please try again.";
  });
})();
