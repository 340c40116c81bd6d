// The kiosk page and its local device agent (bedside kiosk-agent on 127.0.0.1). When the agent
// answers, the page prints what it shows (receipt, wristband, documents, reports), reads cards,
// takes cash from the acceptor, drives the PIN pad and the camera; when it does not, the page
// works as before (nothing is printed, the patient is told, and nothing about the money changes).
(function () {
  "use strict";
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
  // A JSON request to the Bedside server itself; rejects with its problem+json body.
  function server(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return r.ok ? data : Promise.reject(data); });
    });
  }
  function say(el, text) {
    if (!el) { return; }
    el.textContent = text;
    document.dispatchEvent(new CustomEvent("kiosk:say", { detail: text }));
  }

  // --- Printing --------------------------------------------------------------------------

  function showError(el, err) {
    el.setAttribute("data-print-state", "failed");
    el.setAttribute("data-print-code", (err && err.code) || "offline");
    var box = document.querySelector("[data-print-error]");
    if (box) { box.hidden = false; }
  }

  // The agent fetches the document itself with a one-use ticket; if that fails on the way
  // (ticket refused, server unreachable from the agent), the page sends the bytes as before.
  var FETCH_FAILURES = ["fetch_failed", "url_not_allowed", "too_large", "ticket_failed"];
  function printOne(el, kind) {
    var url = el.getAttribute("data-print-url");
    function byBytes() {
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.arrayBuffer() : Promise.reject({ code: "fetch_failed" }); })
        .then(function (bytes) {
          el.setAttribute("data-print-via", "bytes");
          return agent("/print/" + kind, { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: bytes });
        });
    }
    return server("/kiosk/print-tickets", { url: url })
      .catch(function () { return Promise.reject({ code: "ticket_failed" }); })
      .then(function (t) {
        el.setAttribute("data-print-via", "ticket");
        return post("/print/" + kind, { url: t.ticket_url });
      })
      .catch(function (err) {
        return FETCH_FAILURES.indexOf(err && err.code) >= 0 ? byBytes() : Promise.reject(err);
      });
  }

  // One job at a time: the stamper stamps the printer's last document, so a document and its
  // stamp must not be interleaved with the next print.
  function printAll(retry) {
    var chain = Promise.resolve();
    var box = document.querySelector("[data-print-error]");
    if (retry && box) { box.hidden = true; }
    document.querySelectorAll("[data-print-url][data-print-kind]").forEach(function (el) {
      var state = el.getAttribute("data-print-state");
      if (state && !(retry && state === "failed")) { return; }
      el.setAttribute("data-print-state", "printing");
      var kind = el.getAttribute("data-print-kind");
      chain = chain.then(function () {
        return printOne(el, kind)
          .then(function () {
            // Invoices and settlement lists get the hospital's stamp on their first page.
            // A document may say where its seal goes (data-stamp-at="x_mm,y_mm" on page 1).
            var at = (el.getAttribute("data-stamp-at") || "150,40").split(",").map(Number);
            return el.hasAttribute("data-stamp") ? post("/devices/stamper/stamp", { page: 1, x_mm: at[0], y_mm: at[1] }) : null;
          })
          .then(function () {
            el.setAttribute("data-print-state", "printed");
            // What to do with a printout ("take your wristband") is said only once it printed.
            document.querySelectorAll("[data-print-done]").forEach(function (done) { done.hidden = false; });
            el.setAttribute("data-print-count", String(parseInt(el.getAttribute("data-print-count") || "0", 10) + 1));
          })
          .catch(function (err) { showError(el, err); });
      });
    });
  }

  function reprint(events) {
    var button = document.querySelector("[data-testid=reprint]");
    if (!button) { return; }
    button.hidden = false;
    button.addEventListener("click", function () { printAll(true); });
    // The printer was refilled or fixed: say so, and offer the reprint loudly.
    events.addEventListener("fault_cleared", function (e) {
      var kind = JSON.parse(e.data).kind;
      if (/printer$/.test(kind) && document.querySelector("[data-print-state=failed]")) {
        var ready = document.querySelector("[data-testid=printer-ready]");
        if (ready) { ready.hidden = false; say(ready, ready.textContent); }
      }
    });
  }

  // --- Signing in with a device ----------------------------------------------------------

  // Any credential the devices read signs the patient in: the ID card, an insurance / health /
  // visit card, or a scanned code (the phone's one-use QR, or an e-health-card QR). The agent
  // signs each read (`read`); the server takes a card only with that signature.
  function deviceLogin(events) {
    var form = document.querySelector("[data-testid=kiosk-login]");
    if (!form) { return; }
    var problem = document.querySelector("[data-device-error]");
    function submit(kind, value, source, read) {
      var signed = form.querySelector("input[name=read]");
      if (signed) { signed.value = read || ""; }
      form.querySelector("input[name=kind]").value = kind;
      form.querySelector("input[name=source]").value = source;
      form.querySelector("#value").value = value;
      form.submit();
    }
    function failed(err) {
      if (!problem) { return; }
      var code = (err && err.code) || "offline";
      problem.hidden = false;
      problem.setAttribute("data-code", code);
      say(problem, problem.getAttribute(code === "read_error" ? "data-msg-read" : "data-msg-other"));
    }
    events.addEventListener("card_inserted", function (e) {
      var kind = JSON.parse(e.data).kind;
      if (kind === "id_reader") {
        post("/devices/id_reader/read").then(function (card) { submit("resident_id", card.resident_id, "id_reader", card.read); }).catch(failed);
      } else if (kind === "card_reader") {
        post("/devices/card_reader/read").then(function (card) { submit(card.kind, card.number, "card_reader", card.read); }).catch(failed);
      }
    });
    events.addEventListener("code_scanned", function () {
      post("/devices/scanner/scan").then(function (scan) {
        submit(scan.text.indexOf("BSK1:") === 0 ? "phone_qr" : "health_card", scan.text, "scanner", scan.read);
      }).catch(failed);
    });
  }

  // --- Cash ------------------------------------------------------------------------------

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
      server("/kiosk/cash/" + box.getAttribute("data-cash-id") + "/notes", { seq: note.seq, denomination_fen: note.denomination_fen })
        .then(function (data) {
          var total = document.querySelector("[data-testid=cash-total]");
          if (total && data.amount) { total.textContent = data.amount; }
        });
    });
    var done = document.querySelector("[data-testid=cash-done]");
    if (done) { done.addEventListener("click", function () { post("/devices/cash_acceptor/disable"); }); }
  }

  // --- Bank card on the PIN pad ----------------------------------------------------------

  function pinPad() {
    var box = document.querySelector("[data-pinpad]");
    if (!box) { return; }
    var status = box.querySelector("[data-testid=pinpad-status]");
    var retry = box.querySelector("[data-testid=pinpad-retry]");
    var other = box.querySelector("[data-testid=pinpad-other-method]");
    box.hidden = false;
    function run() {
      retry.hidden = true; other.hidden = true;
      box.setAttribute("data-pinpad-state", "waiting");
      say(status, box.getAttribute("data-msg-waiting"));
      post("/devices/pin_pad/pay", {
        amount_fen: parseInt(box.getAttribute("data-amount-fen"), 10),
        reference: box.getAttribute("data-reference")
      }).then(function (payment) {
        box.setAttribute("data-pinpad-state", "approved");
        say(status, box.getAttribute("data-msg-checking"));
        return server(box.getAttribute("data-card-url"), {
          reference: payment.reference, amount_fen: payment.amount_fen, card_masked: payment.card_masked,
          approval_code: payment.approval_code, trace_no: payment.trace_no
        });
      }).then(function () {
        window.location.reload();
      }).catch(function (err) {
        var code = (err && err.code) || "offline";
        box.setAttribute("data-pinpad-state", "failed");
        box.setAttribute("data-pinpad-code", code);
        say(status, box.getAttribute(code === "declined" ? "data-msg-declined" : "data-msg-error"));
        retry.hidden = false; other.hidden = false;
      });
    }
    retry.addEventListener("click", run);
    run();
  }

  // --- Face ------------------------------------------------------------------------------

  function faceCapture() {
    var box = document.querySelector("[data-face-mode]");
    if (!box) { return; }
    var button = box.querySelector("[data-testid=face-capture]");
    var status = box.querySelector("[data-testid=face-status]");
    var fallback = document.querySelector("[data-face-fallback]");
    var enrol = box.getAttribute("data-face-mode") === "enrol";
    button.hidden = false;
    function fail(err, final) {
      var code = (err && err.code) || "offline";
      box.setAttribute("data-face-state", "failed");
      box.setAttribute("data-face-code", code);
      var text = err && err.message;
      if (code === "no_card") { text = box.getAttribute("data-msg-card"); }
      else if (code === "not_card_holder") { text = box.getAttribute("data-msg-holder"); }
      else if (!err || !err.status) { text = box.getAttribute("data-msg-camera"); final = true; }
      say(status, text);
      if (final || code === "face_tries_exhausted" || code === "face_attempt_invalid") {
        button.hidden = true;
        if (fallback) { fallback.hidden = false; }
      } else {
        button.disabled = false;
      }
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      box.setAttribute("data-face-state", "capturing");
      say(status, box.getAttribute("data-msg-busy"));
      // Enrolment checks first that the face is the holder of the ID card on the reader.
      var card = enrol ? post("/devices/id_reader/read") : Promise.resolve(null);
      card.then(function (id) {
        return post("/devices/camera/capture").then(function (frame) {
          if (!id) { return frame; }
          return post("/devices/camera/match", { frame_id: frame.frame_id, resident_id: id.resident_id, name: id.name })
            .then(function (m) { return m.matched ? frame : Promise.reject({ code: "not_card_holder" }); });
        });
      }).then(function (frame) {
        var payload = enrol
          ? { agreed_version: box.getAttribute("data-face-agreed"), image_base64: frame.jpeg_base64 }
          : { attempt: box.getAttribute("data-face-attempt"), image_base64: frame.jpeg_base64,
              elderly: document.documentElement.classList.contains("elderly") };
        return server(box.getAttribute("data-face-url"), payload);
      }).then(function (data) {
        box.setAttribute("data-face-state", "done");
        window.location.assign(data.redirect);
      }).catch(fail);
    });
  }

  function agentDown() {
    body.setAttribute("data-agent-state", "down");
    document.querySelectorAll("[data-print-url][data-print-kind]").forEach(function (el) { showError(el, { code: "offline" }); });
    document.querySelectorAll("[data-agent-down]").forEach(function (el) { el.hidden = false; });
    var face = document.querySelector("[data-face-mode]");
    if (face) {
      var status = face.querySelector("[data-testid=face-status]");
      say(status, face.getAttribute("data-msg-camera"));
      var fallback = document.querySelector("[data-face-fallback]");
      if (fallback) { fallback.hidden = false; }
    }
  }

  fetch(AGENT + "/status").then(function (r) {
    if (!r.ok) { agentDown(); return; }
    body.setAttribute("data-agent-state", "up");
    var events = new EventSource(AGENT + "/events");
    printAll(false);
    reprint(events);
    deviceLogin(events);
    cash(events);
    pinPad();
    faceCapture();
  }).catch(agentDown);
})();
