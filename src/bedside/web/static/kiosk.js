// Kiosk behaviour: on-screen keypad and the idle reset. After the idle limit with nobody
// touching the screen, a signed-in patient is signed out (server side too) and the page
// returns home with nothing personal left in the DOM or in browser storage.
(function () {
  "use strict";
  var body = document.body;
  var limit = parseInt(body.getAttribute("data-idle-seconds") || "60", 10);
  var warnAt = Math.min(15, limit);
  var left = limit;
  var label = document.querySelector("[data-testid=countdown]");
  var lastInput = null;

  function clearStorage() {
    try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (e) { /* disabled */ }
  }

  function clearPersonal() {
    clearStorage();
    document.querySelectorAll("input:not([type=hidden])").forEach(function (el) { el.value = ""; });
  }

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

  function reset() { left = limit; if (label) { label.textContent = ""; } }
  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (name) {
    document.addEventListener(name, reset, { passive: true });
  });

  var atHome = window.location.pathname === "/kiosk/" || window.location.pathname === "/kiosk/activate";
  // The welcome screen is where every visit ends: nothing of the last patient survives it.
  if (atHome) { clearStorage(); }
  window.setInterval(function () {
    if (atHome) { return; }
    left -= 1;
    if (label && left <= warnAt) { label.textContent = left + "s"; }
    if (left <= 0) { goHome(); }
  }, 1000);

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
