// Progress-note editor: never lose a word (notes/templates/notes/editor/edit.html).
// htmx posts the form a few seconds after typing stops (hx-trigger on the form). This file adds what htmx
// cannot do alone: show the server's 400/409 answers in the status line (and a 400's errors by their fields),
// pause while a conflict is on screen (and never say "Saved" under it), let a click on Save or Sign wait for
// a save in flight (so it carries the new version), and save with sendBeacon when the page is left with
// unsaved changes. Without JavaScript the form's own buttons still save and sign.
// With DEBUG on (`make run`), django-htmx adds a handler on `document` that puts any 400/403/404/500 answer in
// place of the whole page: the editor, and every word typed since the last save, would be gone. An autosave
// answer never reaches it (htmx:beforeOnLoad stops at the form), so debug and production behave the same.
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

    // The errors of a refused save, each by its field (the status line lists them too). They stay until the
    // next answer: a 400 puts its own, anything else clears them.
    function clearFieldErrors() {
      form.querySelectorAll("[data-autosave-error]").forEach(function (note) {
        var input = document.getElementById(note.dataset.autosaveError);
        if (input) {
          var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
            return id && id !== note.id;
          });
          if (described.length) {
            input.setAttribute("aria-describedby", described.join(" "));
          } else {
            input.removeAttribute("aria-describedby");
          }
          if (input.dataset.autosaveInvalid) {
            input.removeAttribute("aria-invalid");
            delete input.dataset.autosaveInvalid;
          }
        }
        var box = note.parentElement;
        if (box && box.dataset.autosaveMarked) {
          box.classList.remove("field-error");
          delete box.dataset.autosaveMarked;
        }
        note.remove();
      });
    }

    function showFieldErrors() {
      clearFieldErrors();
      var region = document.getElementById("autosave-status");
      if (!region) {
        return;
      }
      region.querySelectorAll("[data-field]").forEach(function (problem) {
        var input = document.getElementById(problem.dataset.field);
        if (!input || !form.contains(input)) {
          return;
        }
        var note = document.createElement("p");
        note.className = "errorlist autosave-field-error";
        note.id = problem.dataset.field + "_autosave_error";
        note.dataset.autosaveError = problem.dataset.field;
        note.textContent = problem.textContent;
        var box = input.closest(".field");
        if (box && input.parentElement === box) {
          box.insertBefore(note, input);
        } else {
          box = input.closest("fieldset");  // a group of radios or checkboxes: under its legend
          if (!box) {
            return;
          }
          var legend = box.querySelector("legend");
          box.insertBefore(note, legend ? legend.nextSibling : box.firstChild);
        }
        if (!box.classList.contains("field-error")) {
          box.classList.add("field-error");
          box.dataset.autosaveMarked = "true";
        }
        if (input.getAttribute("aria-invalid") !== "true") {
          input.setAttribute("aria-invalid", "true");
          input.dataset.autosaveInvalid = "true";
        }
        var described = input.getAttribute("aria-describedby");
        input.setAttribute("aria-describedby", described ? described + " " + note.id : note.id);
      });
    }

    form.addEventListener("input", function () { edits += 1; });

    // "No risk concerns": one click answers "None" to every unanswered risk question on the page (the
    // partners the session was about) except one with an open risk of that kind in the register, then
    // autosave sends it. Without JavaScript the button posts
    // action=no_risk and the server does the same.
    form.querySelectorAll("[data-no-risk]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var answered = 0;
        var last = null;
        form.querySelectorAll("[data-risk-answer]").forEach(function (row) {
          // A question with an open risk in the register is the clinician's to answer (the page says why).
          if (row.querySelector("input[type=radio]:checked") || row.hasAttribute("data-open-risk")) {
            return;
          }
          var none = row.querySelector("input[type=radio][value=none]");
          if (none) {
            none.checked = true;
            answered += 1;
            last = none;
          }
        });
        var done = document.getElementById("no-risk-done");
        if (done) {
          done.textContent = answered ? "Risk check: None recorded for " + answered + " question" +
            (answered === 1 ? "" : "s") + "." : "Every risk question was already answered.";
        }
        if (last) {
          edits += 1;
          last.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    });

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

    form.addEventListener("htmx:beforeOnLoad", function (event) {
      if (event.detail.xhr && event.detail.xhr.status >= 400) {
        // Ours to show, in the status line only: keep it from django-htmx's DEBUG page swap on `document`.
        event.stopPropagation();
      }
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
        // The server aims these at the status line (or the conflict panel) with HX-Retarget.
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      } else if (xhr.status >= 400) {
        event.detail.shouldSwap = false;
        status("Not saved: the server answered with an error (" + xhr.status + "). Your text is still on this " +
               "page; it will be saved when you type again.");
      } else if (inConflict()) {
        // A save sent before the conflict showed: the status keeps saying that nothing is saved until the
        // conflict is resolved, by a choice in its panel.
        event.detail.shouldSwap = false;
      }
    });

    form.addEventListener("htmx:afterSwap", function (event) {
      var xhr = event.detail.xhr;
      if (xhr && xhr.status === 400) {
        showFieldErrors();
      } else if (xhr && xhr.status === 200) {
        clearFieldErrors();
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
