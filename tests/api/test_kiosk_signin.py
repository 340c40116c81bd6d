"""Kiosk sign-in that cannot be forged (issue 14 item 7): a typed number alone never signs in;
a card counts only when this kiosk's agent signed the read, once, just now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bedside.core.audit import SYSTEM, AuditEvent
from bedside.core.db import utcnow
from bedside.kiosk_agent.drivers import Card, IdCard
from bedside.kiosk_agent.read_signing import ReadSigner
from bedside.kiosks import card_reads
from bedside.kiosks import service as kiosks_service
from bedside.patients import service as patients_service
from bedside.settings import get_settings
from tests import factories
from tests.helpers import card_read, csrf

KIOSK_COOKIE = "bs_kiosk"


def _kiosk(session, code: str) -> str:  # type: ignore[no-untyped-def]
    return kiosks_service.register(
        session, SYSTEM, code=code, name=code, location="大厅", model="ZK-43", serial=code, modules=[]
    )[1]


@pytest.fixture
def keys(session):  # type: ignore[no-untyped-def]
    factories.hospital(session)
    return [_kiosk(session, "K-A"), _kiosk(session, "K-B")]


@pytest.fixture
def patient(session):  # type: ignore[no-untyped-def]
    p = factories.patient(session, name="郑小红", phone="13700000991", male=False)
    patients_service.add_credential(session, SYSTEM, p.id, "visit_card", "V000000991")
    patients_service.add_credential(session, SYSTEM, p.id, "inpatient_no", "ZY2026000991")
    return p


def _post(client, key: str, **fields: str):  # type: ignore[no-untyped-def]
    client.cookies.set(KIOSK_COOKIE, key)
    token = csrf(client, "/kiosk/login")
    return client.post("/kiosk/login", data={**fields, "csrf_token": token}, follow_redirects=False)


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/kiosk/patient", follow_redirects=False).status_code == 200


def _code(r) -> str:  # type: ignore[no-untyped-def]
    return r.text.split('data-code="', 1)[1].split('"', 1)[0] if 'data-code="' in r.text else ""


def test_a_signed_id_card_read_signs_in_and_is_recorded_as_the_reader(client, session, keys, patient):
    r = _post(client, keys[0], **card_read(keys[0], "resident_id", patient.resident_id))
    assert r.status_code == 303 and _signed_in(client)
    row = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "kiosk.patient_login").order_by(AuditEvent.id.desc())
    )
    assert row is not None and row.detail["factor"] == "card_read" and row.detail["source"] == "id_reader"


@pytest.mark.parametrize(
    "forgery",
    ["no read", "garbage", "other kiosk's secret", "another number", "another kind", "another device"],
)
def test_a_forged_card_read_is_refused(client, keys, patient, forgery):
    fields = card_read(keys[0], "resident_id", patient.resident_id)
    if forgery == "no read":
        fields["read"] = ""
    elif forgery == "garbage":
        fields["read"] = "v1.eyJkIjoiaWRfcmVhZGVyIn0.AAAA"
    elif forgery == "other kiosk's secret":
        fields["read"] = card_read(keys[1], "resident_id", patient.resident_id)["read"]
    elif forgery == "another number":
        fields["read"] = card_read(keys[0], "resident_id", "11010519491231002X")["read"]
    elif forgery == "another kind":
        fields["kind"], fields["value"] = "visit_card", "V000000991"
    elif forgery == "another device":
        fields["source"] = "card_reader"
    r = _post(client, keys[0], **fields)
    assert r.status_code == 403 and _code(r) == "card_read_invalid"
    assert not _signed_in(client)


def test_a_replayed_read_is_refused(client, keys, patient):
    fields = card_read(keys[0], "resident_id", patient.resident_id)
    assert _post(client, keys[0], **fields).status_code == 303
    client.post("/kiosk/logout", data={"csrf_token": csrf(client, "/kiosk/patient")})
    again = _post(client, keys[0], **fields)
    assert again.status_code == 409 and _code(again) == "card_read_replayed"
    assert not _signed_in(client)


def test_an_old_read_is_refused(client, keys, patient):
    secret = card_reads.device_secret(keys[0])
    late = card_reads.sign(
        secret, "id_reader", "resident_id", patient.resident_id, at=utcnow() - timedelta(minutes=5)
    )
    fields = {"kind": "resident_id", "value": patient.resident_id, "source": "id_reader", "read": late}
    r = _post(client, keys[0], **fields)
    assert r.status_code == 403 and _code(r) == "card_read_invalid"


def test_signed_card_reader_and_scanner_reads_sign_in(client, session, keys, patient):
    assert _post(client, keys[0], **card_read(keys[0], "visit_card", "V000000991")).status_code == 303
    patients_service.add_credential(session, SYSTEM, patient.id, "health_card", "HC-991-QR")
    client.cookies.clear()
    scanned = card_read(keys[0], "health_card", "HC-991-QR", device="scanner")
    assert _post(client, keys[0], **scanned).status_code == 303


def test_the_agent_signs_its_reads_with_the_device_secret(client, keys, patient):
    signer = ReadSigner(keys[0])
    card = IdCard(
        resident_id=patient.resident_id, name="郑小红", gender="F", birth_date="1980-05-17", address="长沙"
    )
    body = signer.id_card(card)
    fields = {
        "kind": "resident_id",
        "value": body["resident_id"],
        "source": "id_reader",
        "read": body["read"],
    }
    assert _post(client, keys[0], **fields).status_code == 303
    assert "read" not in ReadSigner(None).card(Card(kind="visit_card", number="V000000991"))


@pytest.mark.parametrize("kind", ["resident_id", "visit_card"])
def test_a_typed_number_alone_does_not_sign_in(client, keys, patient, sms, kind):
    value = patient.resident_id if kind == "resident_id" else "V000000991"
    r = _post(client, keys[0], kind=kind, value=value, source="keypad")
    assert r.status_code == 200 and 'data-testid="kiosk-code-sent"' in r.text
    assert "137****0991" in r.text and 'name="sms_code"' in r.text
    assert not _signed_in(client)
    # Claiming a device without its signature is no way round it.
    r = _post(
        client,
        keys[0],
        kind=kind,
        value=value,
        source="id_reader" if kind == "resident_id" else "card_reader",
    )
    assert r.status_code == 403 and not _signed_in(client)


def test_the_texted_code_signs_in_at_that_kiosk_only(client, keys, patient, sms):
    rid = patient.resident_id
    _post(client, keys[0], kind="resident_id", value=rid)
    code = sms.last_code(patient.phone)
    assert code
    wrong = _post(
        client, keys[0], kind="resident_id", value=rid, sms_code="000000" if code != "000000" else "111111"
    )
    assert wrong.status_code == 422 and _code(wrong) == "otp_invalid" and 'name="sms_code"' in wrong.text
    elsewhere = _post(client, keys[1], kind="resident_id", value=rid, sms_code=code)
    assert elsewhere.status_code == 422 and not _signed_in(client)
    r = _post(client, keys[0], kind="resident_id", value=rid, sms_code=code)
    assert r.status_code == 303 and _signed_in(client)
    # One use.
    client.post("/kiosk/logout", data={"csrf_token": csrf(client, "/kiosk/patient")})
    assert _post(client, keys[0], kind="resident_id", value=rid, sms_code=code).status_code == 422


def test_inpatient_number_with_the_last_six_of_the_id(client, keys, patient):
    r = _post(client, keys[0], kind="inpatient_no", value="ZY2026000991", id_last6="000000")
    assert r.status_code == 401 and not _signed_in(client)
    r = _post(client, keys[0], kind="inpatient_no", value="ZY2026000991", id_last6=patient.resident_id[-6:])
    assert r.status_code == 303 and _signed_in(client)


def test_a_patient_without_a_phone_is_sent_another_way(client, session, keys, patient, sms):
    patient.phone = None
    session.commit()
    r = _post(client, keys[0], kind="resident_id", value=patient.resident_id)
    assert r.status_code == 409 and _code(r) == "kiosk_no_phone" and not sms.sent


def test_wrong_second_factors_are_limited_per_patient_across_kiosks(client, keys, patient, monkeypatch):
    monkeypatch.setattr(get_settings(), "rate_limit_kiosk_second_factor_per_patient", "3/15 minutes")
    codes = []
    for n in range(4):
        r = _post(client, keys[n % 2], kind="inpatient_no", value="ZY2026000991", id_last6=f"{n:06d}")
        codes.append(r.status_code)
    assert codes == [401, 401, 401, 429]
    r = _post(client, keys[0], kind="inpatient_no", value="ZY2026000991", id_last6=patient.resident_id[-6:])
    assert r.status_code == 429 and _code(r) == "kiosk_second_factor_limited"
    # A card on the reader is not a guess: it still works.
    assert _post(client, keys[0], **card_read(keys[0], "resident_id", patient.resident_id)).status_code == 303


def test_texted_codes_are_limited(client, keys, patient, sms, monkeypatch):
    rid = patient.resident_id
    _post(client, keys[0], kind="resident_id", value=rid)
    again = _post(client, keys[1], kind="resident_id", value=rid)
    assert again.status_code == 429 and _code(again) == "otp_too_soon"
    assert len([s for s in sms.sent if s.phone == patient.phone]) == 1
    monkeypatch.setattr(get_settings(), "otp_max_attempts", 2)
    statuses = [
        _post(client, keys[0], kind="resident_id", value=rid, sms_code=f"9{n:05d}").status_code
        for n in range(2)
    ]
    assert statuses == [422, 422]
    # The right code no longer works once the code has had its tries.
    right = _post(client, keys[0], kind="resident_id", value=rid, sms_code=sms.last_code(patient.phone) or "")
    assert right.status_code == 422 and not _signed_in(client)
