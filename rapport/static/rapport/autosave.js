// Progress-note editor: never lose a word (notes/templates/notes/editor/edit.html).
// htmx posts the form a few seconds after typing stops (hx-trigger on the form). This file adds what htmx
// cannot do alone: show the server's 400/409 answers, pause while a conflict is on screen, let a click on
// Save or Sign wait for a save in flight (so it carries the new version), and save with sendBeacon when
// the page is left with unsaved changes. Without JavaScript the form's own buttons still save and sign.
(function () {
  "use strict";

  function setUp(form) {
    var url = form.dataset.autosaveUrl;
    var edits = 0;          // changes typed since the last save the server confirmed
    var editsSent = 0;      // `edits` when the request in flight was sent
    var inFlight = false;
    var submitting = false;
    var waitingSubmitter = null;

    function inConflict() {
      return form.querySelector("[data-conflict]") !== null;
    }

    function status(text) {
      var region = document.getElementById("autosave-status");
      if (region) {
        region.textContent = text;
        region.classList.add("is-problem");
      }
    }

    form.addEventListener("input", function () { edits += 1; });

    form.addEventListener("submit", function (event) {
      if (inFlight) {
        // Let the background save finish first: its answer carries the version this submit must send.
        event.preventDefault();
        waitingSubmitter = event.submitter || form.querySelector("button[type=submit]");
        return;
      }
      submitting = true;
    });

    form.addEventListener("htmx:confirm", function (event) {
      if (submitting || inConflict()) {
        event.preventDefault();
      }
    });

    form.addEventListener("htmx:beforeRequest", function () {
      inFlight = true;
      editsSent = edits;
    });

    form.addEventListener("htmx:beforeSwap", function (event) {
      var xhr = event.detail.xhr;
      var answeredBy = xhr.responseURL || "";
      if (answeredBy && answeredBy.indexOf(url) === -1) {
        // Redirected (to the sign-in page): the session ended. Keep the page as it is.
        event.detail.shouldSwap = false;
        status("Not saved: you have been signed out. Copy your text somewhere safe, then sign in again in another tab.");
        return;
      }
      if (xhr.status === 400 || xhr.status === 409) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });

    form.addEventListener("htmx:afterRequest", function (event) {
      inFlight = false;
      var xhr = event.detail.xhr;
      if (xhr && xhr.status === 200 && edits === editsSent) {
        edits = 0;
        editsSent = 0;
      } else if (xhr && xhr.status === 0) {
        status("Not saved: the server could not be reached. Your text is still on this page; it will be saved when you type again.");
      }
      if (waitingSubmitter) {
        var submitter = waitingSubmitter;
        waitingSubmitter = null;
        if (inConflict()) {
          return;
        }
        if (form.requestSubmit) {
          form.requestSubmit(submitter);
        } else {
          submitter.click();
        }
      }
    });

    window.addEventListener("pagehide", function () {
      if (edits === 0 || submitting || inConflict() || !navigator.sendBeacon) {
        return;
      }
      var data = new FormData(form);
      data.delete("secret");
      data.delete("action");
      data.delete("replace_version");
      navigator.sendBeacon(url, data);
    });
  }

  function start() {
    var form = document.getElementById("note-editor");
    if (form && form.dataset.autosaveUrl) {
      setUp(form);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
