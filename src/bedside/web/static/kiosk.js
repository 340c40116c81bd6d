// Kiosk behaviour: on-screen keypad, elderly mode and the idle reset. After the idle limit with
// nobody touching the screen, a signed-in patient is signed out (server side too) and the page
// returns home with nothing personal left in the DOM or in browser storage.
(function () {
  "use strict";
  var body = document.body;
  var root = document.documentElement;
  var ELDERLY = "bs_elderly"; // the only thing kept in sessionStorage: a flag, nothing personal
  var base = parseInt(body.getAttribute("data-idle-seconds") || "60", 10);
  var label = document.querySelector("[data-testid=countdown]");
  var toggle = document.querySelector("[data-testid=elderly-toggle]");
  var signedIn = body.getAttribute("data-home") === "patient";
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var lastInput = null;

  function clearStorage() {
    try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (e) { /* disabled */ }
  }

  function clearPersonal() {
    clearStorage();
    document.querySelectorAll("input:not([type=hidden])").forEach(function (el) { el.value = ""; });
  }

  // --- Elderly mode: larger type and targets, twice the idle time, the screen reads aloud ---

  function elderly() { return root.classList.contains("elderly"); }

  function speak(text) {
    if (!elderly() || !text || !window.speechSynthesis || !window.SpeechSynthesisUtterance) { return; }
    var u = new window.SpeechSynthesisUtterance(text.replace(/\s+/g, " ").trim());
    u.lang = root.lang === "en" ? "en-US" : "zh-CN";
    u.rate = 0.9;
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(u);
  }

  // Each screen marks its main instruction with data-speak; the heading otherwise.
  function mainPrompt() {
    var el = document.querySelector("main [data-speak]:not([hidden])") || document.querySelector("main h1");
    if (!el) { return ""; }
    var heading = document.querySelector("main h1");
    var text = el.getAttribute("data-speak") || el.textContent;
    return heading && heading !== el ? heading.textContent + "。" + text : text;
  }

  function limit() { return elderly() ? base * 2 : base; }

  function setElderly(on, announce) {
    root.classList.toggle("elderly", on);
    body.classList.toggle("elderly", on);
    if (toggle) { toggle.setAttribute("aria-pressed", on ? "true" : "false"); }
    document.querySelectorAll("[data-elderly-field]").forEach(function (el) { el.value = on ? "1" : ""; });
    try {
      if (on) { window.sessionStorage.setItem(ELDERLY, "1"); } else { window.sessionStorage.removeItem(ELDERLY); }
    } catch (e) { /* storage disabled: the mode lasts for this page only */ }
    reset();
    if (announce && on && toggle) { speak(toggle.getAttribute("data-said-on") + " " + mainPrompt()); }
    if (announce && signedIn) {
      // The server's idle limit follows the page's, so a slower visit is not cut short there.
      fetch("/kiosk/elderly", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ on: on })
      });
    }
  }

  var left = base;
  function reset() { left = limit(); if (label) { label.textContent = ""; } }

  function goHome() {
    clearPersonal();
    var form = document.getElementById("kiosk-logout");
    if (form) {
      form.querySelector("input[name=reason]").value = "idle";
      var main = document.querySelector("main");
      if (main) { main.innerHTML = ""; }
      form.submit();
    } else {
      window.location.replace("/kiosk/");
    }
  }

  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });

  var path = window.location.pathname;
  var atHome = path === "/kiosk/" || path === "/kiosk/activate";
  var stored = false;
  try { stored = window.sessionStorage.getItem(ELDERLY) === "1"; } catch (e) { stored = false; }
  // The welcome screen is where every visit ends: nothing of the last patient survives it,
  // elderly mode included.
  if (atHome) { clearStorage(); stored = false; }
  setElderly(stored, false);
  if (toggle) {
    toggle.addEventListener("click", function () { setElderly(!elderly(), true); });
  }
  if (elderly()) { window.setTimeout(function () { speak(mainPrompt()); }, 300); }
  document.addEventListener("focusin", function (e) {
    var el = e.target.closest ? e.target.closest("button, a.btn, .kind-tabs a, label.amount") : null;
    if (el && el !== toggle) { speak(el.getAttribute("aria-label") || el.textContent); }
  });
  document.addEventListener("kiosk:say", function (e) { speak(e.detail); });

  window.setInterval(function () {
    if (atHome) { return; }
    left -= 1;
    var warnAt = Math.min(15, limit());
    if (label && left <= warnAt) { label.textContent = left + "s"; }
    if (left <= 0) { goHome(); }
  }, 1000);

  // The footer's Back is the browser's back, not a link: it returns to wherever the patient was.
  document.querySelectorAll("[data-history-back]").forEach(function (el) {
    el.addEventListener("click", function (e) { e.preventDefault(); window.history.back(); });
  });

  document.querySelectorAll("input[data-keypad]").forEach(function (el) {
    el.addEventListener("focus", function () { lastInput = el; });
  });
  var first = document.querySelector("input[data-keypad]");
  if (first) { lastInput = first; first.focus(); }
  document.querySelectorAll(".keypad button[data-key]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      if (!lastInput) { return; }
      var key = btn.getAttribute("data-key");
      if (key === "⌫") { lastInput.value = lastInput.value.slice(0, -1); }
      else if (!lastInput.maxLength || lastInput.maxLength < 0 || lastInput.value.length < lastInput.maxLength) {
        lastInput.value += key;
      }
      lastInput.focus();
    });
  });
})();
