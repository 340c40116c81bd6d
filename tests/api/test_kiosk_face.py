"""Face sign-in through the real app: enrolment only after an ID-card sign-in, with the consent
recorded and only a template kept; sign-in with three tries, then the other credentials;
guesses count towards the kiosk's limit; withdrawal at the kiosk and on the phone."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import select

from bedside.accounts.sms import get_gateway
from bedside.core.audit import SYSTEM, AuditEvent
from bedside.kiosks import face
from bedside.kiosks import service as kiosks_service
from bedside.kiosks.models import FaceConsent, FaceEnrolment
from bedside.settings import get_settings
from tests import factories
from tests.helpers import card_read, csrf, phone_login


def frame(subject: str, quality: int = 100) -> str:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 170, 150)).save(
        out, "JPEG", comment=f"bedside-sim:{subject};q={quality}".encode()
    )
    return base64.b64encode(out.getvalue()).decode()


@pytest.fixture(autouse=True)
def simulated_matcher() -> Iterator[None]:
    face.use_matcher(face.SimulatedFaceMatcher(get_settings().secret_key))
    yield
    face.use_matcher(None)


@pytest.fixture
def kiosk_key(session):
    factories.hospital(session)
    _, key = kiosks_service.register(
        session,
        SYSTEM,
        code="K-FACE",
        name="人脸机",
        location="大厅",
        model="ZK-43",
        serial="SNF",
        modules=["id_reader", "camera"],
    )
    return key


JSON = {"Accept": "application/json"}


def _login(client, patient, source="id_reader"):  # type: ignore[no-untyped-def]
    """With the ID card on the reader, or typed on the keypad with the code texted to the patient."""
    token = csrf(client, "/kiosk/login")
    if source == "keypad":
        typed = {"kind": "resident_id", "value": patient.resident_id, "csrf_token": token}
        assert client.post("/kiosk/login", data=typed).status_code == 200
        fields = {**typed, "sms_code": get_gateway().last_code(patient.phone) or ""}
    else:
        fields = {
            **card_read(client.cookies["bs_kiosk"], "resident_id", patient.resident_id),
            "csrf_token": token,
        }
    r = client.post("/kiosk/login", data=fields, follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf(client, "/kiosk/patient")


def _enrol(client, patient):  # type: ignore[no-untyped-def]
    token = _login(client, patient)
    r = client.post(
        "/kiosk/face/enrol",
        json={"agreed_version": face.CONSENT_VERSION, "image_base64": frame(patient.resident_id)},
        headers={"X-CSRF-Token": token, **JSON},
    )
    assert r.status_code == 200, r.text
    client.post("/kiosk/logout", data={"csrf_token": csrf(client, "/kiosk/patient")})


def _attempt(client) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    token = csrf(client, "/kiosk/face")
    r = client.post("/kiosk/face/start", data={"csrf_token": token})
    assert r.status_code == 200, r.text
    attempt = re.search(r'data-face-attempt="([^"]+)"', r.text)
    assert attempt
    return attempt.group(1), csrf(client, "/kiosk/face")


def test_enrolment_needs_the_id_card_and_consent_and_keeps_only_a_template(client, session, kiosk_key):
    patient = factories.patient(session, name="方晓梅", male=False)
    client.cookies.set("bs_kiosk", kiosk_key)

    # Typed on the keypad: no offer, and the server refuses.
    token = _login(client, patient, source="keypad")
    assert 'data-testid="face-enrol"' not in client.get("/kiosk/patient").text
    r = client.post(
        "/kiosk/face/enrol",
        json={"agreed_version": face.CONSENT_VERSION, "image_base64": frame(patient.resident_id)},
        headers={"X-CSRF-Token": token, **JSON},
    )
    assert r.status_code == 403 and r.json()["code"] == "face_enrol_needs_id_card"
    client.post("/kiosk/logout", data={"csrf_token": token})

    token = _login(client, patient)
    assert 'data-testid="face-enrol"' in client.get("/kiosk/patient").text
    page = client.get("/kiosk/face/enrol")
    assert page.status_code == 200 and face.CONSENT_VERSION in page.text
    r = client.post("/kiosk/face/enrol/agree", data={"csrf_token": token})
    assert r.status_code == 422 and 'data-code="face_consent_required"' in r.text
    r = client.post("/kiosk/face/enrol/agree", data={"csrf_token": token, "agree": face.CONSENT_VERSION})
    assert r.status_code == 200 and 'data-face-mode="enrol"' in r.text

    bad = [
        (
            {"agreed_version": "old-text", "image_base64": frame(patient.resident_id)},
            422,
            "face_consent_required",
        ),
        ({"agreed_version": face.CONSENT_VERSION, "image_base64": "%%%"}, 422, "invalid_image"),
        ({"agreed_version": face.CONSENT_VERSION, "image_base64": frame("nobody")}, 422, "face_not_found"),
        ({"agreed_version": face.CONSENT_VERSION}, 422, "validation_error"),
    ]
    for body, status, code in bad:
        r = client.post("/kiosk/face/enrol", json=body, headers={"X-CSRF-Token": token, **JSON})
        assert (r.status_code, r.json()["code"]) == (status, code)
        assert r.json()["message_zh"] and r.json()["message_en"]
    assert session.scalar(select(FaceEnrolment)) is None

    picture = frame(patient.resident_id)
    r = client.post(
        "/kiosk/face/enrol",
        json={"agreed_version": face.CONSENT_VERSION, "image_base64": picture},
        headers={"X-CSRF-Token": token, **JSON},
    )
    assert r.status_code == 200 and r.json() == {"redirect": "/kiosk/patient?face=enrolled"}
    session.rollback()
    row = session.scalar(select(FaceEnrolment))
    consent = session.scalar(select(FaceConsent))
    assert row is not None and consent is not None
    assert row.patient_id == patient.id and row.consent_id == consent.id
    assert len(row.template) == 32 and base64.b64decode(picture) != row.template
    assert consent.text_version == face.CONSENT_VERSION and consent.kiosk_id is not None
    assert consent.withdrawn_at is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "face.enrol")) is not None
    page = client.get("/kiosk/patient?face=enrolled").text
    assert 'data-testid="face-enrolled"' in page and 'data-testid="face-withdraw"' in page


def test_face_sign_in_with_three_tries_then_the_other_credentials(client, session, kiosk_key):
    patient = factories.patient(session, name="方晓梅", male=False)
    client.cookies.set("bs_kiosk", kiosk_key)
    _enrol(client, patient)

    assert 'data-testid="login-face"' in client.get("/kiosk/").text
    attempt, token = _attempt(client)
    headers = {"X-CSRF-Token": token, **JSON}
    r = client.post(
        "/kiosk/face/login", json={"attempt": attempt, "image_base64": frame("stranger")}, headers=headers
    )
    assert r.status_code == 401 and r.json()["code"] == "face_not_matched"
    assert "2" in r.json()["message_en"]
    r = client.post(
        "/kiosk/face/login", json={"attempt": attempt, "image_base64": frame("nobody")}, headers=headers
    )
    assert r.status_code == 422 and r.json()["code"] == "face_not_found"
    r = client.post(
        "/kiosk/face/login",
        json={"attempt": attempt, "image_base64": frame(patient.resident_id, 40)},
        headers=headers,
    )
    assert r.status_code == 401 and r.json()["code"] == "face_tries_exhausted"
    # The attempt is over, even for the right face.
    r = client.post(
        "/kiosk/face/login",
        json={"attempt": attempt, "image_base64": frame(patient.resident_id)},
        headers=headers,
    )
    assert r.status_code == 401 and r.json()["code"] == "face_tries_exhausted"
    assert client.get("/kiosk/patient", follow_redirects=False).status_code == 303

    # A new attempt (consent again) with the right face signs in.
    attempt, token = _attempt(client)
    r = client.post(
        "/kiosk/face/login",
        json={"attempt": attempt, "image_base64": frame(patient.resident_id)},
        headers={"X-CSRF-Token": token, **JSON},
    )
    assert r.status_code == 200 and r.json() == {"redirect": "/kiosk/patient"}
    page = client.get("/kiosk/patient")
    assert page.status_code == 200 and "方*梅" in page.text
    login = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "kiosk.patient_login").order_by(AuditEvent.id.desc())
    ).first()
    assert login is not None and login.detail["kind"] == "face" and login.detail["source"] == "camera"


def test_forged_or_foreign_attempts_and_bad_pictures_are_refused(client, session, kiosk_key):
    client.cookies.set("bs_kiosk", kiosk_key)
    attempt, token = _attempt(client)
    headers = {"X-CSRF-Token": token, **JSON}
    number = attempt.split(".")[0]
    for forged in (
        f"{number}.{'0' * 32}",
        f"{int(number) + 1}.{attempt.split('.')[1]}",
        "x.y",
        "99999999999.a",
    ):
        r = client.post(
            "/kiosk/face/login", json={"attempt": forged, "image_base64": frame("x")}, headers=headers
        )
        assert r.status_code == 409 and r.json()["code"] == "face_attempt_invalid", forged
    for picture in ("not base64!", base64.b64encode(b"not a jpeg").decode()):
        r = client.post(
            "/kiosk/face/login", json={"attempt": attempt, "image_base64": picture}, headers=headers
        )
        assert r.status_code in (401, 422)
    r = client.post("/kiosk/face/login", json={"attempt": attempt, "image_base64": frame("x")})
    assert r.status_code == 403  # no CSRF token


def test_face_guesses_count_towards_the_kiosk_limit(client, session, kiosk_key):
    client.cookies.set("bs_kiosk", kiosk_key)
    for _ in range(4):
        attempt, token = _attempt(client)
        for _ in range(3):
            r = client.post(
                "/kiosk/face/login",
                json={"attempt": attempt, "image_base64": frame("stranger")},
                headers={"X-CSRF-Token": token, **JSON},
            )
            if r.status_code == 429:
                break
    token = csrf(client, "/kiosk/face")
    r = client.post("/kiosk/face/start", data={"csrf_token": token})
    assert r.status_code == 429 and 'data-code="kiosk_login_rate_limited"' in r.text


def test_without_a_matcher_or_camera_there_is_no_face_button(client, session, kiosk_key):
    client.cookies.set("bs_kiosk", kiosk_key)
    face.use_matcher(None)  # tests run outside demo mode: the simulator is off by default
    assert 'data-testid="login-face"' not in client.get("/kiosk/").text
    assert client.get("/kiosk/face", follow_redirects=False).status_code == 303
    r = client.post("/kiosk/face/start", data={"csrf_token": csrf(client, "/kiosk/")})
    assert r.status_code == 409 and 'data-code="face_unavailable"' in r.text


def test_withdrawal_at_the_kiosk_deletes_the_template(client, session, kiosk_key):
    patient = factories.patient(session, name="方晓梅", male=False)
    client.cookies.set("bs_kiosk", kiosk_key)
    _enrol(client, patient)
    token = _login(client, patient, source="keypad")
    r = client.post("/kiosk/face/withdraw", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/kiosk/patient?face=withdrawn"
    session.rollback()
    assert session.scalar(select(FaceEnrolment)) is None
    consent = session.scalar(select(FaceConsent))
    assert consent is not None and consent.withdrawn_at is not None and consent.withdrawn_via == "kiosk"
    r = client.post("/kiosk/face/withdraw", data={"csrf_token": token})
    assert r.status_code == 404
    client.post("/kiosk/logout", data={"csrf_token": token})
    attempt, token = _attempt(client)
    r = client.post(
        "/kiosk/face/login",
        json={"attempt": attempt, "image_base64": frame(patient.resident_id)},
        headers={"X-CSRF-Token": token, **JSON},
    )
    assert r.status_code == 401


def test_withdrawal_on_the_phone_and_nobody_elses(client, session, sms, kiosk_key):
    patient = factories.patient(session, name="方晓梅", male=False, phone="13700000071")
    other = factories.patient(session, name="陆一鸣")
    factories.account_for(session, "13700000071", patient)
    client.cookies.set("bs_kiosk", kiosk_key)
    _enrol(client, patient)
    _enrol(client, other)
    client.cookies.delete("bs_kiosk")
    token = phone_login(client, sms, "13700000071")
    page = client.get(f"/phone/face/{patient.id}")
    assert page.status_code == 200 and 'data-testid="face-withdraw"' in page.text
    assert client.get(f"/phone/face/{other.id}").status_code == 404
    r = client.post(f"/phone/face/{other.id}/withdraw", data={"csrf_token": token})
    assert r.status_code == 404
    r = client.post(f"/phone/face/{patient.id}/withdraw", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    session.rollback()
    assert [row.patient_id for row in session.scalars(select(FaceEnrolment))] == [other.id]
    withdrawn = session.scalar(select(FaceConsent).where(FaceConsent.patient_id == patient.id))
    assert withdrawn is not None and withdrawn.withdrawn_via == "phone"
    assert 'data-testid="face-withdraw"' not in client.get(f"/phone/face/{patient.id}").text
