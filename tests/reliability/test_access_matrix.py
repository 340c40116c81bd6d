"""Who may call what, for every route the app has (tests.reliability.routes.ACCESS):

- a route nobody classified fails, so a new one cannot slip past these checks;
- without a session every protected route sends the caller to sign in (pages) or answers 401;
- every route whose path names a patient's record, tried by another family's phone and by
  another patient at the kiosk, with a valid CSRF token so that only ownership decides, is
  refused (403/404), shows none of the patient's data and changes nothing; the patient and
  their proxy, asking the same, get the record, which proves the ids are real."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy.orm import Session

from bedside.web.deps import KIOSK_COOKIE
from tests.integration.discharge.conftest import signature
from tests.reliability import clients, state
from tests.reliability import world as w
from tests.reliability.routes import ACCESS, RECORD_ROUTES, Access, Endpoint, endpoints

SIGN_IN = {
    Access.PHONE: "/phone/login",
    Access.PHONE_RECORD: "/phone/login",
    Access.KIOSK: "/kiosk/activate",
    Access.KIOSK_PATIENT: "/kiosk/activate",
    Access.KIOSK_RECORD: "/kiosk/activate",
    Access.CONSOLE: "/console/login",
}
JSON_401 = (Access.STAFF_API, Access.ME_API, Access.ME_API_RECORD, Access.KIOSK_API, Access.HIS_API)
JSON_BODIES = {
    "/kiosk/cash/{order_id}/notes": {"seq": 1, "denomination_fen": 10000},
    "/kiosk/payments/{order_id}/card": {
        "reference": "x",
        "amount_fen": 10000,
        "card_masked": "622202******1234",
        "approval_code": "A1",
        "trace_no": "1",
    },
}


def test_every_route_is_classified(app: FastAPI) -> None:
    keys = {e.key for e in endpoints(app)}
    assert sorted(keys - set(ACCESS)) == [], "routes missing from routes.ACCESS: say who may call them"
    assert sorted(set(ACCESS) - keys) == [], "routes.ACCESS names routes the app no longer has"


def _send(signed: clients.Signed, e: Endpoint, path: str, form: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    c = signed.client
    if e.method == "GET":
        return c.get(path, follow_redirects=False)
    body = JSON_BODIES.get(e.path)
    if body is not None or e.path.startswith("/api/"):
        return c.post(path, json=body or {}, headers={"X-CSRF-Token": signed.token}, follow_redirects=False)
    return c.post(path, data={**(form or {}), "csrf_token": signed.token}, follow_redirects=False)


def test_signed_out_callers_are_sent_to_sign_in(app: FastAPI, session: Session) -> None:
    world = w.build(session)
    nobody = clients.anonymous(app)
    device_only = clients.anonymous(app)
    device_only.client.cookies.set(KIOSK_COOKIE, world.kiosk_key)
    wrong, sent = [], 0
    for e in endpoints(app):
        path = w.fill(e.path, {n: 1 for n in e.route.param_convertors} | {"kind": "e_invoice"})
        r = _send(nobody, e, path)
        sent += 1
        where = r.headers.get("location", "")
        if e.access is None:
            ok = False
        elif e.access in SIGN_IN:
            ok = r.status_code == 303 and where.startswith(SIGN_IN[e.access])
        elif e.access is Access.DOCS:  # the pages, or the schema itself
            ok = r.status_code == 401 or r.status_code == 303 and where.startswith("/console/login")
        elif e.access in JSON_401:
            ok = r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
        elif e.access is Access.PROOF:
            ok = 400 <= r.status_code < 500  # no signature, no ticket: refused
        else:  # a sign-in form may answer 401 to the empty credentials it is sent
            ok = r.status_code < 500 and "/login" not in where
        if e.access in (Access.KIOSK_PATIENT, Access.KIOSK_RECORD):
            # The kiosk itself is known, the patient has not signed in: back to its start.
            kiosk = _send(device_only, e, path)
            sent += 1
            ok = ok and kiosk.status_code == 303 and kiosk.headers.get("location") == "/kiosk/"
        if not ok:
            wrong.append(f"{e.key} ({e.access}): {r.status_code} {where} {r.text[:120]}")
    assert not wrong, "\n".join(wrong)
    assert sent > len(ACCESS)


def _leaks(world: w.World, text: str) -> list[str]:
    return [s for s in world.secrets_of_victim() if s in text]


def test_another_patients_records_stay_out_of_reach(app: FastAPI, session: Session) -> None:
    world = w.build(session)
    routes = [e for e in endpoints(app) if e.access in RECORD_ROUTES]
    strangers: dict[Access | None, clients.Signed] = {
        Access.PHONE_RECORD: clients.phone(app, w.ATTACKER_PHONE),
        Access.ME_API_RECORD: clients.phone(app, w.ATTACKER_PHONE),
        Access.KIOSK_RECORD: clients.kiosk_patient(app, world, world.attacker),
    }
    form = {**w.PLAUSIBLE, "signature": signature()}
    before = state.fingerprint()
    wrong = []
    for e in routes:
        r = _send(strangers[e.access], e, w.record_path(world, e), form)
        if r.status_code not in (403, 404) or _leaks(world, r.text):
            wrong.append(f"{e.key}: {r.status_code} leaks {_leaks(world, r.text)} {r.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert state.changed(before, state.fingerprint()) == [], "a refused request changed the victim's data"

    # The same paths answer their own patient, and a proxy acting for them on the phone.
    owners: dict[Access | None, list[clients.Signed]] = {
        Access.PHONE_RECORD: [clients.phone(app, w.VICTIM_PHONE), clients.phone(app, w.PROXY_PHONE)],
        Access.ME_API_RECORD: [clients.phone(app, w.VICTIM_PHONE), clients.phone(app, w.PROXY_PHONE)],
        Access.KIOSK_RECORD: [clients.kiosk_patient(app, world, world.victim)],
    }
    shown, gets = 0, [e for e in routes if e.method == "GET"]
    for e in gets:
        for owner in owners[e.access]:
            r = _send(owner, e, w.record_path(world, e))
            shown += bool(_leaks(world, r.text))
            signed_out = "/login" in r.headers.get("location", "") or r.headers.get("location") == "/kiosk/"
            if r.status_code in (401, 403, 404) or r.status_code >= 500 or signed_out:
                wrong.append(f"{owner.label} {e.key}: {r.status_code} {r.text[:200]}")
    assert not wrong, "\n".join(wrong)
    # Pages, PDFs and JSON alike: enough of them name the patient for the leak check to bite.
    assert shown >= len(gets) // 4, "the owners' pages should show what the strangers' must not"


def test_a_patient_named_in_a_form_or_query_must_be_ones_own(app: FastAPI, session: Session) -> None:
    world = w.build(session)
    rec = world.records
    phone = clients.phone(app, w.ATTACKER_PHONE)
    kiosk = clients.kiosk_patient(app, world, world.attacker)
    before = state.fingerprint()
    for path in ("/phone/", "/phone/education", "/phone/records", "/phone/records/new"):
        page = phone.client.get(f"{path}?p={rec.patient_id}")
        assert page.status_code == 200 and not _leaks(world, page.text), path
    copy = {"patient_id": rec.patient_id, "notice_id": rec.notice_id, "purpose": "personal"}
    copy |= {
        "parts": "discharge_summary",
        "copies": "1",
        "delivery": "pickup",
        "request_key": "attack-copy-1",
    }
    r = phone.client.post("/phone/records", data={**copy, "csrf_token": phone.token}, follow_redirects=False)
    assert r.status_code in (403, 404) and not _leaks(world, r.text)
    r = kiosk.client.post("/kiosk/records", data={**copy, "csrf_token": kiosk.token}, follow_redirects=False)
    assert r.status_code in (403, 404) and not _leaks(world, r.text)
    payment = {
        "patient_id": rec.patient_id,
        "notice_id": rec.notice_id,
        "purpose": "topup",
        "amount_fen": 10000,
    }
    r = phone.client.post(
        "/api/v1/me/payments",
        json=payment,
        headers={"X-CSRF-Token": phone.token, "Idempotency-Key": "attack-pay-0001"},
    )
    assert r.status_code in (403, 404) and not _leaks(world, r.text)
    # A print ticket names a document by its path; the victim's, asked by another patient,
    # must not print.
    for url in (
        f"/kiosk/payments/{rec.order_id}/receipt.escpos",
        f"/kiosk/settlements/{rec.settlement_id}/e_invoice.pdf",
        f"/kiosk/reports/{rec.report_id}/report.pdf",
        f"/kiosk/stays/{rec.notice_id}/wristband.zpl",
    ):
        r = kiosk.client.post(
            "/kiosk/print-tickets", json={"url": url}, headers={"X-CSRF-Token": kiosk.token}
        )
        # No ticket at all: another patient's document is refused when the ticket is asked for.
        assert r.status_code == 404 and not _leaks(world, r.text), url
    assert state.changed(before, state.fingerprint()) == []
