// The admission details form at a kiosk: the resident ID card still on the reader fills in
// what it says (name, sex, birth date, address), so the patient only checks and confirms. The
// card's number goes with the form: the server refuses a card that is not the patient's.
(function () {
  "use strict";
  var form = document.querySelector("[data-id-card-fill]");
  var AGENT = document.body.getAttribute("data-agent");
  if (!form || !AGENT) { return; }
  var box = form.querySelector("[data-testid=id-card]");
  fetch(AGENT + "/devices/id_reader/read", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: "{}"
  }).then(function (r) {
    return r.ok ? r.json() : Promise.reject(r.status);
  }).then(function (card) {
    form.querySelector("[data-card-field=resident_id]").value = card.resident_id || "";
    var address = form.querySelector("#address");
    if (address && card.address && !address.value) { address.value = card.address; }
    form.querySelectorAll("[data-card-show]").forEach(function (el) {
      var key = el.getAttribute("data-card-show");
      var value = card[key];
      if (key === "gender") { value = el.getAttribute("data-label-" + value) || value; }
      if (value) { el.textContent = value; }
    });
    box.setAttribute("data-card-state", "read");
    form.querySelector("[data-card-read-msg]").hidden = false;
  }).catch(function () {
    box.setAttribute("data-card-state", "none");  // no card or no reader: the patient types
  });
})();
