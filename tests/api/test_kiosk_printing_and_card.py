"""Print tickets (the agent fetches a document by URL: signed, bound to the kiosk and the
document, two minutes, one use) and the PIN pad's approval forwarded by the kiosk page (the
order is credited once; a mismatched or foreign report changes nothing)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import time_machine
from sqlalchemy import select

from bedside.admissions import service as admissions_service
from bedside.admissions.schemas import NoticeIn
from bedside.core.audit import SYSTEM
from bedside.core.db import utcnow
from bedside.deposits.models import LedgerEntry
from bedside.kiosks import print_tickets
from bedside.kiosks import service as kiosks_service
from bedside.payments.models import PaymentOrder
from bedside.reports import service as reports_service
from bedside.staff import service as staff_service
from tests import factories
from tests.helpers import card_read, csrf

JSON = {"Accept": "application/json"}


def _kiosk(session, code="K-PRN"):  # type: ignore[no-untyped-def]
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code=code,
        name="打印机",
        location="大厅",
        model="ZK-43",
        serial=f"S-{code}",
        modules=["laser_printer", "pin_pad"],
    )
    return key


def _report(session, patient):  # type: ignore[no-untyped-def]
    row, _ = reports_service.receive(
        session,
        SYSTEM,
        reports_service.ReportIn(
            his_ref=f"R-{patient.id}",
            resident_id=patient.resident_id,
            kind="lab",
            title="血常规",
            department="检验科",
            reported_at=utcnow(),
            pdf_base64=base64.b64encode(b"%PDF-1.4 report of " + str(patient.id).encode()).decode(),
        ),
    )
    session.commit()
    return row


def _sign_in(client, key, patient):  # type: ignore[no-untyped-def]
    client.cookies.set("bs_kiosk", key)
    token = csrf(client, "/kiosk/login")
    r = client.post(
        "/kiosk/login",
        data={**card_read(key, "resident_id", patient.resident_id), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return csrf(client, "/kiosk/patient")


def _ticket(client, token, url):  # type: ignore[no-untyped-def]
    r = client.post("/kiosk/print-tickets", json={"url": url}, headers={"X-CSRF-Token": token, **JSON})
    assert r.status_code == 200, r.text
    return r.json()["ticket_url"]


def test_a_ticket_prints_once_and_only_its_document(client, session):
    factories.hospital(session)
    key = _kiosk(session)
    patient = factories.patient(session, name="柳青")
    report = _report(session, patient)
    token = _sign_in(client, key, patient)
    url = f"/kiosk/reports/{report.id}/report.pdf"
    ticket_url = _ticket(client, token, url)
    assert ticket_url.startswith("/kiosk/print/")

    # The agent has no cookies; the ticket alone opens the document, once.
    client.cookies.clear()
    r = client.get(ticket_url)
    assert (
        r.status_code == 200
        and r.content.startswith(b"%PDF")
        and r.headers["content-type"] == "application/pdf"
    )
    r = client.get(ticket_url, headers=JSON)
    assert r.status_code == 409 and r.json()["code"] == "print_ticket_used"

    # With the agent's kiosk key, it must be the ticket's kiosk.
    client.cookies.set("bs_kiosk", key)
    token = _sign_in(client, key, patient)
    other_key = _kiosk(session, "K-OTHER")
    ticket_url = _ticket(client, token, url)
    client.cookies.clear()
    r = client.get(ticket_url, headers={"X-Kiosk-Key": other_key, **JSON})
    assert r.status_code == 403 and r.json()["code"] == "print_ticket_invalid"
    r = client.get(ticket_url, headers={"X-Kiosk-Key": key})
    assert r.status_code == 200


def test_expired_forged_and_foreign_tickets_are_refused(client, session):
    factories.hospital(session)
    key = _kiosk(session)
    patient = factories.patient(session, name="柳青")
    other = factories.patient(session, name="韩梅")
    mine, theirs = _report(session, patient), _report(session, other)
    token = _sign_in(client, key, patient)

    expired = _ticket(client, token, f"/kiosk/reports/{mine.id}/report.pdf")
    with time_machine.travel(utcnow() + print_tickets.TTL + timedelta(seconds=1)):
        r = client.get(expired, headers=JSON)
    assert r.status_code == 410 and r.json()["code"] == "print_ticket_expired"

    good = _ticket(client, token, f"/kiosk/reports/{mine.id}/report.pdf").removeprefix("/kiosk/print/")
    payload, mac = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["d"] = f"/kiosk/reports/{theirs.id}/report.pdf"
    tampered = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    for forged in (f"{tampered}.{mac}", f"{payload}.{'A' * len(mac)}", "nonsense", "a.b.c", "." * 900):
        r = client.get(f"/kiosk/print/{forged}", headers=JSON)
        assert r.status_code == 403 and r.json()["code"] == "print_ticket_invalid", forged

    # Another patient's document gets no ticket at all.
    r = client.post(
        "/kiosk/print-tickets",
        json={"url": f"/kiosk/reports/{theirs.id}/report.pdf"},
        headers={"X-CSRF-Token": token, **JSON},
    )
    assert r.status_code == 404 and r.json()["code"] == "document_not_found"
    # Only the kiosk's documents get tickets.
    for url in ("/phone/", "/kiosk/../phone/", "https://evil.example/x.pdf", "/kiosk/patient"):
        r = client.post("/kiosk/print-tickets", json={"url": url}, headers={"X-CSRF-Token": token, **JSON})
        assert r.status_code == 404 and r.json()["code"] == "document_not_found", url
    r = client.post(
        "/kiosk/print-tickets", json={"url": f"/kiosk/reports/{mine.id}/report.pdf"}, headers=JSON
    )
    assert r.status_code == 403  # no CSRF token
    client.cookies.delete("bs_kiosk_patient")
    r = client.post(
        "/kiosk/print-tickets",
        json={"url": f"/kiosk/reports/{mine.id}/report.pdf"},
        headers={"X-CSRF-Token": token, **JSON},
    )
    assert r.status_code == 401


def _card_order(client, session):  # type: ignore[no-untyped-def]
    world = factories.hospital(session)
    doctor = factories.staff(session, "dr.card", "doctor", department_id=world.department.id)
    patient = factories.patient(session, name="柳青")
    notice = admissions_service.issue(
        session,
        staff_service.actor_for(doctor),
        NoticeIn(
            patient_id=patient.id,
            department_id=world.department.id,
            diagnosis="心律失常",
            expected_date=factories.tomorrow(),
        ),
    )
    key = _kiosk(session)
    token = _sign_in(client, key, patient)
    r = client.post(
        f"/kiosk/deposit/{notice.id}",
        data={"amount": "100000", "method": "card", "request_key": "card-req-1", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    order_id = int(r.headers["location"].rsplit("/", 1)[1])
    page = client.get(f"/kiosk/payments/{order_id}")
    assert 'data-testid="pinpad"' in page.text
    session.rollback()
    order = session.get(PaymentOrder, order_id)
    assert order is not None
    return order, token


def _approval(order, **changes):  # type: ignore[no-untyped-def]
    body = {
        "reference": order.out_trade_no,
        "amount_fen": order.amount_fen,
        "card_masked": "622202*********4455",
        "approval_code": "123456",
        "trace_no": "000001",
    }
    body.update(changes)
    return body


def test_the_pin_pad_approval_credits_the_order_once(client, session):
    order, token = _card_order(client, session)
    headers = {"X-CSRF-Token": token, **JSON}
    url = f"/kiosk/payments/{order.id}/card"
    for bad in (
        _approval(order, reference="OTHER"),
        _approval(order, amount_fen=order.amount_fen + 1),
        _approval(order, card_masked="<script>"),
        _approval(order, trace_no=""),
    ):
        r = client.post(url, json=bad, headers=headers)
        assert r.status_code == 422, bad
    assert (
        client.post("/kiosk/payments/999999/card", json=_approval(order), headers=headers).status_code == 404
    )
    session.rollback()
    assert session.get(PaymentOrder, order.id).state == "paying"

    r = client.post(url, json=_approval(order), headers=headers)
    assert r.status_code == 200 and r.json() == {"state": "paid"}
    r = client.post(url, json=_approval(order), headers=headers)  # the page retried
    assert r.status_code == 200 and r.json() == {"state": "paid"}
    session.rollback()
    credits = session.scalars(select(LedgerEntry).where(LedgerEntry.payment_order_id == order.id)).all()
    assert len(credits) == 1 and credits[0].amount_fen == order.amount_fen


def test_another_patient_cannot_report_a_card_payment(client, session):
    order, _ = _card_order(client, session)
    intruder = factories.patient(session, name="韩梅")
    token = _sign_in(client, _kiosk(session, "K-INTRUDER"), intruder)
    r = client.post(
        f"/kiosk/payments/{order.id}/card", json=_approval(order), headers={"X-CSRF-Token": token, **JSON}
    )
    assert r.status_code == 404
    session.rollback()
    assert session.get(PaymentOrder, order.id).state == "paying"
