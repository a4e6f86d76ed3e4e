// Drafts of the partner's forms (questionnaires, homework) are kept in this device's localStorage as they are
// typed, under "portal:<account>:<form>", so a closed tab or an idle sign-out loses nothing. They are removed
// once the entry is sent, and all of them at sign-out.
(function () {
  "use strict";
  var PREFIX = "portal:";
  function clearAll() {
    try {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf(PREFIX) === 0) { window.localStorage.removeItem(key); }
      });
    } catch (e) { /* storage disabled: nothing kept, nothing to clear */ }
  }
  function save(form, key, status) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "hidden" && el.name !== "version") { return; }
      if ((el.type === "radio" || el.type === "checkbox")) {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else { data[el.name] = [el.value]; }
    });
    try {
      window.localStorage.setItem(key, JSON.stringify(data));
      if (status) { status.textContent = "Kept on this device as you type."; }
    } catch (e) { /* storage full or disabled */ }
  }
  function restore(form, key) {
    var raw;
    try { raw = window.localStorage.getItem(key); } catch (e) { return; }
    if (!raw) { return; }
    var data = JSON.parse(raw);
    Array.prototype.forEach.call(form.elements, function (el) {
      var values = data[el.name];
      if (!values || el.name === "csrfmiddlewaretoken") { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        if (!form.dataset.bound) { el.checked = values.indexOf(el.value) !== -1; }
      } else if (!el.value) { el.value = values[0]; }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-clear-drafts-now]")) { clearAll(); }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-clear-drafts]"), function (form) {
      form.addEventListener("submit", clearAll);
    });
    var sent = document.querySelector("[data-draft-sent]");
    if (sent) {
      try {
        Object.keys(window.localStorage).forEach(function (key) {
          if (key.indexOf(PREFIX) === 0 && key.slice(-(sent.dataset.draftSent.length + 1)) === ":" + sent.dataset.draftSent) {
            window.localStorage.removeItem(key);
          }
        });
      } catch (e) { /* nothing kept */ }
    }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), function (form) {
      var key = form.dataset.draft;
      var status = document.querySelector("[data-draft-status]");
      restore(form, key);
      form.addEventListener("input", function () { save(form, key, status); });
      form.addEventListener("change", function () { save(form, key, status); });
    });
  });
}());
