"""The simulators' control page (GET /control): plain HTML with inline script and style, no
external assets, since a kiosk may have no route to the internet. It is a Python string
rather than a .html file so it ships with the package without package-data entries.

Everything it shows comes from GET /control/state and the /events stream; everything it does
is a POST to /control/... Values from devices are put into the page with textContent only."""

CONTROL_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiosk agent - device control</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 16px; color: #1d2330; background: #f4f5f7; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 15px; margin: 0 0 6px; display: flex; justify-content: space-between; }
  .muted { color: #667; }
  .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 12px; }
  section { background: #fff; border: 1px solid #d9dce3; border-radius: 8px; padding: 10px 12px; }
  .badge { font-size: 12px; border-radius: 10px; padding: 1px 8px; background: #dfe; }
  .badge.warning { background: #fe9; } .badge.fault { background: #fcc; } .badge.offline { background: #ccc; }
  .info { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 12px; margin: 6px 0; }
  form { display: grid; grid-template-columns: 110px 1fr; gap: 4px 8px; margin: 6px 0; }
  form button { grid-column: 2; justify-self: start; }
  input, select, textarea { font: inherit; padding: 2px 4px; }
  button { font: inherit; margin: 2px 4px 2px 0; padding: 3px 10px; cursor: pointer; }
  button.fault { border-color: #c55; } button.note { font-size: 16px; min-width: 72px; }
  #msg { min-height: 1.4em; margin: 6px 0; } #msg.error { color: #b00; }
  #files li, #events li { font-family: ui-monospace, monospace; font-size: 12px; }
</style>
</head>
<body>
<h1>Kiosk agent: simulated devices</h1>
<div class="muted" id="about"></div>
<div id="msg" role="status"></div>
<div class="grid">
  <section data-kind="id_reader"><h2>ID card reader <span class="badge"></span></h2>
    <div class="info"></div>
    <form data-post="/control/id_reader">
      <label>Resident ID</label><input name="resident_id" required pattern="[0-9]{17}[0-9X]">
      <label>Name</label><input name="name" required>
      <label>Gender</label>
      <select name="gender"><option value="M">M</option><option value="F">F</option></select>
      <label>Birth date</label><input name="birth_date" type="date" required>
      <label>Address</label><input name="address" required>
      <button>Place card</button>
    </form>
    <div class="presets"></div>
    <button data-post="/control/id_reader/remove">Remove card</button>
    <div class="faults"></div>
  </section>
  <section data-kind="card_reader"><h2>Card reader <span class="badge"></span></h2>
    <div class="info"></div>
    <form data-post="/control/card_reader">
      <label>Kind</label>
      <select name="kind"><option value="insurance_card">insurance card</option>
        <option value="health_card">health card</option>
        <option value="visit_card">visit card</option></select>
      <label>Number</label><input name="number" required pattern="[0-9A-Za-z-]{4,40}">
      <button>Insert card</button>
    </form>
    <button data-post="/control/card_reader/remove">Remove card</button>
    <div class="faults"></div>
  </section>
  <section data-kind="scanner"><h2>QR / barcode scanner <span class="badge"></span></h2>
    <div class="info"></div>
    <form data-post="/control/scanner">
      <label>Code text</label>
      <input name="text" required placeholder="e.g. a payment code 134567890123456789">
      <button>Show code to scanner</button>
    </form>
    <div class="faults"></div>
  </section>
  <section data-kind="pin_pad"><h2>PIN pad <span class="badge"></span></h2>
    <div class="info"></div>
    <form data-post="/control/pin_pad">
      <label>Correct PIN</label><input name="demo_pin" pattern="[0-9]{4,12}">
      <label>Typed next</label><input name="entered_pin" pattern="[0-9]{4,12}">
      <label>Card number</label><input name="card_number" pattern="[0-9]{13,19}">
      <button>Save</button>
    </form>
    <div class="faults"></div>
  </section>
  <section data-kind="cash_acceptor"><h2>Cash acceptor <span class="badge"></span></h2>
    <div class="info"></div>
    <div class="notes"></div>
    <div class="faults"></div>
  </section>
  <section data-kind="camera"><h2>Camera <span class="badge"></span></h2>
    <div class="info"></div>
    <form data-post="/control/camera">
      <label>In front</label>
      <select name="person"><option value="id_card">holder of the ID card on the reader</option>
        <option value="patient">the patient with this resident ID</option>
        <option value="stranger">someone else (never matches)</option>
        <option value="nobody">nobody</option></select>
      <label>Resident ID</label>
      <input name="resident_id" pattern="[0-9]{17}[0-9X]" placeholder="for 'the patient'">
      <label>Sharpness</label><input name="quality" type="number" min="0" max="100" placeholder="100">
      <button>Set</button>
    </form>
    <div class="camera-presets"></div>
    <div class="faults"></div>
  </section>
  <section data-kind="receipt_printer"><h2>Receipt printer <span class="badge"></span></h2>
    <div class="info"></div><div class="faults"></div></section>
  <section data-kind="laser_printer"><h2>Laser printer <span class="badge"></span></h2>
    <div class="info"></div><div class="faults"></div></section>
  <section data-kind="wristband_printer"><h2>Wristband printer <span class="badge"></span></h2>
    <div class="info"></div><div class="faults"></div></section>
  <section data-kind="stamper"><h2>Stamper <span class="badge"></span></h2>
    <div class="info"></div><div class="faults"></div></section>
</div>
<div class="grid" style="margin-top:12px">
  <section><h2>Output folder</h2><div class="muted" id="outdir"></div><ul id="files"></ul></section>
  <section><h2>Events</h2><ol id="events" reversed></ol></section>
</div>
<script>
"use strict";
const msg = document.getElementById("msg");

function say(text, error) {
  msg.textContent = text;
  msg.className = error ? "error" : "";
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body || {}),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = answer.errors ? " " + JSON.stringify(answer.errors) : "";
    say((answer.code || response.status) + ": " + (answer.message || "") + detail, true);
  } else {
    const result = answer.result;
    say(result ? "OK: " + JSON.stringify(result) : "OK", false);
  }
  await refresh();
  return answer;
}

function button(label, url, body, cls) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  if (cls) b.className = cls;
  b.addEventListener("click", () => post(url, body));
  return b;
}

document.querySelectorAll("form[data-post]").forEach((form) => {
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = {};
    for (const [name, value] of new FormData(form)) {
      if (value !== "") body[name] = value;
    }
    post(form.dataset.post, body);
  });
});
document.querySelectorAll("button[data-post]").forEach((b) => {
  b.addEventListener("click", () => post(b.dataset.post, {}));
});

function describe(kind, m) {
  const lines = [];
  const st = m.status;
  if (st.detail) lines.push("detail: " + st.detail);
  for (const [name, pct] of Object.entries(st.consumables || {})) lines.push(name + ": " + pct + "%");
  if (!m.simulated) { lines.push("real device (not simulated)"); return lines.join("\\n"); }
  if (kind === "id_reader") {
    lines.push(m.card ? "card: " + m.card.name + " " + m.card.resident_id : "no card");
  }
  if (kind === "card_reader") {
    lines.push(m.card ? "card: " + m.card.kind + " " + m.card.number : "no card");
  }
  if (kind === "scanner") lines.push("queued codes: " + m.queued.length);
  if (kind === "pin_pad") {
    lines.push("correct PIN " + m.demo_pin + ", typed next " + m.entered_pin + ", card " + m.card_masked);
  }
  if (kind === "receipt_printer") lines.push("paper left: " + m.paper_mm + " mm");
  if (kind === "laser_printer") lines.push("sheets: " + m.sheets + ", toner pages: " + m.toner_pages);
  if (kind === "wristband_printer") lines.push("wristbands left: " + m.wristbands_left);
  if (kind === "stamper") lines.push("impressions left: " + m.impressions_left);
  if (kind === "camera") {
    lines.push("in front of the camera: " + m.person + (m.resident_id ? " " + m.resident_id : "") +
      ", sharpness " + m.quality);
  }
  if (kind === "cash_acceptor") {
    const s = m.session;
    lines.push(s ? "session " + s.session_id + (s.enabled ? " (taking notes)" : " (closed)") +
      "\\ninserted " + (s.total_fen / 100) + " of " + (s.limit_fen / 100) + " yuan, notes " + s.notes.length +
      ", returned " + s.returned : "no session: the kiosk page enables the acceptor");
  }
  return lines.join("\\n");
}

function render(state) {
  document.getElementById("about").textContent = state.software_version +
    " - kiosk " + (state.kiosk_code || "(no code)") +
    " - server " + state.server_url + " - page origin " + state.allowed_origin;
  for (const [kind, m] of Object.entries(state.modules)) {
    const section = document.querySelector('section[data-kind="' + kind + '"]');
    if (!section) continue;
    const badge = section.querySelector(".badge");
    badge.textContent = m.status.state;
    badge.className = "badge " + m.status.state;
    section.querySelector(".info").textContent = describe(kind, m);
    const faults = section.querySelector(".faults");
    faults.replaceChildren();
    if (!m.simulated) continue;
    const base = "/control/" + kind;
    for (const code of m.injectable) faults.append(button(code, base + "/fault", {code: code}, "fault"));
    faults.append(button("clear fault", base + "/clear", {}));
    if (Object.keys(m.status.consumables || {}).length) faults.append(button("refill", base + "/refill", {}));
    if (kind === "id_reader") {
      const presets = section.querySelector(".presets");
      presets.replaceChildren();
      for (const card of m.presets) {
        presets.append(button("Demo card: " + card.name, "/control/id_reader", card));
      }
    }
    if (kind === "camera") {
      const presets = section.querySelector(".camera-presets");
      presets.replaceChildren();
      for (const p of m.presets) {
        const body = {person: "patient", resident_id: p.resident_id};
        presets.append(button("Face of " + p.name, "/control/camera", body));
      }
    }
    if (kind === "cash_acceptor") {
      const notes = section.querySelector(".notes");
      notes.replaceChildren();
      for (const fen of m.denominations_fen) {
        const body = {denomination_fen: fen};
        notes.append(button((fen / 100) + " yuan", "/control/cash_acceptor/insert", body, "note"));
      }
    }
  }
  document.getElementById("outdir").textContent = state.output_dir;
  const files = document.getElementById("files");
  files.replaceChildren();
  for (const f of state.files) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "/control/output/" + encodeURIComponent(f.name);
    a.textContent = f.name;
    li.append(a, " (" + f.bytes + " bytes)");
    files.append(li);
  }
  const events = document.getElementById("events");
  events.replaceChildren();
  for (const e of state.events.slice().reverse()) {
    const li = document.createElement("li");
    li.textContent = e.at.slice(11, 19) + " " + e.kind + " " + e.type + " " + JSON.stringify(e.data);
    events.append(li);
  }
}

async function refresh() {
  const response = await fetch("/control/state");
  if (response.ok) render(await response.json());
}

let pending = null;
const stream = new EventSource("/events");
stream.onmessage = () => {};
["card_inserted", "card_removed", "card_read", "code_scanned", "payment_approved", "payment_declined",
 "printed", "stamped", "cash_enabled", "cash_disabled", "note_accepted", "note_returned",
 "frame_captured", "fault_raised", "fault_cleared"].forEach((type) => {
  stream.addEventListener(type, () => {
    clearTimeout(pending);
    pending = setTimeout(refresh, 150);
  });
});
refresh();
</script>
</body>
</html>
"""
