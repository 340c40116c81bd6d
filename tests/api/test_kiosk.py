"""Kiosks: only a registered key opens the kiosk; patients sign in by card or number."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from bedside.core.audit import SYSTEM
from bedside.core.db import utcnow
from bedside.kiosks import service as kiosks_service
from bedside.patients import service as patients_service
from tests import factories
from tests.helpers import card_read, csrf, staff_login


@pytest.fixture
def kiosk_key(session):
    factories.hospital(session)
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-1",
        name="一号机",
        location="大厅",
        model="ZK-43",
        serial="SN1",
        modules=["id_reader"],
    )
    return key


def test_without_a_key_the_kiosk_shows_nothing(client, kiosk_key):
    r = client.get("/kiosk/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/kiosk/activate"
    assert client.get("/api/v1/kiosk/me").status_code == 401
    assert client.get("/api/v1/kiosk/me", headers={"X-Kiosk-Key": "bk_deadbeef_nope"}).status_code == 401
    me = client.get("/api/v1/kiosk/me", headers={"X-Kiosk-Key": kiosk_key})
    assert me.status_code == 200 and me.json()["code"] == "K-1"


def test_activation_and_patient_login_by_the_id_card(client, session, kiosk_key):
    patient = factories.patient(session, name="郑小红", male=False)
    token = csrf(client, "/kiosk/activate")
    r = client.post("/kiosk/activate", data={"key": "bk_wrong_key", "csrf_token": token})
    assert r.status_code == 401
    r = client.post("/kiosk/activate", data={"key": kiosk_key, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    token = csrf(client, "/kiosk/login")
    r = client.post(
        "/kiosk/login",
        data={**card_read(kiosk_key, "resident_id", patient.resident_id), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/kiosk/patient")
    assert page.status_code == 200 and "郑*红" in page.text


def test_inpatient_number_needs_the_last_six_of_the_id(client, session, kiosk_key):
    patient = factories.patient(session)
    patients_service.add_credential(session, SYSTEM, patient.id, "inpatient_no", "ZY2026000123")
    client.cookies.set("bs_kiosk", kiosk_key)
    token = csrf(client, "/kiosk/login")
    r = client.post(
        "/kiosk/login",
        data={"kind": "inpatient_no", "value": "ZY2026000123", "id_last6": "000000", "csrf_token": token},
    )
    assert r.status_code == 401 and 'data-code="kiosk_login_failed"' in r.text
    r = client.post(
        "/kiosk/login",
        data={
            "kind": "inpatient_no",
            "value": "ZY2026000123",
            "id_last6": patient.resident_id[-6:],
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_guessing_is_rate_limited(client, session, kiosk_key):
    client.cookies.set("bs_kiosk", kiosk_key)
    token = csrf(client, "/kiosk/login")
    codes = []
    for i in range(11):
        r = client.post(
            "/kiosk/login", data={"kind": "visit_card", "value": f"V{i:09d}", "csrf_token": token}
        )
        codes.append(r.status_code)
    assert codes[:10] == [401] * 10 and codes[10] == 429


def test_kiosk_patient_session_ends_after_idle(client, session, kiosk_key):
    patient = factories.patient(session)
    client.cookies.set("bs_kiosk", kiosk_key)
    token = csrf(client, "/kiosk/login")
    client.post(
        "/kiosk/login", data={**card_read(kiosk_key, "resident_id", patient.resident_id), "csrf_token": token}
    )
    assert client.get("/kiosk/patient").status_code == 200
    with time_machine.travel(utcnow() + timedelta(seconds=61)):
        r = client.get("/kiosk/patient", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/kiosk/"


def test_admin_registers_a_kiosk_and_sees_the_key_once(client, session):
    factories.hospital(session)
    factories.staff(session, "root", "admin")
    token = staff_login(client, "root")
    r = client.post(
        "/console/kiosks",
        data={
            "code": "k-9",
            "name": "九号机",
            "location": "门诊",
            "model": "ZK-19",
            "serial": "S9",
            "modules": ["id_reader", "receipt_printer"],
            "csrf_token": token,
        },
    )
    assert r.status_code == 201
    key = r.text.split('data-testid="new-kiosk-key"')[1].split("<code")[1].split(">")[1].split("<")[0]
    assert client.get("/api/v1/kiosk/me", headers={"X-Kiosk-Key": key}).json()["code"] == "K-9"
    assert key not in client.get("/console/kiosks").text
    r = client.post(
        "/console/kiosks",
        data={"code": "K-9", "name": "x", "location": "x", "model": "x", "serial": "x", "csrf_token": token},
    )
    assert r.status_code == 409


def test_telemetry_is_stored_and_shown_to_the_admin(client, session):
    from bedside.core.audit import SYSTEM
    from bedside.kiosks import service as kiosks_service
    from tests import factories
    from tests.helpers import staff_login

    factories.hospital(session)
    factories.staff(session, "it.admin", "admin")
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-TEL",
        name="遥测",
        location="大厅",
        model="ZK-43",
        serial="S-TEL",
        modules=["receipt_printer", "id_reader"],
    )
    body = {
        "software_version": "agent 1.0.0",
        "modules": [
            {
                "kind": "receipt_printer",
                "state": "warning",
                "detail": "paper low",
                "consumables": {"receipt_paper": 8},
            },
            {"kind": "id_reader", "state": "ok"},
        ],
        "consumables": {"receipt_paper": 8, "a4_paper": 60},
        "last_error": None,
        "transactions": {"receipts": 12},
    }
    assert client.post("/api/v1/kiosk/telemetry", json=body).status_code == 401
    r = client.post("/api/v1/kiosk/telemetry", json=body, headers={"X-Kiosk-Key": key})
    assert r.status_code == 200 and r.json() == {"status": "warning"}
    bad = client.post(
        "/api/v1/kiosk/telemetry",
        json={**body, "modules": [{"kind": "x", "state": "melting"}]},
        headers={"X-Kiosk-Key": key},
    )
    assert bad.status_code == 422
    staff_login(client, "it.admin")
    page = client.get("/console/kiosks")
    assert 'data-testid="kiosk-health-K-TEL" data-health="warning"' in page.text


def test_phone_qr_code_signs_in_once_and_expires(client, session, sms, kiosk_key):
    import re

    from tests.helpers import phone_login

    patient = factories.patient(session, phone="13600000088")
    factories.account_for(session, "13600000088", patient)
    phone_login(client, sms, "13600000088")
    page = client.get(f"/phone/kiosk-code/{patient.id}")
    code = re.search(r'data-code="([^"]+)"', page.text).group(1)
    assert code.startswith("BSK1:")
    other = factories.patient(session, name="陌生人", birth=factories.date(1970, 1, 1))
    assert client.get(f"/phone/kiosk-code/{other.id}").status_code == 404  # not a patient of this account
    later = re.search(r'data-code="([^"]+)"', client.get(f"/phone/kiosk-code/{patient.id}").text).group(1)
    client.cookies.clear()
    client.cookies.set("bs_kiosk", kiosk_key)
    token = csrf(client, "/kiosk/login")
    ok = client.post(
        "/kiosk/login", data={"kind": "phone_qr", "value": code, "csrf_token": token}, follow_redirects=False
    )
    assert ok.status_code == 303
    token = csrf(client, "/kiosk/login")  # signing in renews the browser's CSRF token
    again = client.post("/kiosk/login", data={"kind": "phone_qr", "value": code, "csrf_token": token})
    assert again.status_code == 401  # one use
    with time_machine.travel(utcnow() + timedelta(minutes=3)):
        token = csrf(client, "/kiosk/login")
        late = client.post("/kiosk/login", data={"kind": "phone_qr", "value": later, "csrf_token": token})
    assert late.status_code == 401  # two minutes
