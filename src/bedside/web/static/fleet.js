// Fleet console: the server says over server-sent events when anything shown changed; the
// page then fetches its live part again with the same filters. EventSource reconnects by itself
// when the server ends a stream (each lasts a few seconds) or the network drops.
(function () {
  "use strict";
  function start() {
    var grid = document.getElementById("fleet-grid");
    if (!grid || !window.EventSource) return;
    var query = window.location.search;
    var source = new EventSource(grid.dataset.stream);
    var busy = false;
    function refresh() {
      if (busy) return;
      busy = true;
      fetch(grid.dataset.grid + query, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null) {
            grid.innerHTML = html;
            grid.dataset.updated = String(Date.now());
          }
        })
        .finally(function () { busy = false; });
    }
    source.addEventListener("fleet", refresh);
    source.addEventListener("open", function () { grid.dataset.live = "1"; });
    source.addEventListener("error", function () { grid.dataset.live = "0"; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
