"""Logins through the real pages; forms without the CSRF token are refused and change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bedside.admissions.models import AdmissionNotice
from bedside.core.auth import AuthSession
from tests import factories
from tests.helpers import csrf, phone_login, staff_login


def test_staff_login_logout_round_trip(client, session):
    factories.staff(session, "dr.li", "doctor")
    staff_login(client, "dr.li")
    assert client.get("/console/").status_code == 200
    token = csrf(client, "/console/")
    r = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    r = client.get("/console/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")
    assert session.scalar(select(func.count()).select_from(AuthSession)) == 0


def test_wrong_password_shows_the_error_with_a_4xx(client, session):
    factories.staff(session, "dr.li", "doctor")
    token = csrf(client)
    r = client.post(
        "/console/login", data={"username": "dr.li", "password": "bad-password", "csrf_token": token}
    )
    assert r.status_code == 401
    assert 'data-code="login_failed"' in r.text
    assert "用户名或密码错误" in r.text


def test_slow_down_message_through_the_page(client, session):
    factories.staff(session, "dr.li", "doctor")
    token = csrf(client)
    for _ in range(6):
        r = client.post(
            "/console/login", data={"username": "dr.li", "password": "bad-password", "csrf_token": token}
        )
    assert r.status_code == 429 and 'data-code="login_rate_limited"' in r.text
    assert int(r.headers["retry-after"]) > 0 and "分钟后再试" in r.text


def test_login_form_without_csrf_token_is_refused(client, session):
    factories.staff(session, "dr.li", "doctor")
    client.get("/console/login")
    r = client.post("/console/login", data={"username": "dr.li", "password": factories.PASSWORD})
    assert r.status_code == 403 and 'data-code="csrf_failed"' in r.text
    assert session.scalar(select(func.count()).select_from(AuthSession)) == 0


def test_forged_form_with_a_foreign_token_changes_nothing(client, session):
    world = factories.hospital(session)
    factories.staff(session, "dr.li", "doctor", department_id=world.department.id)
    patient = factories.patient(session)
    staff_login(client, "dr.li")
    form = {
        "patient_id": str(patient.id),
        "department_id": str(world.department.id),
        "diagnosis": "肺炎",
        "expected_date": factories.tomorrow().isoformat(),
        "csrf_token": "0" * 64,
    }
    r = client.post("/console/notices", data=form)
    assert r.status_code == 403
    r = client.post(
        "/api/v1/admission-notices",
        json={
            "patient_id": patient.id,
            "department_id": world.department.id,
            "diagnosis": "肺炎",
            "expected_date": factories.tomorrow().isoformat(),
        },
    )
    assert r.status_code == 403 and r.json()["code"] == "csrf_failed"
    assert session.scalar(select(func.count()).select_from(AdmissionNotice)) == 0


def test_csrf_token_changes_at_login(client, session):
    factories.staff(session, "dr.li", "doctor")
    before = csrf(client)
    after = staff_login(client, "dr.li")
    assert before != after


def test_phone_login_by_sms_code(client, sms):
    phone_login(client, sms, "13800138001")
    r = client.get("/phone/")
    assert r.status_code == 200 and 'data-step="add_patient"' in r.text


def test_wrong_sms_code_is_a_clear_error(client, sms):
    token = csrf(client, "/phone/login")
    client.post("/phone/login/code", data={"phone": "13800138002", "csrf_token": token})
    r = client.post("/phone/login", data={"phone": "13800138002", "code": "12345x", "csrf_token": token})
    assert r.status_code == 422 and 'data-code="otp_invalid"' in r.text


def test_open_redirect_is_not_followed(client, session):
    factories.staff(session, "dr.li", "doctor")
    token = csrf(client)
    r = client.post(
        "/console/login",
        data={
            "username": "dr.li",
            "password": factories.PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/console/"
