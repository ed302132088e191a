/* Suiban page behaviour: idle-session warning (SEC-1) and keeping typed forms across a re-login. */
(function () {
  "use strict";
  // Pages carry no inline event handlers (the Content-Security-Policy forbids them): small behaviours are
  // declared with data attributes and wired here.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (!el.matches || !el.matches("[data-sb-submit]") || !el.form) return;
    var clear = el.getAttribute("data-sb-clear");
    if (clear && el.form.elements[clear]) el.form.elements[clear].value = "";
    el.form.submit();
  });
  // data-sb-go: a select whose value is a query string ("school_id=3") opens that view of the same page.
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("select[data-sb-go]") && el.value) window.location = "?" + el.value;
  });
  document.addEventListener("click", function (ev) {
    var el = ev.target.closest ? ev.target.closest("[data-sb-print], [data-sb-back]") : null;
    if (!el) return;
    ev.preventDefault();
    if (el.hasAttribute("data-sb-print")) window.print(); else history.back();
  });
  // data-sb-when="kind" data-sb-when-values="transfer dispute": a form part shown only while the form's "kind"
  // has one of those values; hidden, its inputs are disabled and not sent.
  function toggleWhen(form) {
    form.querySelectorAll("[data-sb-when]").forEach(function (part) {
      var ctl = form.elements[part.getAttribute("data-sb-when")];
      var on = !!ctl && part.getAttribute("data-sb-when-values").split(" ").indexOf(ctl.value) >= 0;
      part.hidden = !on;
      part.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
    });
  }
  document.querySelectorAll("form").forEach(function (form) {
    if (!form.querySelector("[data-sb-when]")) return;
    toggleWhen(form);
    form.addEventListener("change", function () { toggleWhen(form); });
  });
  // data-sb-confirm="question": a form is sent only after the user confirms.
  document.addEventListener("submit", function (ev) {
    var q = ev.target.getAttribute && ev.target.getAttribute("data-sb-confirm");
    if (q && !window.confirm(q)) ev.preventDefault();
  });
  // --- lists as cards on a phone: every cell of a table.sb-cards is labelled with its column's header, once --
  document.querySelectorAll("table.sb-cards").forEach(function (table) {
    var labels = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      var a = th.querySelector("a"), el = (a || th).cloneNode(true);
      el.querySelectorAll(".visually-hidden, i").forEach(function (x) { x.remove(); });
      return el.textContent.replace(/\s+/g, " ").trim();
    });
    table.querySelectorAll("tbody > tr").forEach(function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.children, function (td) {
        if (!td.hasAttribute("data-label") && !td.hasAttribute("colspan")) td.setAttribute("data-label", labels[col] || "");
        col += parseInt(td.getAttribute("colspan") || "1", 10);
      });
    });
  });
  var script = document.currentScript;
  var DRAFT_PREFIX = "suiban-draft:";

  // --- form drafts: a form marked data-autosave is kept in this tab's sessionStorage -------------
  function draftKey(form) { return DRAFT_PREFIX + location.pathname + "#" + (form.id || form.getAttribute("action") || ""); }
  function saveDraft(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "password" || el.type === "hidden" || el.type === "file") return;
      if (el.type === "checkbox" || el.type === "radio") { if (el.checked) data[el.name + "=" + el.value] = true; }
      else data[el.name] = el.value;
    });
    try { sessionStorage.setItem(draftKey(form), JSON.stringify(data)); } catch (e) { /* storage full or disabled */ }
  }
  function restoreDraft(form) {
    var raw = sessionStorage.getItem(draftKey(form));
    if (!raw) return;
    var data = JSON.parse(raw);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "password" || el.type === "hidden" || el.type === "file") return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = !!data[el.name + "=" + el.value];
      else if (Object.prototype.hasOwnProperty.call(data, el.name)) el.value = data[el.name];
    });
    var note = document.createElement("div");
    note.className = "alert alert-info py-1 small sb-draft-restored";
    note.textContent = document.documentElement.lang.indexOf("zh") === 0 ? "已恢复您上次未提交的填写内容。" : "Your unsent input has been restored.";
    form.prepend(note);
  }
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    if (!form.querySelector(".is-invalid")) restoreDraft(form);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("submit", function () { sessionStorage.removeItem(draftKey(form)); });
  });

  // --- idle timeout -----------------------------------------------------------------------------
  if (!script || !script.dataset.idleSeconds) return;
  var statusUrl = script.dataset.statusUrl, keepUrl = script.dataset.keepaliveUrl, loginUrl = script.dataset.loginUrl;
  var modalEl = document.getElementById("sb-idle-modal");
  var modal = modalEl && window.bootstrap ? new bootstrap.Modal(modalEl) : null;
  var leftEl = document.getElementById("sb-idle-left");
  var deadline = Date.now() + parseInt(script.dataset.idleSeconds, 10) * 1000;
  var shown = false;
  function csrf() { var m = document.cookie.match(/csrftoken=([^;]+)/); return m ? m[1] : ""; }
  function expire() {
    document.querySelectorAll("form[data-autosave]").forEach(saveDraft);
    location.href = loginUrl + "?next=" + encodeURIComponent(location.pathname + location.search);
  }
  function check() {
    fetch(statusUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      if (!s.authenticated) { expire(); return; }
      deadline = Date.now() + s.remaining * 1000;
    }).catch(function () {});
  }
  document.getElementById("sb-idle-keep") && document.getElementById("sb-idle-keep").addEventListener("click", function () {
    fetch(keepUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
      .then(function (r) { return r.json(); }).then(function (s) {
        if (!s.authenticated) { expire(); return; }
        deadline = Date.now() + s.remaining * 1000; shown = false; if (modal) modal.hide();
      });
  });
  setInterval(function () {
    var left = Math.round((deadline - Date.now()) / 1000);
    if (left <= 60 && left > 0) {
      document.querySelectorAll("form[data-autosave]").forEach(saveDraft);
      if (!shown) { check(); shown = true; if (modal) modal.show(); }
      if (leftEl) leftEl.textContent = left;
    }
    if (left <= 0) expire();
  }, 1000);
  // Another tab may have kept the session alive: re-read the real remaining time now and then.
  setInterval(check, 120000);
})();

// WCAG 2.1 (keyboard access): a table wider than the screen scrolls inside its frame; the frame takes focus so
// the arrow keys can scroll it, and says what it holds.
(function () {
  function frames() {
    document.querySelectorAll(".table-responsive").forEach(function (el) {
      if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
      if (!el.hasAttribute("role")) el.setAttribute("role", "region");
      if (!el.hasAttribute("aria-label")) {
        var caption = el.querySelector("caption") || document.querySelector("main h1");
        el.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", frames); else frames();
  document.addEventListener("htmx:afterSwap", frames);
})();
