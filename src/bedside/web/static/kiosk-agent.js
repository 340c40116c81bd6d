// The kiosk page and its local device agent (bedside kiosk-agent on 127.0.0.1). When the agent
// answers, the page prints what it shows (receipt, wristband, documents, reports), reads the ID
// card, and takes cash from the acceptor; when it does not, the page works as before (nothing is
// printed, the patient is told, and nothing about the money changes).
(function () {
  var body = document.body;
  var AGENT = body.getAttribute("data-agent");
  if (!AGENT) { return; }
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";

  function agent(path, options) {
    return fetch(AGENT + path, options).then(function (r) {
      return r.json().then(function (data) { return r.ok ? data : Promise.reject(data); });
    });
  }
  function post(path, payload) {
    return agent(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload || {}) });
  }
  function showError(el, err) {
    el.setAttribute("data-print-state", "failed");
    el.setAttribute("data-print-code", (err && err.code) || "offline");
    var box = document.querySelector("[data-print-error]");
    if (box) { box.hidden = false; }
  }

  // One job at a time: the stamper stamps the printer's last document, so a document and its
  // stamp must not be interleaved with the next print.
  function printAll() {
    var chain = Promise.resolve();
    document.querySelectorAll("[data-print-url][data-print-kind]").forEach(function (el) {
      if (el.getAttribute("data-print-state")) { return; }
      el.setAttribute("data-print-state", "printing");
      var kind = el.getAttribute("data-print-kind");
      chain = chain.then(function () {
        return fetch(el.getAttribute("data-print-url"), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.arrayBuffer() : Promise.reject({ code: "fetch_failed" }); })
          .then(function (bytes) {
            return agent("/print/" + kind, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: bytes });
          })
          .then(function () {
            // Invoices and settlement lists get the hospital's stamp on their first page.
            return el.hasAttribute("data-stamp") ? post("/devices/stamper/stamp", { page: 1, x_mm: 150, y_mm: 40 }) : null;
          })
          .then(function () { el.setAttribute("data-print-state", "printed"); })
          .catch(function (err) { showError(el, err); });
      });
    });
  }

  // Any credential the devices read signs the patient in: the ID card, an insurance / health /
  // visit card, or a scanned code (the phone's one-use QR, or an e-health-card QR).
  function deviceLogin(events) {
    var form = document.querySelector("[data-testid=kiosk-login]");
    if (!form) { return; }
    function submit(kind, value) {
      form.querySelector("input[name=kind]").value = kind;
      form.querySelector("#value").value = value;
      form.submit();
    }
    events.addEventListener("card_inserted", function (e) {
      var kind = JSON.parse(e.data).kind;
      if (kind === "id_reader") {
        post("/devices/id_reader/read").then(function (card) { submit("resident_id", card.resident_id); }).catch(function () {});
      } else if (kind === "card_reader") {
        post("/devices/card_reader/read").then(function (card) { submit(card.kind, card.number); }).catch(function () {});
      }
    });
    events.addEventListener("code_scanned", function () {
      post("/devices/scanner/scan").then(function (scan) {
        submit(scan.text.indexOf("BSK1:") === 0 ? "phone_qr" : "health_card", scan.text);
      }).catch(function () {});
    });
  }

  function cash(events) {
    var box = document.querySelector("[data-cash-order]");
    if (!box) { return; }
    var order = box.getAttribute("data-cash-order");
    document.querySelectorAll("[data-sandbox-cash]").forEach(function (el) { el.hidden = true; });
    post("/devices/cash_acceptor/enable", { session_id: order, limit_fen: parseInt(box.getAttribute("data-cash-limit"), 10) });
    events.addEventListener("note_accepted", function (e) {
      var note = JSON.parse(e.data).data;
      if (note.session_id !== order) { return; }
      // The server records each note as it is stacked: a kiosk that dies cannot lose it.
      fetch("/kiosk/cash/" + box.getAttribute("data-cash-id") + "/notes", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ seq: note.seq, denomination_fen: note.denomination_fen })
      }).then(function (r) { return r.json(); }).then(function (data) {
        var total = document.querySelector("[data-testid=cash-total]");
        if (total && data.amount) { total.textContent = data.amount; }
      });
    });
    var done = document.querySelector("[data-testid=cash-done]");
    if (done) { done.addEventListener("click", function () { post("/devices/cash_acceptor/disable"); }); }
  }

  fetch(AGENT + "/status").then(function (r) {
    if (!r.ok) { return; }
    body.setAttribute("data-agent-state", "up");
    var events = new EventSource(AGENT + "/events");
    printAll();
    deviceLogin(events);
    cash(events);
  }).catch(function () {
    body.setAttribute("data-agent-state", "down");
    document.querySelectorAll("[data-print-url][data-print-kind]").forEach(function (el) { showError(el, { code: "offline" }); });
  });
})();
